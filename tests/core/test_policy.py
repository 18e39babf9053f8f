"""Connection policy and assignment on the core alone (PROTOCOL.md §6.5.1, §7.3)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from newage_desktop.core.app import Core
from newage_desktop.core.auth.admission import Accepted, Handshake, admit, after_connect
from newage_desktop.core.llm.desktop import desktop_socket
from newage_desktop.core.store.datadir import DataDir
from tests.core.conftest import RecordingGateway
from tests.core.test_relay import join


@pytest.fixture
async def core(tmp_path: Path, gateway: RecordingGateway) -> AsyncIterator[Core]:
    c = Core(DataDir(tmp_path / "data"), rng=random.Random(7))
    c.open()
    c.attach(gateway)
    yield c
    c.close()


async def rooms(core: Core, *names: str) -> None:
    for name in names:
        await core.deliver(core.rooms.create_room(name, creator=None))


async def policy(core: Core, name: str) -> dict[str, Any]:
    return await core.set_connection_policy(desktop_socket(core), name)


async def extensions(core: Core, n: int) -> list[str]:
    return [(await join(core, f"st{i}-sid", f"st{i}", "SillyTavern")).identity for i in range(n)]


@pytest.mark.parametrize("n", [0, 1, 3])
async def test_free_and_broadcast_assign_every_available_extension(core: Core, n: int) -> None:
    await rooms(core, "a", "b")
    exts = await extensions(core, n)
    for name in ("Free", "Broadcast"):
        assert (await policy(core, name)) == {"status": "ok", "policy": name}
        table = core.assignments.all()
        assert table["a"] == table["b"] == exts
        # extensions' personal rooms are not assignable
        assert not any(e in table for e in exts)


@pytest.mark.parametrize("n", [0, 1, 2])
async def test_balanced_goes_round_in_creation_order(core: Core, n: int) -> None:
    await rooms(core, "a", "b", "c")
    exts = await extensions(core, n)
    await policy(core, "Balanced")
    table = core.assignments.all()
    if n == 0:
        assert table == {"a": [], "b": [], "c": []}
    else:
        assert [table[r] for r in "abc"] == [[exts[i % n]] for i in range(3)]


async def test_random_keeps_its_pick_until_it_goes(core: Core) -> None:
    await rooms(core, "a")
    exts = await extensions(core, 3)
    await policy(core, "Random")
    (first,) = core.assignments.for_room("a")
    assert first in exts
    assert all(core.assignments.for_room("a") == [first] for _ in range(20))
    await core.socket_closed(f"{first}-sid")
    (second,) = core.assignments.for_room("a")
    assert second != first and second in exts


async def test_manual_table_filtered_errors_and_restart(
    core: Core, tmp_path: Path, gateway: RecordingGateway
) -> None:
    await rooms(core, "a")
    await extensions(core, 2)
    admin = desktop_socket(core)
    assert await core.assign_extensions(admin, "a", ["st1"]) == {
        "status": "error",
        "message": "Manual assignment is only allowed in Manual mode",
    }
    await policy(core, "Manual")
    assert core.assignments.for_room("a") == []
    assert (await core.assign_extensions(admin, "nope", ["st1"]))["message"] == (
        "Client room not found"
    )
    assert (await core.assign_extensions(admin, "a", ["st1", "ghost"]))["message"] == (
        "Extension not found: ghost"
    )
    assert (await core.assign_extensions(admin, "a", ["st1", "st0"]))["status"] == "ok"
    assert core.assignments.for_room("a") == ["st1", "st0"]
    await core.socket_closed("st1-sid")
    assert core.assignments.for_room("a") == ["st0"]  # filtered to the available
    core.close()
    again = Core(DataDir(tmp_path / "data"))
    again.open()
    try:
        assert again.settings.connection_policy == "Manual"
        assert again.assignments.manual_table() == {"a": ["st1", "st0"]}
    finally:
        again.close()


async def test_bad_policy_and_permission(core: Core) -> None:
    assert await policy(core, "Chaos") == {
        "status": "error",
        "message": "Failed to set connection policy",
    }
    guest = await join(core, "g-sid", "guest")
    assert (await core.set_connection_policy(guest, "Free"))["message"] == "Unauthorized"


async def test_default_target_follows_the_assignment(core: Core) -> None:
    await rooms(core, "a", "b")
    await extensions(core, 2)
    await policy(core, "Balanced")
    admin = desktop_socket(core)
    for room, expected in (("a", ["st0"]), ("b", ["st1"])):
        ack, _ = await core.relay.handle_request(
            admin, {"requestId": f"r-{room}", "message": "x", "targetRoom": room}
        )
        assert ack["targets"] == expected


async def test_available_extensions_goes_to_members_of_changed_rooms_only(
    core: Core, gateway: RecordingGateway
) -> None:
    await rooms(core, "a", "b")
    for name, room in (("alice", "a"), ("bob", "b")):
        await core.deliver(core.rooms.add_client(room, name, "guest"))
        auth = {"clientId": name, "key": await core.generate_key(name), "clientType": "client"}
        if not core.trust.is_trusted(name):
            await core.trust_client(name)
        admission = await admit(core, Handshake(f"{name}-rooms", "/rooms", auth, "10.0.0.1", None))
        assert isinstance(admission, Accepted)
        await after_connect(core, admission)
    await policy(core, "Manual")
    await extensions(core, 1)
    gateway.sent.clear()
    await core.assign_extensions(desktop_socket(core), "a", ["st0"])
    notes = [(s, d) for s, _, e, d in gateway.sent if e == "AVAILABLE_EXTENSIONS"]
    assert notes == [("alice-rooms", {"roomName": "a", "extensions": ["st0"]})]


async def test_sockets_closing_after_the_store_closed_do_not_fail(core: Core) -> None:
    """At shutdown the transport may report disconnects after Core.close() (found rendering
    the dock screenshots): the assignment refresh must not touch the closed database."""
    await rooms(core, "a")
    await extensions(core, 1)
    core.close()
    await core.socket_closed("st0-sid")


async def rooms_member(core: Core, name: str, *room_names: str) -> None:
    """`name` with one /rooms socket `<name>-rooms`, a guest of `room_names`."""
    for room in room_names:
        await core.deliver(core.rooms.add_client(room, name, "guest"))
    if not core.trust.is_trusted(name):
        await core.trust_client(name)
    auth = {"clientId": name, "key": await core.generate_key(name), "clientType": "client"}
    admission = await admit(core, Handshake(f"{name}-rooms", "/rooms", auth, "10.0.0.1", None))
    assert isinstance(admission, Accepted)
    await after_connect(core, admission)


def notes(gateway: RecordingGateway) -> list[tuple[str, Any]]:
    return [(s, d) for s, _, e, d in gateway.sent if e == "AVAILABLE_EXTENSIONS"]


def bus_events(core: Core) -> list[Any]:
    seen: list[Any] = []
    core.bus.subscribe(seen.append)
    return seen


async def test_recomputed_when_rooms_come_and_go(core: Core, gateway: RecordingGateway) -> None:
    """Balanced: deleting the first room moves every later room one extension on (§6.5.1)."""
    await rooms(core, "a", "b", "c")
    await extensions(core, 2)
    await policy(core, "Balanced")
    for name, room in (("alice", "a"), ("bob", "b"), ("carol", "c")):
        await rooms_member(core, name, room)
    # each member's own personal room is assignable too, created after a, b and c
    table = core.assignments.all()
    assert [table[r] for r in ("a", "b", "c", "alice", "bob", "carol")] == [
        ["st0"], ["st1"], ["st0"], ["st1"], ["st0"], ["st1"]
    ]  # fmt: skip
    gateway.sent.clear()
    await core.deliver(core.rooms.delete_room("a", is_registered=core.registry.is_registered))
    assert sorted(notes(gateway), key=lambda n: n[1]["roomName"]) == [
        ("alice-rooms", {"roomName": "alice", "extensions": ["st0"]}),
        ("bob-rooms", {"roomName": "b", "extensions": ["st0"]}),
        ("bob-rooms", {"roomName": "bob", "extensions": ["st1"]}),
        ("carol-rooms", {"roomName": "c", "extensions": ["st1"]}),
        ("carol-rooms", {"roomName": "carol", "extensions": ["st0"]}),
    ]
    gateway.sent.clear()
    await core.deliver(core.rooms.create_room("z", creator="bob"))
    assert notes(gateway) == [("bob-rooms", {"roomName": "z", "extensions": ["st1"]})]


async def test_recomputed_when_availability_changes(core: Core, gateway: RecordingGateway) -> None:
    await rooms(core, "a")
    await rooms_member(core, "alice", "a")
    gateway.sent.clear()
    await extensions(core, 2)  # Free: each new extension changes every assignable room
    assert notes(gateway) == [
        ("alice-rooms", {"roomName": "a", "extensions": ["st0"]}),
        ("alice-rooms", {"roomName": "alice", "extensions": ["st0"]}),
        ("alice-rooms", {"roomName": "a", "extensions": ["st0", "st1"]}),
        ("alice-rooms", {"roomName": "alice", "extensions": ["st0", "st1"]}),
    ]
    gateway.sent.clear()
    await core.socket_closed("st0-sid")
    assert notes(gateway) == [
        ("alice-rooms", {"roomName": "a", "extensions": ["st1"]}),
        ("alice-rooms", {"roomName": "alice", "extensions": ["st1"]}),
    ]


async def test_policy_change_is_published_even_when_no_room_changes(core: Core) -> None:
    """The desktop shows the policy from AssignmentsChanged: Free -> Broadcast changes no
    assignment, but the policy shown must follow."""
    await rooms(core, "a")
    await extensions(core, 1)
    seen = bus_events(core)
    await policy(core, "Broadcast")
    changes = [e for e in seen if type(e).__name__ == "AssignmentsChanged"]
    assert [(e.policy, e.assignments) for e in changes] == [("Broadcast", {"a": ["st0"]})]


async def test_random_picks_follow_the_seed(tmp_path: Path) -> None:
    picks = []
    for run in range(2):
        gateway = RecordingGateway()
        c = Core(DataDir(tmp_path / f"data{run}"), rng=random.Random(1234))
        c.open()
        c.attach(gateway)
        try:
            await rooms(c, *"abcdefgh")
            await extensions(c, 3)
            await policy(c, "Random")
            first = c.assignments.all()
            await c.socket_closed("st1-sid")
            then = c.assignments.all()
            picks.append((first, then))
        finally:
            c.close()
    assert picks[0] == picks[1]
    first, then = picks[0]
    assert {e for (e,) in first.values()} != {"st0"}  # eight rooms do not all get one pick
    for room, (ext,) in first.items():
        assert then[room] == [ext] if ext != "st1" else then[room] in (["st0"], ["st2"])


async def test_manual_row_goes_with_its_room_and_bad_lists_are_refused(core: Core) -> None:
    await rooms(core, "a")
    await extensions(core, 1)
    admin = desktop_socket(core)
    await policy(core, "Manual")
    for bad in ("st0", None, ["st0", 3]):
        assert await core.assign_extensions(admin, "a", bad) == {
            "status": "error",
            "message": "extensions must be a list of extension identities.",
        }
    assert await core.assign_extensions(admin, "a", ["st0", "st0"]) == {
        "status": "ok",
        "clientRoom": "a",
        "extensions": ["st0"],
    }
    await core.deliver(core.rooms.delete_room("a", is_registered=core.registry.is_registered))
    assert core.assignments.manual_table() == {}
    await rooms(core, "a")
    assert core.assignments.for_room("a") == []
    # an empty list clears the room's row
    await core.assign_extensions(admin, "a", ["st0"])
    await core.assign_extensions(admin, "a", [])
    assert core.assignments.manual_table() == {}
