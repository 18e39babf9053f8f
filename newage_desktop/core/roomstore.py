"""Persistence of chat rooms and their messages in `chat_history.sqlite3` (PROTOCOL.md §3.5).

One connection, used from the event loop. Every call is a few short statements, so callers run
them inline and must serialise access themselves (the asyncio loop does that for free); the
connection is opened with ``check_same_thread=False`` only so that tests and shutdown code may
close it from another thread. Every change runs in one explicit transaction, so a crash leaves
either the old or the new state, never half of a change.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, TypeVar, cast, get_args

Role = Literal["master", "manager", "guest"]
ROLES: Final[tuple[Role, ...]] = get_args(Role)
UNKNOWN_CLIENT_TYPE: Final = "unknown"
SCHEMA_VERSION: Final = 1

# Messages are stored whole, as JSON: the table layout is internal (§3.5) and the message object
# of §7.11 grows optional fields. Ids that are looked up get their own indexed columns, and `kind`
# is kept apart so that clearing requests or responses (§7.11) needs no schema change later.
_SCHEMA: Final = """
CREATE TABLE rooms (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    personal INTEGER NOT NULL CHECK (personal IN (0, 1)),
    mode TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE members (
    id INTEGER PRIMARY KEY,
    room_id INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    identity TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('master', 'manager', 'guest')),
    client_id TEXT,
    client_type TEXT NOT NULL,
    UNIQUE (room_id, identity)
);
CREATE UNIQUE INDEX members_one_master ON members (room_id) WHERE role = 'master';
CREATE INDEX members_identity ON members (identity);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    room_id INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    message_id TEXT NOT NULL,
    kind TEXT,
    request_id TEXT,
    output_id TEXT,
    body TEXT NOT NULL,
    UNIQUE (room_id, message_id)
);
CREATE INDEX messages_output ON messages (room_id, request_id, output_id);
"""
_TABLES: Final = frozenset({"rooms", "members", "messages"})
_ROOM_ID: Final = "(SELECT id FROM rooms WHERE name = ?)"
_IN_ROOM: Final = f"FROM messages WHERE room_id = {_ROOM_ID}"
_MEMBER: Final = "SELECT role FROM members WHERE room_id = ? AND identity = ?"


class CorruptDatabaseError(Exception):
    """The file exists but is not a chat history database this program can use (§3.6)."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(f"{path}: not a valid chat history database: {detail}")
        self.path = path
        self.detail = detail


@dataclass(frozen=True)
class Member:
    identity: str
    role: Role
    client_id: str | None = None
    client_type: str = UNKNOWN_CLIENT_TYPE


@dataclass(frozen=True)
class Room:
    name: str
    personal: bool
    mode: str
    created_at: str
    members: tuple[Member, ...]  # in joining order

    @property
    def master(self) -> str | None:
        return next((m.identity for m in self.members if m.role == "master"), None)

    @property
    def managers(self) -> list[str]:
        return [m.identity for m in self.members if m.role == "manager"]

    @property
    def guests(self) -> list[str]:
        return [m.identity for m in self.members if m.role == "guest"]

    def member(self, identity: str) -> Member | None:
        return next((m for m in self.members if m.identity == identity), None)

    def role_of(self, identity: str) -> Role | None:
        found = self.member(identity)
        return found.role if found else None

    def info(self) -> dict[str, Any]:
        """The `room` object of the `GET_ROOM_INFO` ack (§6.5)."""
        return {
            "name": self.name,
            "personal": self.personal,
            "mode": self.mode,
            "master": self.master,
            "managers": self.managers,
            "guests": self.guests,
            "createdAt": self.created_at,
        }


_F = TypeVar("_F", bound=Callable[..., Any])


def _changes_rooms(method: _F) -> _F:
    """Drop the room cache around a method that changes rooms or memberships."""

    @functools.wraps(method)
    def wrapper(self: RoomStore, *args: Any, **kwargs: Any) -> Any:
        self._room_cache.clear()
        try:
            return method(self, *args, **kwargs)
        finally:
            self._room_cache.clear()

    return cast(_F, wrapper)


