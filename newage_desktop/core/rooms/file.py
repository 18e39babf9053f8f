"""The file behind the room store (PROTOCOL.md §3.5, §3.6): schema, opening checks,
savepoint transactions and the encoding of stored messages."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

SCHEMA_VERSION: Final = 2

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
# Each step takes the file from version i to i + 1, in one transaction with the version bump;
# a new file runs them all after the version-1 schema.
_MIGRATIONS: Final = {
    # 2: the manual assignment table of §6.5.1 (it survives restarts, and goes with its room),
    # and an index for clearing one kind of message (§7.11 CLEAR_MESSAGES).
    2: """
CREATE TABLE assignments (
    room_id INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    extension TEXT NOT NULL,
    PRIMARY KEY (room_id, extension)
);
CREATE INDEX messages_kind ON messages (room_id, kind);
""",
}
_TABLES_OF: Final = {
    1: frozenset({"rooms", "members", "messages"}),
    2: frozenset({"rooms", "members", "messages", "assignments"}),
}


class CorruptDatabaseError(Exception):
    """The file exists but is not a chat history database this program can use (§3.6)."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(f"{path}: not a valid chat history database: {detail}")
        self.path = path
        self.detail = detail


def prepare(db: sqlite3.Connection, path: Path) -> None:
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
    if version < 0 or version > SCHEMA_VERSION:
        raise CorruptDatabaseError(path, f"unsupported schema version {version}")
    expected = _TABLES_OF.get(version, frozenset())
    if version > 0 and not expected.issubset(tables):
        raise CorruptDatabaseError(path, f"missing tables {sorted(expected - tables)}")
    db.execute("PRAGMA journal_mode = WAL")
    # In WAL mode NORMAL keeps every commit atomic across crashes and avoids an fsync per write,
    # which matters because writes run on the event loop; a power cut may lose the last commits.
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    if version == 0:
        # One transaction (executescript() would commit on its own): a crash leaves either an
        # empty file, which is created again next time, or the full schema with its version.
        with savepoint(db):
            for statement in filter(str.strip, _SCHEMA.split(";")):
                db.execute(statement)
            db.execute("PRAGMA user_version = 1")
        version = 1
    for target in range(version + 1, SCHEMA_VERSION + 1):
        with savepoint(db):
            for statement in filter(str.strip, _MIGRATIONS[target].split(";")):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {target}")


@contextmanager
def savepoint(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
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


def message_id(message: Mapping[str, Any]) -> str:
    message_id = message.get("messageId")
    if not isinstance(message_id, str) or not message_id:
        raise ValueError("message has no messageId")
    return message_id


def indexed(message: Mapping[str, Any]) -> list[str | None]:
    """The kind, requestId and outputId columns; non-string values are not indexed."""
    values = (message.get(key) for key in ("kind", "requestId", "outputId"))
    return [value if isinstance(value, str) else None for value in values]


def dumps(message: Mapping[str, Any]) -> str:
    # allow_nan=False: NaN is not JSON and a JavaScript client could not parse it back.
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def loads(body: str) -> dict[str, Any]:
    value = json.loads(body)
    if not isinstance(value, dict):
        raise ValueError("stored message is not a JSON object")
    return value
