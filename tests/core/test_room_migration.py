"""The chat history database moves from schema 1 to 2 keeping everything (PROTOCOL.md §3.5)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from newage_desktop.core.rooms.file import SCHEMA_VERSION, CorruptDatabaseError
from newage_desktop.core.rooms.store import RoomStore

V1 = Path(__file__).resolve().parent / "data" / "chat_history_v1.sqlite3"


def version(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return int(db.execute("PRAGMA user_version").fetchone()[0])
    finally:
        db.close()


def test_a_database_of_the_previous_release_is_migrated_whole(tmp_path: Path) -> None:
    path = tmp_path / "chat_history.sqlite3"
    shutil.copy(V1, path)
    assert version(path) == 1
    store = RoomStore.open(path)
    try:
        assert SCHEMA_VERSION == 2
        assert [r.name for r in store.list_rooms()] == ["app", "lobby"]
        lobby = store.get("lobby")
        assert lobby is not None and lobby.mode == "HostSubmit"
        assert [(m.identity, m.role, m.client_id) for m in lobby.members] == [
            ("host", "master", "host"),
            ("guest", "guest", None),
        ]
        messages = store.messages("lobby")
        assert [m["messageId"] for m in messages] == ["m1", "m2", "m3"]
        assert messages[1]["message"] == "héllo 世界" and messages[1]["extra"] == {"a": [1]}
        assert messages[2]["updatedAt"] == "2026-11-01T10:03:00.000Z"
        assert store.find_response("lobby", "r1", "o1") == messages[2]
        # what v2 adds works on the migrated file
        store.set_manual_assignment("lobby", ["st-1", "st-2"])
        assert store.manual_assignments() == {"lobby": ["st-1", "st-2"]}
    finally:
        store.close()
    assert version(path) == 2
    reopened = RoomStore.open(path)  # a v2 file opens unchanged
    try:
        assert reopened.manual_assignments() == {"lobby": ["st-1", "st-2"]}
        assert len(reopened.messages("lobby")) == 3
    finally:
        reopened.close()


def test_a_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "chat_history.sqlite3"
    shutil.copy(V1, path)
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 3")
    db.close()
    before = path.read_bytes()
    with pytest.raises(CorruptDatabaseError, match="unsupported schema version 3"):
        RoomStore.open(path)
    assert path.read_bytes() == before


def test_manual_assignments_go_with_their_room(tmp_path: Path) -> None:
    store = RoomStore.open(tmp_path / "db.sqlite3")
    try:
        store.create("a", personal=False, mode="Immediate", master=None, created_at="t")
        store.create("b", personal=False, mode="Immediate", master=None, created_at="t")
        store.set_manual_assignment("a", ["x"])
        store.set_manual_assignment("b", ["y", "x"])
        store.set_manual_assignment("a", [])
        assert store.manual_assignments() == {"b": ["y", "x"]}
        store.delete("b")
        assert store.manual_assignments() == {}
    finally:
        store.close()
