"""Persistence of chat rooms and their messages in `chat_history.sqlite3` (PROTOCOL.md §3.5).

One connection, used from the event loop. Every call is a few short statements, so callers run
them inline and must serialise access themselves (the asyncio loop does that for free); the
connection is opened with ``check_same_thread=False`` only so that tests and shutdown code may
close it from another thread. Every change runs in one explicit transaction, so a crash leaves
either the old or the new state, never half of a change.

A room may be created *deferred*: it is readable like any other but lives in memory only until
the first change to it (a message, a member, a role, its mode) writes it. Personal rooms are
created so (§5): an identity that connects once and never uses its room leaves nothing behind.
A deferred room reserves its row id when it is created, so it keeps its place in the creation
order whether it is written later or never.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Final, TypeVar, cast

from newage_desktop.core.rooms import file as roomfile
from newage_desktop.core.rooms.file import SCHEMA_VERSION, CorruptDatabaseError
from newage_desktop.core.rooms.model import ROLES, UNKNOWN_CLIENT_TYPE, Member, Role, Room

__all__ = [
    "ROLES",
    "SCHEMA_VERSION",
    "UNKNOWN_CLIENT_TYPE",
    "CorruptDatabaseError",
    "Member",
    "Role",
    "Room",
    "RoomStore",
]

_ROOM_ID: Final = "(SELECT id FROM rooms WHERE name = ?)"
_IN_ROOM: Final = f"FROM messages WHERE room_id = {_ROOM_ID}"
_MEMBER: Final = "SELECT role FROM members WHERE room_id = ? AND identity = ?"


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

    Room names are the keys. `add_member`, `set_role`, `set_mode` and `append_message` raise
    `KeyError` for an unknown room (the service checks first); the other calls answer None,
    False or empty.
    """

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path
        # Rooms are read on every relayed stream (recipients) but change rarely: cache `get()`,
        # and drop the whole cache whenever a room or a membership changes.
        self._room_cache: dict[str, Room | None] = {}
        # Deferred rooms (see the module docstring) by name, with the row id each reserved.
        self._deferred: dict[str, tuple[int, Room]] = {}

    @classmethod
    def open(cls, path: Path) -> RoomStore:
        """Open or create the database; refuse (never touch) a file that is not ours."""
        # isolation_level=None: no implicit transactions, so `_transaction` alone decides.
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            roomfile.prepare(db, path)
        except BaseException:
            db.close()
            raise
        return cls(db, path)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Group several calls into one atomic change (they nest as savepoints).

        A rolled-back change also takes back the writing of a deferred room it did.
        """
        deferred = dict(self._deferred)
        try:
            with roomfile.savepoint(self._db) as db:
                yield db
        except BaseException:
            self._deferred = deferred
            self._room_cache.clear()
            raise

    def _row(self, sql: str, *params: object) -> Any:
        return self._db.execute(sql, params).fetchone()

    def _body(self, sql: str, *params: object) -> dict[str, Any] | None:
        row = self._row(sql, *params)
        return roomfile.loads(row[0]) if row else None

    def _room_id(self, room: str) -> int:
        """The room's row id for a change to it; a deferred room is written first."""
        if room in self._deferred:
            self._write_deferred(room)
        row = self._row("SELECT id FROM rooms WHERE name = ?", room)
        if row is None:
            raise KeyError(room)
        return int(row[0])

    def _write_deferred(self, name: str) -> None:
        with self.transaction() as db:
            room_id, room = self._deferred.pop(name)
            _insert_room(db, room_id, room)
        self._room_cache.clear()

    def _next_room_id(self) -> int:
        stored = int(self._row("SELECT COALESCE(MAX(id), 0) FROM rooms")[0])
        return max([stored, *(room_id for room_id, _ in self._deferred.values())]) + 1

    # --- rooms ----------------------------------------------------------------------------------

    def list_rooms(self) -> list[Room]:
        """All rooms in creation order, deferred ones included."""
        rooms = [*self._load_rooms(""), *self._deferred.values()]
        return [room for _, room in sorted(rooms, key=lambda entry: entry[0])]

    def get(self, name: str) -> Room | None:
        if name in self._deferred:
            return self._deferred[name][1]
        if name in self._room_cache:
            return self._room_cache[name]
        found = self._load_rooms("WHERE name = ?", name)
        room = found[0][1] if found else None
        self._room_cache[name] = room
        return room

    def is_stored(self, name: str) -> bool:
        """Whether the room is in the file (False for a deferred or unknown room)."""
        return bool(self._row("SELECT 1 FROM rooms WHERE name = ?", name))

    def _load_rooms(self, where: str, *params: object) -> list[tuple[int, Room]]:
        rooms = f"SELECT id, name, personal, mode, created_at FROM rooms {where} ORDER BY id"
        members: dict[int, list[Member]] = {}
        for room_id, *fields in self._db.execute(
            "SELECT room_id, identity, role, client_id, client_type FROM members"
            f" WHERE room_id IN (SELECT id FROM rooms {where}) ORDER BY id",
            params,
        ):
            members.setdefault(room_id, []).append(Member(*fields))
        return [
            (room_id, Room(name, bool(personal), mode, created_at, tuple(members.get(room_id, ()))))
            for room_id, name, personal, mode, created_at in self._db.execute(rooms, params)
        ]

    @_changes_rooms
    def create(
        self,
        name: str,
        *,
        personal: bool,
        mode: str,
        master: Member | None,
        created_at: str,
        deferred: bool = False,
    ) -> Room:
        """Create a room; `ValueError` if the name is taken. `deferred`: see the module doc."""
        if master is not None and master.role != "master":
            raise ValueError(f"initial member of {name!r} must have role 'master'")
        room = Room(name, personal, mode, created_at, (master,) if master else ())
        with self.transaction() as db:
            if name in self._deferred or self._row("SELECT 1 FROM rooms WHERE name = ?", name):
                raise ValueError(f"room {name!r} already exists")
            if deferred:
                self._deferred[name] = (self._next_room_id(), room)
            else:
                _insert_room(db, self._next_room_id(), room)
        return room

    def discard_deferred(self, name: str) -> bool:
        """Forget a room that was never written; False if it was written or does not exist."""
        return self._deferred.pop(name, None) is not None

    @_changes_rooms
    def prune_unused_personal_rooms(self, default_mode: str) -> list[str]:
        """Delete stored personal rooms nobody used; returns their names in creation order.

        Unused: no message, no member but the owner, the owner still master and the mode still
        `default_mode`. Earlier versions wrote such a room for every identity that ever
        connected; this version would not have written them (module docstring).
        """
        with self.transaction() as db:
            names = [
                row[0]
                for row in db.execute(
                    "SELECT name FROM rooms WHERE personal = 1 AND mode = ?"
                    " AND NOT EXISTS (SELECT 1 FROM messages WHERE room_id = rooms.id)"
                    " AND NOT EXISTS (SELECT 1 FROM members WHERE room_id = rooms.id"
                    "   AND NOT (identity = rooms.name AND role = 'master'))"
                    " ORDER BY id",
                    (default_mode,),
                )
            ]
            for name in names:
                self.delete(name)
        return names

    @_changes_rooms
    def set_mode(self, room: str, mode: str) -> None:
        """Change the room's message request mode (§7.3)."""
        with self.transaction() as db:
            db.execute("UPDATE rooms SET mode = ? WHERE id = ?", (mode, self._room_id(room)))

    @_changes_rooms
    def delete(self, name: str) -> bool:
        """Delete a room with its members and messages; False if there was none."""
        if self.discard_deferred(name):
            return True
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
            deferred = self._deferred.get(room)
            if deferred is not None and deferred[1].member(identity) is not None:
                self._write_deferred(room)
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
        for name, (room_id, room) in list(self._deferred.items()):
            members = tuple(
                replace(m, client_id=client_id, client_type=client_type)
                if m.identity == identity
                else m
                for m in room.members
            )
            self._deferred[name] = (room_id, replace(room, members=members))
        with self.transaction() as db:
            db.execute(
                "UPDATE members SET client_id = ?, client_type = ? WHERE identity = ?",
                (client_id, client_type, identity),
            )

    def registration_of(self, identity: str) -> tuple[str, str] | None:
        """(clientId, clientType) last stored for a registered identity, from any membership."""
        # A deferred room belongs to an identity registered in this run: its member is the newest.
        for _, room in self._deferred.values():
            member = room.member(identity)
            if member is not None and member.client_id is not None:
                return (member.client_id, member.client_type)
        row = self._row(
            "SELECT client_id, client_type FROM members"
            " WHERE identity = ? AND client_id IS NOT NULL ORDER BY id DESC LIMIT 1",
            identity,
        )
        return (row[0], row[1]) if row else None

    def rooms_of(self, identity: str) -> list[str]:
        """Names of the rooms the identity is a member of, in creation order."""
        rooms = [
            *self._db.execute(
                "SELECT rooms.id, rooms.name FROM rooms JOIN members ON members.room_id = rooms.id"
                " WHERE members.identity = ?",
                (identity,),
            ),
            *(
                (room_id, room.name)
                for room_id, room in self._deferred.values()
                if room.member(identity)
            ),
        ]
        return [name for _, name in sorted(rooms)]

    # --- messages -------------------------------------------------------------------------------

    def append_message(self, room: str, message: Mapping[str, Any]) -> None:
        """Append a message object (§7.11); `ValueError` if its messageId is already there."""
        message_id = roomfile.message_id(message)
        body = roomfile.dumps(message)
        with self.transaction() as db:
            room_id = self._room_id(room)
            if self._row(
                "SELECT 1 FROM messages WHERE room_id = ? AND message_id = ?", room_id, message_id
            ):
                raise ValueError(f"message {message_id!r} already exists in {room!r}")
            db.execute(
                "INSERT INTO messages (room_id, message_id, kind, request_id, output_id, body)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (room_id, message_id, *roomfile.indexed(message), body),
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
        return [roomfile.loads(row[0]) for row in rows]

    def get_message(self, room: str, message_id: str) -> dict[str, Any] | None:
        return self._body(f"SELECT body {_IN_ROOM} AND message_id = ?", room, message_id)

    def replace_message(self, room: str, message: Mapping[str, Any]) -> bool:
        """Replace the message with the same messageId, keeping its place in the history."""
        message_id = roomfile.message_id(message)
        body = roomfile.dumps(message)
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE messages SET kind = ?, request_id = ?, output_id = ?, body = ?"
                f" WHERE room_id = {_ROOM_ID} AND message_id = ?",
                (*roomfile.indexed(message), body, room, message_id),
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

    def clear_messages(self, room: str, kinds: Iterable[str]) -> list[str]:
        """Delete the room's messages of these kinds; returns their ids, oldest first."""
        kinds = list(kinds)
        if not kinds:
            return []
        marks = ", ".join("?" * len(kinds))
        where = f"{_IN_ROOM} AND kind IN ({marks})"
        with self.transaction() as db:
            ids = [
                r[0] for r in db.execute(f"SELECT message_id {where} ORDER BY id", (room, *kinds))
            ]
            db.execute(f"DELETE {where}", (room, *kinds))
        return ids

    # --- manual assignments (§6.5.1) ------------------------------------------------------------

    def set_manual_assignment(self, room: str, extensions: Iterable[str]) -> None:
        """Replace the room's row of the manual table; an empty list removes it."""
        with self.transaction() as db:
            room_id = self._room_id(room)
            db.execute("DELETE FROM assignments WHERE room_id = ?", (room_id,))
            for position, extension in enumerate(dict.fromkeys(extensions)):
                db.execute(
                    "INSERT INTO assignments (room_id, position, extension) VALUES (?, ?, ?)",
                    (room_id, position, extension),
                )

    def manual_assignments(self) -> dict[str, list[str]]:
        table: dict[str, list[str]] = {}
        for name, extension in self._db.execute(
            "SELECT rooms.name, extension FROM assignments JOIN rooms ON rooms.id = room_id"
            " ORDER BY rooms.id, position"
        ):
            table.setdefault(name, []).append(extension)
        return table


# --- helpers -------------------------------------------------------------------------------------


def _insert_room(db: sqlite3.Connection, room_id: int, room: Room) -> None:
    db.execute(
        "INSERT INTO rooms (id, name, personal, mode, created_at) VALUES (?, ?, ?, ?, ?)",
        (room_id, room.name, int(room.personal), room.mode, room.created_at),
    )
    for member in room.members:
        _insert_member(db, room_id, member)


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
