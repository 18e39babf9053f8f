"""RoomService: the `/rooms` events and the personal room (PROTOCOL.md §5, §6.5, §7.11)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newage_desktop.core.rooms.service import (
    Notice,
    RoomResult,
    RoomService,
    member_identity,
    pick_alias,
    target_identity,
)
from newage_desktop.core.rooms.store import Member, Room, RoomStore

T0 = "2025-03-27T10:15:00.123Z"


class World:
    """A service with a fixed clock, counting ids and a settable registry."""

    def __init__(self, store: RoomStore) -> None:
        self.store = store
        self.registered: set[str] = set()
        self.mode = "Immediate"
        ids = itertools.count(1)
        self.service = RoomService(
            store, now=lambda: T0, new_id=lambda: f"id-{next(ids)}", default_mode=lambda: self.mode
        )

    def register(self, identity: str, client_type: str = "monitor") -> RoomResult:
        self.registered.add(identity)
        return self.service.ensure_personal_room(identity, identity, client_type)

    def room(self, name: str) -> Room:
        room = self.store.get(name)
        assert room is not None
        return room

    def lobby(self, master: str | None = "alice", **members: str) -> None:
        """Room `lobby` with `master` and the given identity=role members."""
        assert self.service.create_room("lobby", creator=master).ok
        for identity, role in members.items():
            assert self.service.add_client("lobby", identity, role).ok


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    store = RoomStore.open(tmp_path / "chat_history.sqlite3")
    yield World(store)
    store.close()


def error(message: str) -> dict[str, Any]:
    return {"status": "error", "message": message}


def by_event(result: RoomResult) -> dict[tuple[str, str], Notice]:
    notices = {(n.namespace, n.event): n for n in result.notices}
    assert len(notices) == len(result.notices), "one notice per namespace and event expected"
    return notices


BAD_NAMES = ["", "x" * 129, "tab\there", "bell\x07", "del\x7f", None, 42, ["lobby"], {"a": 1}]


# --- argument helpers ----------------------------------------------------------------------------


def test_the_first_alias_wins_and_empty_counts_as_missing() -> None:
    assert member_identity({"identity": "a", "clientId": "b"}) == "a"
    assert member_identity({"clientId": "b"}) == "b"
    assert member_identity({"identity": "", "clientId": "b"}) == "b"
    assert member_identity({"identity": None, "clientId": "b"}) == "b"
    assert target_identity({"targetIdentity": "a", "targetClientId": "b"}) == "a"
    assert target_identity({"targetClientId": "b"}) == "b"
    assert target_identity({}) is None
    assert pick_alias({"x": 0}, "x", "y") == 0


# --- GET_ROOMS, GET_ROOM_INFO, GET_CLIENTS_IN_ROOM ----------------------------------------------


def test_get_rooms_lists_every_room_in_creation_order(world: World) -> None:
    world.register("zed")
    world.service.create_room("b-room", creator=None)
    world.service.create_room("a-room", creator="zed")
    assert world.service.get_rooms().ack == {"status": "ok", "rooms": ["zed", "b-room", "a-room"]}


def test_get_room_info(world: World) -> None:
    world.register("alice")
    world.lobby(bob="manager", carol="guest")
    assert world.service.room_info("lobby").ack == {
        "status": "ok",
        "room": {
            "name": "lobby",
            "personal": False,
            "mode": "Immediate",
            "master": "alice",
            "managers": ["bob"],
            "guests": ["carol"],
            "createdAt": T0,
        },
    }
    assert world.service.room_info("alice").ack["room"]["personal"] is True


@pytest.mark.parametrize("name", BAD_NAMES)
def test_reading_events_refuse_invalid_room_names(world: World, name: object) -> None:
    assert world.service.room_info(name).ack == error("Invalid room name")
    assert world.service.clients_in_room(name, lambda _: True).ack == error("Invalid room name")


def test_reading_events_answer_room_not_found(world: World) -> None:
    assert world.service.room_info("nowhere").ack == error("Room not found")
    assert world.service.clients_in_room("nowhere", lambda _: True).ack == error("Room not found")


def test_get_clients_in_room(world: World) -> None:
    world.register("alice", client_type="monitor")
    world.lobby(ghost="guest")
    result = world.service.clients_in_room("lobby", lambda identity: identity == "alice")
    assert result.ack == {
        "status": "ok",
        "clients": [
            {
                "clientId": "alice",
                "identity": "alice",
                "clientType": "monitor",
                "role": "master",
                "online": True,
            },
            {
                "clientId": None,
                "identity": "ghost",
                "clientType": "unknown",
                "role": "guest",
                "online": False,
            },
        ],
    }


# --- CREATE_ROOM ---------------------------------------------------------------------------------


def test_create_room_makes_the_creator_master_and_only_member(world: World) -> None:
    world.register("alice")
    world.mode = "HostSubmit"
    result = world.service.create_room("lobby", creator="alice")
    assert result.ack == {"status": "ok", "roomName": "lobby"}
    assert result.changed_rooms == ["lobby"]
    assert result.notices == []  # creating is not joining
    room = world.room("lobby")
    assert [(m.identity, m.role, m.client_id) for m in room.members] == [
        ("alice", "master", "alice")
    ]
    assert (room.mode, room.personal, room.created_at) == ("HostSubmit", False, T0)
    assert world.store.messages("lobby") == []


def test_a_room_created_by_the_desktop_has_no_master(world: World) -> None:
    assert world.service.create_room("lobby", creator=None).ok
    assert world.room("lobby").members == ()


def test_create_room_accepts_128_characters(world: World) -> None:
    assert world.service.create_room("é" * 128, creator=None).ok


@pytest.mark.parametrize("name", BAD_NAMES)
def test_create_room_refuses_invalid_names(world: World, name: object) -> None:
    assert world.service.create_room(name, creator=None).ack == error("Invalid room name")
    assert world.store.list_rooms() == []


def test_create_room_refuses_an_existing_name(world: World) -> None:
    world.register("alice")
    assert world.service.create_room("alice", creator=None).ack == error("Room already exists")


# --- DELETE_ROOM ---------------------------------------------------------------------------------


def test_delete_room_tells_former_members_and_drops_history(world: World) -> None:
    world.lobby(bob="guest")
    result = world.service.delete_room("lobby", is_registered=world.registered.__contains__)
    assert result.ack == {"status": "ok"}
    assert result.changed_rooms == ["lobby"]
    assert result.notices == [
        Notice(
            ("alice", "bob"),
            "/rooms",
            "DELETE_ROOM",
            {"roomName": "lobby", "message": 'Room "lobby" has been deleted.'},
        )
    ]
    assert world.store.get("lobby") is None
    assert world.store.count_messages("lobby") == 0


def test_the_personal_room_of_a_registered_identity_cannot_be_deleted(world: World) -> None:
    world.register("alice")
    result = world.service.delete_room("alice", is_registered=world.registered.__contains__)
    assert result.ack == error("Invalid operation")
    assert world.store.get("alice") is not None
    world.registered.clear()  # alice went away: now it may go
    assert world.service.delete_room("alice", is_registered=world.registered.__contains__).ok


def test_delete_room_errors(world: World) -> None:
    is_registered = world.registered.__contains__
    assert world.service.delete_room("", is_registered=is_registered).ack == error(
        "Invalid room name"
    )
    assert world.service.delete_room("nowhere", is_registered=is_registered).ack == error(
        "Room not found"
    )


# --- ADD_CLIENT_TO_ROOM --------------------------------------------------------------------------


def test_add_client_joins_as_guest_by_default_with_a_system_message(world: World) -> None:
    world.register("alice")
    world.register("bob", client_type="SillyTavern")
    world.lobby(carol="manager", dave="guest")
    result = world.service.add_client("lobby", "bob")
    assert result.ack == {"status": "ok"}
    assert result.changed_rooms == ["lobby"]
    assert world.room("lobby").role_of("bob") == "guest"

    system = world.store.messages("lobby")[-1]
    assert system == {
        "messageId": system["messageId"],
        "roomName": "lobby",
        "identity": "System",
        "clientId": None,
        "timestamp": T0,
        "kind": "system",
        "message": "[System] bob has joined the room as guest.",
        "data": "[System] bob has joined the room as guest.",
        "role": "system",
        "isSystem": True,
        "fromClient": False,
    }
    member = {"clientId": "bob", "identity": "bob", "roomName": "lobby", "role": "guest"}
    notices = by_event(result)
    assert notices["/rooms", "MEMBER_JOINED"] == Notice(
        ("alice", "carol"), "/rooms", "MEMBER_JOINED", member
    )
    assert notices["/rooms", "MEMBER_ROLE_CHANGED"] == Notice(
        ("bob",), "/rooms", "MEMBER_ROLE_CHANGED", member
    )
    assert notices["/llm", "NEW_MESSAGE"] == Notice(
        ("alice", "carol", "dave", "bob"),
        "/llm",
        "NEW_MESSAGE",
        {"roomName": "lobby", "message": system},
        chat_room="lobby",
    )


def test_an_added_identity_that_never_registered_is_unknown(world: World) -> None:
    world.lobby()
    result = world.service.add_client("lobby", "ghost", "manager")
    joined = by_event(result)["/rooms", "MEMBER_JOINED"]
    assert joined.identities == ("alice",)  # the new manager is told by MEMBER_ROLE_CHANGED
    assert joined.payload == {
        "clientId": None,
        "identity": "ghost",
        "roomName": "lobby",
        "role": "manager",
    }
    assert world.store.messages("lobby")[-1]["message"] == (
        "[System] ghost has joined the room as manager."
    )


def test_an_identity_registered_earlier_is_added_with_its_registration(world: World) -> None:
    world.service.create_room("bob", creator=None)  # bob's name is taken: he has no membership
    world.register("bob", client_type="extension")
    world.lobby(bob="guest")
    assert world.room("lobby").member("bob") == Member("bob", "guest", "bob", "extension")


def test_a_later_run_takes_the_registration_from_stored_memberships(world: World) -> None:
    world.register("bob", client_type="extension")
    # Registrations are in memory (§3.5); a new run still has bob's in his personal room.
    fresh = RoomService(world.store, now=lambda: T0, new_id=lambda: "x", default_mode=lambda: "")
    fresh.create_room("lobby", creator=None)
    fresh.add_client("lobby", "bob")
    assert world.room("lobby").member("bob") == Member("bob", "guest", "bob", "extension")


def test_adding_a_master_demotes_the_previous_master(world: World) -> None:
    world.lobby(carol="manager")
    result = world.service.add_client("lobby", "bob", "master")
    room = world.room("lobby")
    assert (room.master, room.managers) == ("bob", ["alice", "carol"])
    demoted = [
        n
        for n in result.notices
        if n.event == "MEMBER_ROLE_CHANGED" and n.payload["identity"] == "alice"
    ]
    assert demoted == [
        Notice(
            ("alice", "carol", "bob"),
            "/rooms",
            "MEMBER_ROLE_CHANGED",
            {"clientId": None, "identity": "alice", "roomName": "lobby", "role": "manager"},
        )
    ]


def test_add_client_checks_the_role_first(world: World) -> None:
    for role in ("owner", "", "Master", 1):
        assert world.service.add_client("nowhere", "", role).ack == error("Invalid role")


@pytest.mark.parametrize(
    ("room_name", "identity"),
    [
        ("nowhere", "bob"),  # room missing
        ("lobby", "alice"),  # already a member
        ("lobby", ""),  # bad identities
        ("lobby", None),
        ("lobby", "x" * 129),
        ("lobby", "line\nbreak"),
        ("", "bob"),  # a room that cannot exist
    ],
)
def test_add_client_failures(world: World, room_name: str, identity: object) -> None:
    world.lobby()
    before = world.store.count_messages("lobby")
    result = world.service.add_client(room_name, identity)
    assert result == RoomResult(error("Failed to add client to room"))
    assert world.store.count_messages("lobby") == before


def test_roles_are_exclusive(world: World) -> None:
    world.lobby(bob="guest")
    for role in ("manager", "master", "guest", "manager"):
        assert world.service.set_member_role("lobby", "bob", role).ok
        room = world.room("lobby")
        lists: list[list[str | None]] = [[room.master], [*room.managers], [*room.guests]]
        assert sum(lst.count("bob") for lst in lists) == 1
        assert len([m for m in room.members if m.role == "master"]) <= 1


# --- REMOVE_CLIENT_FROM_ROOM and KICK_MEMBER -----------------------------------------------------


def test_remove_client_leaves_with_a_system_message(world: World) -> None:
    world.register("alice")
    world.register("bob")
    world.lobby(bob="manager", carol="manager", dave="guest")
    result = world.service.remove_client("lobby", "bob")
    assert result.ack == {"status": "ok"}
    assert world.room("lobby").role_of("bob") is None
    system = world.store.messages("lobby")[-1]
    assert system["message"] == system["data"] == "[System] bob has left the room."
    assert result.notices == [
        Notice(
            ("alice", "carol"),
            "/rooms",
            "MEMBER_LEFT",
            {"clientId": "bob", "identity": "bob", "roomName": "lobby"},
        ),
        Notice(
            ("alice", "carol", "dave"),
            "/llm",
            "NEW_MESSAGE",
            {"roomName": "lobby", "message": system},
            chat_room="lobby",
        ),
    ]


def test_a_leaving_master_leaves_the_room_without_master(world: World) -> None:
    world.lobby(bob="manager")
    assert world.service.remove_client("lobby", "alice").ok
    assert world.room("lobby").master is None


def test_kick_member_warns_the_kicked_identity(world: World) -> None:
    world.lobby(bob="guest")
    result = world.service.kick_member("lobby", "bob")
    assert result.ack == {"status": "ok"}
    warning = {"type": "WARNING", "message": "You have been kicked from room lobby."}
    notices = by_event(result)
    assert notices["/rooms", "WARNING"] == Notice(("bob",), "/rooms", "WARNING", warning)
    assert notices["/llm", "WARNING"] == Notice(("bob",), "/llm", "WARNING", warning)
    assert notices["/rooms", "MEMBER_LEFT"].identities == ("alice",)
    assert notices["/llm", "NEW_MESSAGE"].identities == ("alice",)
    assert world.store.messages("lobby")[-1]["message"] == "[System] bob has left the room."


@pytest.mark.parametrize(
    ("operation", "failure"),
    [
        ("remove_client", "Failed to remove client from room"),
        ("kick_member", "Failed to kick member"),
    ],
)
def test_removal_errors(world: World, operation: str, failure: str) -> None:
    world.register("alice")
    world.lobby(bob="guest")
    assert world.service.add_client("alice", "bob").ok
    remove = getattr(world.service, operation)
    assert remove("alice", "alice").ack == error("Invalid operation")  # own personal room
    assert remove("lobby", "carol").ack == error(failure)  # not a member
    assert remove("nowhere", "bob").ack == error(failure)
    assert remove("lobby", "").ack == error(failure)
    assert remove("alice", "bob").ok  # others may leave a personal room


# --- SET_MEMBER_ROLE -----------------------------------------------------------------------------


def test_set_member_role_tells_the_member_and_the_privileged(world: World) -> None:
    world.lobby(bob="guest", carol="manager", dave="guest")
    result = world.service.set_member_role("lobby", "bob", "manager")
    assert result.ack == {"status": "ok"}
    assert result.changed_rooms == ["lobby"]
    assert result.notices == [
        Notice(
            ("bob", "alice", "carol"),
            "/rooms",
            "MEMBER_ROLE_CHANGED",
            {"clientId": None, "identity": "bob", "roomName": "lobby", "role": "manager"},
        )
    ]
    assert world.store.count_messages("lobby") == 3  # the joins only: a role change adds none


def test_set_member_role_master_demotes_the_previous_master(world: World) -> None:
    world.lobby(bob="guest")
    result = world.service.set_member_role("lobby", "bob", "master")
    room = world.room("lobby")
    assert (room.master, room.managers, room.guests) == ("bob", ["alice"], [])
    assert [(n.identities, n.payload["identity"], n.payload["role"]) for n in result.notices] == [
        (("bob", "alice"), "bob", "master"),
        (("alice", "bob"), "alice", "manager"),
    ]


def test_setting_the_same_role_changes_nothing(world: World) -> None:
    world.lobby(bob="guest")
    assert world.service.set_member_role("lobby", "bob", "guest") == RoomResult({"status": "ok"})


def test_set_member_role_errors(world: World) -> None:
    world.lobby(bob="guest")
    set_role = world.service.set_member_role
    for role in (None, "admin", "", 3):
        assert set_role("lobby", "bob", role).ack == error("Invalid role")
    assert set_role("lobby", "carol", "guest").ack == error("Failed to set member role")
    assert set_role("nowhere", "bob", "guest").ack == error("Failed to set member role")
    assert set_role("lobby", None, "guest").ack == error("Failed to set member role")


# --- the personal room (§5) ----------------------------------------------------------------------


def test_first_registration_creates_the_personal_room(world: World) -> None:
    world.mode = "MasterOnly"
    result = world.register("alice", client_type="SillyTavern")
    assert result.changed_rooms == ["alice"]
    room = world.room("alice")
    assert room.info() == {
        "name": "alice",
        "personal": True,
        "mode": "MasterOnly",
        "master": "alice",
        "managers": [],
        "guests": [],
        "createdAt": T0,
    }
    assert room.members[0].client_type == "SillyTavern"
    assert world.register("alice", client_type="SillyTavern").changed_rooms == []


def test_an_existing_room_of_that_name_is_kept(world: World) -> None:
    world.service.create_room("alice", creator=None)
    assert world.register("alice").changed_rooms == []
    room = world.room("alice")
    assert (room.personal, room.master) == (False, None)


def test_a_new_registration_is_stored_in_every_room_of_the_identity(world: World) -> None:
    world.lobby(bob="guest")
    world.service.create_room("hall", creator=None)
    world.service.add_client("hall", "bob")
    result = world.register("bob", client_type="monitor")
    assert result.changed_rooms == ["lobby", "hall", "bob"]
    for name in ("lobby", "hall", "bob"):
        member = world.room(name).member("bob")
        assert member is not None
        assert (member.client_id, member.client_type) == ("bob", "monitor")


# --- personal rooms are stored only once used ----------------------------------------------------


def reopened_names(path: Path) -> list[str]:
    again = RoomStore.open(path)
    try:
        return [room.name for room in again.list_rooms()]
    finally:
        again.close()


def test_an_unused_personal_room_is_listed_but_not_stored(world: World) -> None:
    world.register("alice")
    assert world.service.get_rooms().ack["rooms"] == ["alice"]
    assert world.service.room_info("alice").ack["room"]["personal"] is True
    assert world.service.clients_in_room("alice", lambda _: True).ok
    assert reopened_names(world.store.path) == []


USED = {
    "a member joins": lambda w: w.service.add_client("alice", "bob"),
    "the owner's role changes": lambda w: w.service.set_member_role("alice", "alice", "manager"),
    "a message is recorded": lambda w: w.store.append_message(
        "alice", {"messageId": "m1", "kind": "request", "message": "hi", "data": "hi"}
    ),
}


@pytest.mark.parametrize("use", USED)
def test_a_personal_room_is_stored_once_used(world: World, use: str) -> None:
    world.register("alice")
    USED[use](world)
    assert reopened_names(world.store.path) == ["alice"]
    assert world.service.release_personal_room("alice").changed_rooms == []
    assert world.service.get_rooms().ack["rooms"] == ["alice"]


def test_releasing_drops_an_unused_personal_room(world: World) -> None:
    world.register("alice")
    world.lobby(master=None)
    result = world.service.release_personal_room("alice")
    assert result.ok and result.changed_rooms == ["alice"]
    assert world.service.get_rooms().ack["rooms"] == ["lobby"]
    assert world.service.release_personal_room("alice").changed_rooms == []
    assert world.service.release_personal_room("lobby").changed_rooms == []
    # The next registration creates it again, in memory.
    assert world.register("alice").changed_rooms == ["alice"]
    assert world.service.get_rooms().ack["rooms"] == ["lobby", "alice"]


def test_an_unused_personal_room_of_an_offline_identity_can_be_deleted(world: World) -> None:
    world.register("alice")
    world.registered.discard("alice")
    assert world.service.delete_room("alice", is_registered=world.registered.__contains__).ok
    assert world.store.get("alice") is None


def test_start_up_prunes_personal_rooms_left_unused_by_earlier_versions(world: World) -> None:
    def stored_personal(name: str, mode: str = "Immediate") -> None:
        master = Member(name, "master", name, "monitor")
        world.store.create(name, personal=True, mode=mode, master=master, created_at=T0)

    stored_personal("idle")
    stored_personal("busy")
    stored_personal("tuned", mode="HostSubmit")
    world.store.append_message("busy", {"messageId": "m1", "message": "x", "data": "x"})
    RoomService(world.store, now=lambda: T0, new_id=lambda: "x", default_mode=lambda: "Immediate")
    assert reopened_names(world.store.path) == ["busy", "tuned"]