class RoomStore:
    """Rooms, memberships and message history.

    Room names are the keys. `add_member`, `set_role` and `append_message` raise `KeyError` for
    an unknown room (the service checks first); the other calls answer None, False or empty.
    """

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path
        # Rooms are read on every relayed stream (recipients) but change rarely: cache `get()`,
        # and drop the whole cache whenever a room or a membership changes.
        self._room_cache: dict[str, Room | None] = {}

    @classmethod
    def open(cls, path: Path) -> RoomStore:
        """Open or create the database; refuse (never touch) a file that is not ours."""
        # isolation_level=None: no implicit transactions, so `_transaction` alone decides.
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            _prepare(db, path)
        except BaseException:
            db.close()
            raise
        return cls(db, path)

    def close(self) -> None:
        self._db.close()

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """Group several calls into one atomic change (they nest as savepoints)."""
        return _transaction(self._db)

    def _row(self, sql: str, *params: object) -> Any:
        return self._db.execute(sql, params).fetchone()

    def _body(self, sql: str, *params: object) -> dict[str, Any] | None:
        row = self._row(sql, *params)
        return _loads(row[0]) if row else None

    def _room_id(self, room: str) -> int:
        row = self._row("SELECT id FROM rooms WHERE name = ?", room)
        if row is None:
            raise KeyError(room)
        return int(row[0])

    # --- rooms ----------------------------------------------------------------------------------

    def list_rooms(self) -> list[Room]:
        """All rooms in creation order."""
        return self._load_rooms("")

    def get(self, name: str) -> Room | None:
        if name in self._room_cache:
            return self._room_cache[name]
        found = self._load_rooms("WHERE name = ?", name)
        room = found[0] if found else None
        self._room_cache[name] = room
        return room

    def _load_rooms(self, where: str, *params: object) -> list[Room]:
        rooms = f"SELECT id, name, personal, mode, created_at FROM rooms {where} ORDER BY id"
        members: dict[int, list[Member]] = {}
        for room_id, *fields in self._db.execute(
            "SELECT room_id, identity, role, client_id, client_type FROM members"
            f" WHERE room_id IN (SELECT id FROM rooms {where}) ORDER BY id",
            params,
        ):
            members.setdefault(room_id, []).append(Member(*fields))
        return [
            Room(name, bool(personal), mode, created_at, tuple(members.get(room_id, ())))
            for room_id, name, personal, mode, created_at in self._db.execute(rooms, params)
        ]

    @_changes_rooms
    def create(
        self, name: str, *, personal: bool, mode: str, master: Member | None, created_at: str
    ) -> Room:
        """Create a room; `ValueError` if the name is taken."""
        if master is not None and master.role != "master":
            raise ValueError(f"initial member of {name!r} must have role 'master'")
        with self.transaction() as db:
            if self._row("SELECT 1 FROM rooms WHERE name = ?", name):
                raise ValueError(f"room {name!r} already exists")
            room_id = db.execute(
                "INSERT INTO rooms (name, personal, mode, created_at) VALUES (?, ?, ?, ?)",
                (name, int(personal), mode, created_at),
            ).lastrowid
            assert room_id is not None  # always set after a successful INSERT
            if master is not None:
                _insert_member(db, room_id, master)
        return Room(name, personal, mode, created_at, (master,) if master else ())

    @_changes_rooms
    def delete(self, name: str) -> bool:
        """Delete a room with its members and messages; False if there was none."""
        with self.transaction() as db:
            row = self._row("SELECT id FROM rooms WHERE name = ?", name)
            if row is None:
                return False
            # Explicit deletes rather than relying on ON DELETE CASCADE alone: they work even on
            # a connection where someone forgot `PRAGMA foreign_keys`.
            db.execute("DELETE FROM messages WHERE room_id = ?", row)
            db.execute("DELETE FROM members WHERE room_id = ?", row)
            db.execute("DELETE FROM rooms WHERE id = ?", row)
        return True

    # --- members --------------------------------------------------------------------------------

    @_changes_rooms
    def add_member(self, room: str, member: Member) -> None:
        """Add a member; role `master` demotes the current master. `ValueError` if present."""
        with self.transaction() as db:
            room_id = self._room_id(room)
            if self._row(_MEMBER, room_id, member.identity):
                raise ValueError(f"{member.identity!r} is already a member of {room!r}")
            if member.role == "master":
                _demote_master(db, room_id)
            _insert_member(db, room_id, member)

    @_changes_rooms
    def remove_member(self, room: str, identity: str) -> bool:
        with self.transaction() as db:
            cursor = db.execute(
                f"DELETE FROM members WHERE room_id = {_ROOM_ID} AND identity = ?",
                (room, identity),
            )
            return cursor.rowcount > 0

    @_changes_rooms
    def set_role(self, room: str, identity: str, role: Role) -> None:
        """Change a member's role; `master` demotes the current master to `manager`."""
        if role not in ROLES:
            raise ValueError(f"invalid role {role!r}")
        with self.transaction() as db:
            room_id = self._room_id(room)
            current = self._row(_MEMBER, room_id, identity)
            if current is None:
                raise KeyError(identity)
            if current[0] == role:
                return
            if role == "master":
                _demote_master(db, room_id)
            db.execute(
                "UPDATE members SET role = ? WHERE room_id = ? AND identity = ?",
                (role, room_id, identity),
            )

    @_changes_rooms
    def update_registration(self, identity: str, client_id: str | None, client_type: str) -> None:
        """Record the identity's latest registration with every membership it has (§6.5)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE members SET client_id = ?, client_type = ? WHERE identity = ?",
                (client_id, client_type, identity),
            )

    def registration_of(self, identity: str) -> tuple[str, str] | None:
        """(clientId, clientType) last stored for a registered identity, from any membership."""
        row = self._row(
            "SELECT client_id, client_type FROM members"
            " WHERE identity = ? AND client_id IS NOT NULL ORDER BY id DESC LIMIT 1",
            identity,
        )
        return (row[0], row[1]) if row else None

    def rooms_of(self, identity: str) -> list[str]:
        """Names of the rooms the identity is a member of, in creation order."""
        return [
            row[0]
            for row in self._db.execute(
                "SELECT rooms.name FROM rooms JOIN members ON members.room_id = rooms.id"
                " WHERE members.identity = ? ORDER BY rooms.id",
                (identity,),
            )
        ]

    # --- messages -------------------------------------------------------------------------------

    def append_message(self, room: str, message: Mapping[str, Any]) -> None:
        """Append a message object (§7.11); `ValueError` if its messageId is already there."""
        message_id = _message_id(message)
        body = _dumps(message)
        with self.transaction() as db:
            room_id = self._room_id(room)
            if self._row(
                "SELECT 1 FROM messages WHERE room_id = ? AND message_id = ?", room_id, message_id
            ):
                raise ValueError(f"message {message_id!r} already exists in {room!r}")
            db.execute(
                "INSERT INTO messages (room_id, message_id, kind, request_id, output_id, body)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (room_id, message_id, *_indexed(message), body),
            )

    def messages(self, room: str, *, limit: int | None = None) -> list[dict[str, Any]]:
        """The room's history, oldest first; with `limit`, only the newest `limit` messages."""
        if limit is not None and limit < 0:
            raise ValueError("limit must not be negative")
        newest_first = f"SELECT id, body {_IN_ROOM} ORDER BY id DESC"
        rows = self._db.execute(  # LIMIT -1 is SQLite for "no limit"
            f"SELECT body FROM ({newest_first} LIMIT ?) ORDER BY id",
            (room, -1 if limit is None else limit),
        )
        return [_loads(row[0]) for row in rows]

    def get_message(self, room: str, message_id: str) -> dict[str, Any] | None:
        return self._body(f"SELECT body {_IN_ROOM} AND message_id = ?", room, message_id)

    def replace_message(self, room: str, message: Mapping[str, Any]) -> bool:
        """Replace the message with the same messageId, keeping its place in the history."""
        message_id = _message_id(message)
        body = _dumps(message)
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE messages SET kind = ?, request_id = ?, output_id = ?, body = ?"
                f" WHERE room_id = {_ROOM_ID} AND message_id = ?",
                (*_indexed(message), body, room, message_id),
            )
            return cursor.rowcount > 0

    def delete_messages(self, room: str, ids: Iterable[str]) -> list[str]:
        """Delete messages by id; returns the ids that existed, in the order given, once each."""
        deleted: list[str] = []
        with self.transaction() as db:
            for message_id in dict.fromkeys(ids):
                if db.execute(f"DELETE {_IN_ROOM} AND message_id = ?", (room, message_id)).rowcount:
                    deleted.append(message_id)
        return deleted

    def find_response(self, room: str, request_id: str, output_id: str) -> dict[str, Any] | None:
        """The stored response for (requestId, outputId), of which there is at most one (§7.8)."""
        where = "AND request_id = ? AND output_id = ? ORDER BY id LIMIT 1"
        return self._body(f"SELECT body {_IN_ROOM} {where}", room, request_id, output_id)

    def count_messages(self, room: str) -> int:
        return int(self._row(f"SELECT COUNT(*) {_IN_ROOM}", room)[0])


