"""RoomStore: chat rooms and history in `chat_history.sqlite3` (PROTOCOL.md §3.5, §3.6, §6.5)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newage_desktop.core.rooms.store import CorruptDatabaseError, Member, Room, RoomStore

T0 = "2025-03-27T10:15:00.123Z"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "chat_history.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[RoomStore]:
    store = RoomStore.open(db_path)
    yield store
    store.close()


def room(store: RoomStore, name: str, master: str | None = None) -> Room:
    return store.create(
        name,
        personal=False,
        mode="Immediate",
        master=Member(master, "master") if master else None,
        created_at=T0,
    )


def msg(message_id: str, text: str = "hi", **extra: Any) -> dict[str, Any]:
    return {"messageId": message_id, "kind": "request", "message": text, "data": text, **extra}


# --- the file ------------------------------------------------------------------------------------


def test_new_file_gets_the_current_schema_version_and_wal(store: RoomStore, db_path: Path) -> None:
    with sqlite3.connect(db_path) as other:
        assert other.execute("PRAGMA user_version").fetchone() == (2,)
        assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_rooms_members_and_messages_survive_close_and_reopen(db_path: Path) -> None:
    store = RoomStore.open(db_path)
    room(store, "lobby", master="alice")
    store.add_member("lobby", Member("bob", "manager", "bob", "monitor"))
    store.append_message("lobby", msg("m1", "hello"))
    store.close()

    reopened = RoomStore.open(db_path)
    try:
        lobby = reopened.get("lobby")
        assert lobby is not None
        assert lobby.members == (
            Member("alice", "master", None, "unknown"),
            Member("bob", "manager", "bob", "monitor"),
        )
        assert reopened.messages("lobby") == [msg("m1", "hello")]
    finally:
        reopened.close()


def test_an_empty_file_is_initialised(db_path: Path) -> None:
    db_path.touch()
    with_schema = RoomStore.open(db_path)
    with_schema.close()
    with sqlite3.connect(db_path) as other:
        assert other.execute("PRAGMA user_version").fetchone() == (2,)


def _refused_untouched(path: Path) -> CorruptDatabaseError:
    before = path.read_bytes()
    with pytest.raises(CorruptDatabaseError) as caught:
        RoomStore.open(path)
    assert path.read_bytes() == before
    assert not path.with_name(path.name + "-wal").exists()
    assert str(path) in str(caught.value)
    assert "not a valid chat history database" in str(caught.value)
    return caught.value


def test_a_file_that_is_not_sqlite_is_refused_and_left_untouched(db_path: Path) -> None:
    db_path.write_bytes(b'{"this": "is not a database"}\n' * 200)
    error = _refused_untouched(db_path)
    assert error.path == db_path


def test_a_damaged_database_is_refused_and_left_untouched(db_path: Path) -> None:
    store = RoomStore.open(db_path)
    room(store, "lobby")
    store.close()
    data = db_path.read_bytes()
    db_path.write_bytes(data[:100] + b"\xff" * (len(data) - 100))  # header kept, pages garbled
    _refused_untouched(db_path)


def test_a_database_of_another_program_is_refused(db_path: Path) -> None:
    with sqlite3.connect(db_path) as other:
        other.execute("CREATE TABLE notes (text TEXT)")
    assert "another program" in str(_refused_untouched(db_path))


def test_a_newer_schema_version_is_refused(db_path: Path) -> None:
    with sqlite3.connect(db_path) as other:
        other.execute("PRAGMA user_version = 3")
    assert "schema version 3" in str(_refused_untouched(db_path))


def test_corrupt_error_message_format() -> None:
    error = CorruptDatabaseError(Path("/data/chat_history.sqlite3"), "boom")
    assert str(error) == "/data/chat_history.sqlite3: not a valid chat history database: boom"


# --- rooms ---------------------------------------------------------------------------------------


def test_rooms_are_listed_in_creation_order(store: RoomStore) -> None:
    for name in ("zeta", "alpha", "mid"):
        room(store, name)
    store.delete("alpha")
    room(store, "alpha")
    assert [r.name for r in store.list_rooms()] == ["zeta", "mid", "alpha"]


def test_create_returns_the_stored_room(store: RoomStore) -> None:
    created = store.create(
        "alice", personal=True, mode="HostSubmit", master=Member("alice", "master"), created_at=T0
    )
    assert created == store.get("alice")
    assert created.personal is True
    assert created.mode == "HostSubmit"
    assert created.created_at == T0


def test_create_refuses_a_taken_name(store: RoomStore) -> None:
    room(store, "lobby")
    with pytest.raises(ValueError):
        room(store, "lobby")


def test_get_unknown_room_is_none(store: RoomStore) -> None:
    assert store.get("nowhere") is None


def test_info_is_the_get_room_info_shape(store: RoomStore) -> None:
    room(store, "lobby", master="alice")
    store.add_member("lobby", Member("bob", "manager"))
    store.add_member("lobby", Member("carol", "guest"))
    store.add_member("lobby", Member("dave", "guest"))
    lobby = store.get("lobby")
    assert lobby is not None
    assert lobby.info() == {
        "name": "lobby",
        "personal": False,
        "mode": "Immediate",
        "master": "alice",
        "managers": ["bob"],
        "guests": ["carol", "dave"],
        "createdAt": T0,
    }
    assert lobby.role_of("carol") == "guest"
    assert lobby.role_of("nobody") is None


def test_delete_removes_the_room_and_its_history(store: RoomStore) -> None:
    room(store, "lobby", master="alice")
    store.append_message("lobby", msg("m1"))
    assert store.delete("lobby") is True
    assert store.get("lobby") is None
    assert store.delete("lobby") is False
    room(store, "lobby")
    assert store.messages("lobby") == []
    assert store.get_message("lobby", "m1") is None
    assert store.rooms_of("alice") == []


# --- members -------------------------------------------------------------------------------------


def test_adding_a_master_demotes_the_previous_master(store: RoomStore) -> None:
    room(store, "lobby", master="alice")
    store.add_member("lobby", Member("bob", "master"))
    lobby = store.get("lobby")
    assert lobby is not None
    assert (lobby.master, lobby.managers) == ("bob", ["alice"])


def test_set_role_master_demotes_the_previous_master(store: RoomStore) -> None:
    room(store, "lobby", master="alice")
    store.add_member("lobby", Member("bob", "guest"))
    store.set_role("lobby", "bob", "master")
    lobby = store.get("lobby")
    assert lobby is not None
    assert (lobby.master, lobby.managers, lobby.guests) == ("bob", ["alice"], [])


def test_set_role_keeps_the_joining_order(store: RoomStore) -> None:
    room(store, "lobby")
    for name in ("a", "b", "c"):
        store.add_member("lobby", Member(name, "guest"))
    store.set_role("lobby", "a", "manager")
    store.set_role("lobby", "a", "guest")
    lobby = store.get("lobby")
    assert lobby is not None
    assert lobby.guests == ["a", "b", "c"]


def test_a_member_is_added_once(store: RoomStore) -> None:
    room(store, "lobby", master="alice")
    with pytest.raises(ValueError):
        store.add_member("lobby", Member("alice", "guest"))


def test_member_changes_in_an_unknown_room_raise_key_error(store: RoomStore) -> None:
    with pytest.raises(KeyError):
        store.add_member("nowhere", Member("bob", "guest"))
    with pytest.raises(KeyError):
        store.set_role("nowhere", "bob", "guest")
    room(store, "lobby")
    with pytest.raises(KeyError):
        store.set_role("lobby", "bob", "guest")


def test_remove_member(store: RoomStore) -> None:
    room(store, "lobby", master="alice")
    assert store.remove_member("lobby", "alice") is True
    assert store.remove_member("lobby", "alice") is False
    assert store.remove_member("nowhere", "alice") is False
    lobby = store.get("lobby")
    assert lobby is not None
    assert lobby.master is None


def test_registration_is_stored_with_every_membership(store: RoomStore) -> None:
    room(store, "one", master="bob")
    room(store, "two")
    store.add_member("two", Member("bob", "guest"))
    assert store.registration_of("bob") is None
    store.update_registration("bob", "bob-client", "monitor")
    for name in ("one", "two"):
        lobby = store.get(name)
        assert lobby is not None
        assert lobby.member("bob") == Member(
            "bob", lobby.role_of("bob") or "guest", "bob-client", "monitor"
        )
    assert store.registration_of("bob") == ("bob-client", "monitor")


def test_rooms_of_lists_memberships_in_creation_order(store: RoomStore) -> None:
    room(store, "b")
    room(store, "a", master="bob")
    room(store, "c")
    store.add_member("b", Member("bob", "guest"))
    assert store.rooms_of("bob") == ["b", "a"]


def test_a_failed_transaction_leaves_nothing_behind(store: RoomStore) -> None:
    room(store, "lobby")
    with pytest.raises(RuntimeError), store.transaction():
        store.add_member("lobby", Member("bob", "guest"))
        store.append_message("lobby", msg("m1"))
        raise RuntimeError("crash in the middle")
    lobby = store.get("lobby")
    assert lobby is not None
    assert lobby.members == ()
    assert store.count_messages("lobby") == 0


# --- messages ------------------------------------------------------------------------------------


def test_messages_keep_insertion_order_and_limit_takes_the_newest(store: RoomStore) -> None:
    room(store, "lobby")
    for i in (3, 1, 2, 5, 4):
        store.append_message("lobby", msg(f"m{i}"))
    ids = ["m3", "m1", "m2", "m5", "m4"]
    assert [m["messageId"] for m in store.messages("lobby")] == ids
    assert [m["messageId"] for m in store.messages("lobby", limit=2)] == ["m5", "m4"]
    assert [m["messageId"] for m in store.messages("lobby", limit=99)] == ids
    assert store.messages("lobby", limit=0) == []
    assert store.count_messages("lobby") == 5


def test_the_whole_message_object_is_stored(store: RoomStore) -> None:
    room(store, "lobby")
    message = msg("m1", "héllo ✓", nested={"a": [1, 2.5, None, True]}, clientId=None)
    store.append_message("lobby", message)
    assert store.get_message("lobby", "m1") == message
    assert store.get_message("lobby", "other") is None


def test_a_message_id_is_stored_once_per_room(store: RoomStore) -> None:
    room(store, "lobby")
    room(store, "hall")
    store.append_message("lobby", msg("m1"))
    store.append_message("hall", msg("m1"))  # other room: fine
    with pytest.raises(ValueError):
        store.append_message("lobby", msg("m1"))
    with pytest.raises(ValueError):
        store.append_message("lobby", {"message": "no id"})
    with pytest.raises(KeyError):
        store.append_message("nowhere", msg("m2"))


def test_replace_message_keeps_its_position(store: RoomStore) -> None:
    room(store, "lobby")
    for i in (1, 2, 3):
        store.append_message("lobby", msg(f"m{i}"))
    assert store.replace_message("lobby", msg("m2", "edited", lastEdited=T0)) is True
    assert store.messages("lobby")[1] == msg("m2", "edited", lastEdited=T0)
    assert store.replace_message("lobby", msg("m9")) is False
    assert store.count_messages("lobby") == 3


def test_delete_messages_returns_the_ids_that_existed(store: RoomStore) -> None:
    room(store, "lobby")
    for i in (1, 2, 3):
        store.append_message("lobby", msg(f"m{i}"))
    assert store.delete_messages("lobby", ["m3", "nope", "m1", "m3"]) == ["m3", "m1"]
    assert [m["messageId"] for m in store.messages("lobby")] == ["m2"]


def test_find_response_by_request_and_output(store: RoomStore) -> None:
    room(store, "lobby")
    store.append_message("lobby", msg("q", requestId="r1"))
    response = {"messageId": "a", "kind": "response", "requestId": "r1", "outputId": "o1"}
    store.append_message("lobby", response)
    assert store.find_response("lobby", "r1", "o1") == response
    assert store.find_response("lobby", "r1", "o2") is None
    updated = {**response, "data": "more", "updatedAt": T0}
    store.replace_message("lobby", updated)
    assert store.find_response("lobby", "r1", "o1") == updated


def test_reading_an_unknown_room_gives_nothing(store: RoomStore) -> None:
    assert store.messages("nowhere") == []
    assert store.count_messages("nowhere") == 0
    assert store.find_response("nowhere", "r", "o") is None
    assert store.delete_messages("nowhere", ["m1"]) == []


# --- deferred rooms: personal rooms stored only once used (§3.5, §5) -----------------------------


def deferred(store: RoomStore, name: str, mode: str = "Immediate") -> Room:
    master = Member(name, "master", f"{name}-client", "monitor")
    return store.create(name, personal=True, mode=mode, master=master, created_at=T0, deferred=True)


def stored_names(db_path: Path) -> list[str]:
    with sqlite3.connect(db_path) as other:
        return [row[0] for row in other.execute("SELECT name FROM rooms ORDER BY id")]


def test_a_deferred_room_is_readable_but_not_written(store: RoomStore, db_path: Path) -> None:
    created = deferred(store, "alice")
    assert store.get("alice") == created
    assert [r.name for r in store.list_rooms()] == ["alice"]
    assert store.rooms_of("alice") == ["alice"]
    assert store.registration_of("alice") == ("alice-client", "monitor")
    assert store.messages("alice") == []
    assert store.count_messages("alice") == 0
    assert not store.is_stored("alice")
    assert stored_names(db_path) == []
    with pytest.raises(ValueError):
        room(store, "alice")


def test_a_deferred_room_is_gone_after_reopening(db_path: Path) -> None:
    store = RoomStore.open(db_path)
    deferred(store, "alice")
    store.close()
    reopened = RoomStore.open(db_path)
    try:
        assert reopened.get("alice") is None
    finally:
        reopened.close()


def test_a_deferred_room_keeps_its_place_in_creation_order(db_path: Path) -> None:
    store = RoomStore.open(db_path)
    room(store, "a")
    deferred(store, "b")
    room(store, "c")
    assert [r.name for r in store.list_rooms()] == ["a", "b", "c"]
    store.append_message("b", msg("m1"))
    assert [r.name for r in store.list_rooms()] == ["a", "b", "c"]
    store.close()
    assert stored_names(db_path) == ["a", "b", "c"]


USES = {
    "message": lambda s: s.append_message("alice", msg("m1")),
    "member": lambda s: s.add_member("alice", Member("bob", "guest")),
    "role": lambda s: s.set_role("alice", "alice", "manager"),
    "mode": lambda s: s.set_mode("alice", "HostSubmit"),
}


@pytest.mark.parametrize("use", USES)
def test_the_first_change_writes_a_deferred_room(store: RoomStore, db_path: Path, use: str) -> None:
    deferred(store, "alice")
    before = store.get("alice")
    USES[use](store)
    assert store.is_stored("alice")
    assert stored_names(db_path) == ["alice"]
    after = store.get("alice")
    assert after is not None and before is not None
    assert (after.personal, after.created_at) == (True, T0)
    assert after.members[0] == Member(
        "alice", after.role_of("alice") or "master", "alice-client", "monitor"
    )


def test_set_mode_changes_a_stored_room(store: RoomStore) -> None:
    room(store, "lobby")
    store.set_mode("lobby", "MasterOnly")
    lobby = store.get("lobby")
    assert lobby is not None and lobby.mode == "MasterOnly"
    with pytest.raises(KeyError):
        store.set_mode("nowhere", "MasterOnly")


def test_a_failed_change_leaves_the_room_deferred(store: RoomStore, db_path: Path) -> None:
    deferred(store, "alice")
    with pytest.raises(RuntimeError), store.transaction():
        store.append_message("alice", msg("m1"))
        raise RuntimeError("crash in the middle")
    assert not store.is_stored("alice")
    assert store.get("alice") is not None
    assert stored_names(db_path) == []
    store.append_message("alice", msg("m1"))
    assert store.messages("alice") == [msg("m1")]


def test_discard_deferred_drops_only_an_unwritten_room(store: RoomStore) -> None:
    deferred(store, "alice")
    deferred(store, "bob")
    store.append_message("bob", msg("m1"))
    assert store.discard_deferred("alice") is True
    assert store.discard_deferred("bob") is False
    assert store.discard_deferred("nowhere") is False
    assert [r.name for r in store.list_rooms()] == ["bob"]


def test_delete_and_registration_reach_a_deferred_room(store: RoomStore) -> None:
    deferred(store, "alice")
    store.update_registration("alice", "other", "extension")
    found = store.get("alice")
    assert found is not None
    assert found.members == (Member("alice", "master", "other", "extension"),)
    assert store.delete("alice") is True
    assert store.get("alice") is None


def test_prune_unused_personal_rooms(store: RoomStore, db_path: Path) -> None:
    def personal(name: str, mode: str = "Immediate") -> None:
        store.create(name, personal=True, mode=mode, master=Member(name, "master"), created_at=T0)

    for name in ("empty", "talked", "joined", "demoted", "empty2"):
        personal(name)
    personal("moded", mode="HostSubmit")
    room(store, "lobby")  # not personal: kept even when empty
    store.append_message("talked", msg("m1"))
    store.add_member("joined", Member("bob", "guest"))
    store.set_role("demoted", "demoted", "manager")
    deferred(store, "live")  # in memory: not the prune's business

    assert store.prune_unused_personal_rooms("Immediate") == ["empty", "empty2"]
    assert stored_names(db_path) == ["talked", "joined", "demoted", "moded", "lobby"]
    assert store.get("live") is not None