# --- helpers -------------------------------------------------------------------------------------


def _prepare(db: sqlite3.Connection, path: Path) -> None:
    """Check what the file holds, before anything could write to it, then create or accept it."""
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        # Only damage means "corrupt"; locks and permissions are ordinary errors to report as such.
        if exc.sqlite_errorcode in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
            raise CorruptDatabaseError(path, str(exc)) from exc
        raise
    if version == 0 and tables:
        raise CorruptDatabaseError(path, "it holds tables of another program")
    if version not in (0, SCHEMA_VERSION):
        raise CorruptDatabaseError(path, f"unsupported schema version {version}")
    if version == SCHEMA_VERSION and not _TABLES.issubset(tables):
        raise CorruptDatabaseError(path, f"missing tables {sorted(_TABLES - tables)}")
    db.execute("PRAGMA journal_mode = WAL")
    # In WAL mode NORMAL keeps every commit atomic across crashes and avoids an fsync per write,
    # which matters because writes run on the event loop; a power cut may lose the last commits.
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    if version == 0:
        # One transaction (executescript() would commit on its own): a crash leaves either an
        # empty file, which is created again next time, or the full schema with its version.
        with _transaction(db):
            for statement in filter(str.strip, _SCHEMA.split(";")):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    # A savepoint opens a transaction when none is open and nests inside one otherwise, so a
    # caller can make several store calls one atomic change (`RoomStore.transaction`).
    db.execute("SAVEPOINT change")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK TO change")
        db.execute("RELEASE change")
        raise
    db.execute("RELEASE change")


def _insert_member(db: sqlite3.Connection, room_id: int, member: Member) -> None:
    if member.role not in ROLES:
        raise ValueError(f"invalid role {member.role!r}")
    db.execute(
        "INSERT INTO members (room_id, identity, role, client_id, client_type)"
        " VALUES (?, ?, ?, ?, ?)",
        (room_id, member.identity, member.role, member.client_id, member.client_type),
    )


def _demote_master(db: sqlite3.Connection, room_id: int) -> None:
    db.execute(
        "UPDATE members SET role = 'manager' WHERE room_id = ? AND role = 'master'", (room_id,)
    )


def _message_id(message: Mapping[str, Any]) -> str:
    message_id = message.get("messageId")
    if not isinstance(message_id, str) or not message_id:
        raise ValueError("message has no messageId")
    return message_id


def _indexed(message: Mapping[str, Any]) -> list[str | None]:
    """The kind, requestId and outputId columns; non-string values are not indexed."""
    values = (message.get(key) for key in ("kind", "requestId", "outputId"))
    return [value if isinstance(value, str) else None for value in values]


def _dumps(message: Mapping[str, Any]) -> str:
    # allow_nan=False: NaN is not JSON and a JavaScript client could not parse it back.
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _loads(body: str) -> dict[str, Any]:
    value = json.loads(body)
    if not isinstance(value, dict):
        raise ValueError("stored message is not a JSON object")
    return value
