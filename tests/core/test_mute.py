"""Mute on the core alone (PROTOCOL.md §6.5 MUTE_MEMBER/UNMUTE_MEMBER, §7.11 texts, §7.12):
who hears what, the permission matrix, durations, expiry and the hooks."""

from __future__ import annotations

from typing import Any

import pytest

from newage_desktop.core import events as ev
from newage_desktop.core.app import Core
from newage_desktop.core.llm.desktop import desktop_socket
from newage_desktop.core.registry import SocketInfo
from tests.core import test_modes
from tests.core.conftest import RecordingGateway
from tests.core.test_mute_status import Clock, events, system_texts
from tests.core.test_relay import join

lobby = test_modes.lobby  # the fixture: host master, mate manager, guest guest, extension st

DENIED = {"status": "error", "message": "Permission denied"}
NO_MEMBER = {"status": "error", "message": "Member not found"}
NO_ROOM = {"status": "error", "message": "Room not found"}
OK = {"status": "ok"}


@pytest.fixture
async def people(core: Core, lobby: dict[str, SocketInfo]) -> dict[str, SocketInfo]:
    """The lobby plus `out` (registered, in no room but its own) and the desktop admin."""
    return {**lobby, "out": await join(core, "out-sid", "out"), "admin": desktop_socket(core)}


@pytest.mark.parametrize(
    "actor, target, room, expected",
    [
        ("admin", "guest", None, OK),
        ("admin", "out", "lobby", OK),  # an admin needs no membership of the target
        ("host", "guest", "lobby", OK),
        ("mate", "host", "lobby", OK),  # a manager may mute the master
        ("guest", "mate", "lobby", DENIED),
        ("host", "out", "lobby", DENIED),  # the target must be a member of roomName
        ("host", "guest", None, DENIED),  # without a room only an admin may
        ("host", "out", "out", DENIED),  # not privileged in out's room
        ("host", "nobody", "lobby", NO_MEMBER),
        ("guest", "nobody", "nowhere", NO_MEMBER),  # Member not found comes first
        ("guest", "host", "nowhere", NO_ROOM),  # then Room not found, then Permission denied
        ("admin", "guest", "nowhere", NO_ROOM),
        ("admin", 7, None, NO_MEMBER),
    ],
)
async def test_permission_matrix(
    core: Core, people: dict[str, SocketInfo], actor: str, target: Any, room: Any, expected: Any
) -> None:
    assert await core.mute_member(people[actor], target, room, 30) == expected
    assert await core.unmute_member(people[actor], target, room) == expected
    assert not core.mutes.is_muted(str(target))


async def test_a_stored_member_who_is_offline_can_be_muted(core: Core, people: Any) -> None:
    await core.deliver(core.rooms.add_client("lobby", "away", "guest"))  # never connected
    assert await core.mute_member(people["host"], "away", "lobby") == OK
    assert core.mutes.is_muted("away")


async def test_who_hears_a_mute(
    core: Core, people: dict[str, SocketInfo], gateway: RecordingGateway
) -> None:
    core.relay.watching["watcher-sid"] = {"lobby"}  # an admin socket watching the room
    gateway.sent.clear()
    assert await core.mute_member(people["host"], "guest", "lobby", 30) == OK
    assert [s for s, _ in events(gateway, "MEMBER_MUTED")] == ["guest-sid"]
    announced = events(gateway, "NEW_MESSAGE")
    # members, the room's assigned extension and the watcher; never the outsider
    assert sorted(s for s, _ in announced) == sorted(
        ["host-sid", "mate-sid", "guest-sid", "st-sid", "watcher-sid"]
    )
    message = announced[0][1]["message"]
    assert (message["identity"], message["kind"], message["message"]) == (
        "System",
        "system",
        "[System] guest has been muted by host for 30 seconds.",
    )
    status = events(gateway, "MEMBER_STATUS_UPDATE")
    assert sorted(s for s, _ in status) == ["guest-sid", "host-sid", "mate-sid"]
    assert "out-sid" not in {s for s, _, _, _ in gateway.sent}


async def test_the_unmute_room_defaults_to_the_mutes(
    core: Core, people: dict[str, SocketInfo], gateway: RecordingGateway
) -> None:
    admin = people["admin"]
    await core.mute_member(admin, "guest", "lobby")
    assert system_texts(core)[-1] == "[System] guest has been permanently muted by *desktop*."
    gateway.sent.clear()
    assert await core.unmute_member(admin, "guest") == OK
    ((_, unmuted),) = events(gateway, "MEMBER_UNMUTED")
    assert unmuted == {"identity": "guest", "unmutedBy": "*desktop*", "roomName": "lobby"}
    assert system_texts(core)[-1] == "[System] guest has been unmuted by *desktop*."
    ((_, status),) = events(gateway, "MEMBER_STATUS_UPDATE")[:1]
    assert (status["identity"], status["status"]) == ("guest", "idle")


@pytest.mark.parametrize("duration", [None, 0, -5, True, "30", float("nan"), 1e300])
async def test_what_counts_as_permanent(
    core: Core, people: dict[str, SocketInfo], gateway: RecordingGateway, duration: Any
) -> None:
    """Absent or ≤ 0 (§6.5); also anything that is not a finite number of seconds, and a mute
    that would end after 9999-12-31 (it could not be written as `mutedUntil`)."""
    clock = Clock()
    core.clock = clock
    assert await core.mute_member(people["admin"], "guest", "lobby", duration) == OK
    ((_, muted),) = events(gateway, "MEMBER_MUTED")
    assert (muted["duration"], muted["mutedUntil"]) == ("permanent", "9999-12-31T23:59:59.999Z")
    (record,) = core.mutes.all()
    assert (record.until, record.duration, record.room) == (None, None, "lobby")
    clock.now += 10**9
    await core.members.tick()
    assert core.mutes.is_muted("guest")


async def test_a_part_second_counts_as_a_whole_one(
    core: Core, people: dict[str, SocketInfo], gateway: RecordingGateway
) -> None:
    clock = Clock()
    core.clock = clock
    await core.mute_member(people["admin"], "guest", "lobby", 0.25)
    ((_, muted),) = events(gateway, "MEMBER_MUTED")
    assert muted["duration"] == 1
    assert system_texts(core)[-1] == "[System] guest has been muted by *desktop* for 1 seconds."
    clock.now += 0.9
    await core.members.tick()
    assert core.mutes.is_muted("guest")
    clock.now += 0.1
    await core.members.tick()
    assert not core.mutes.is_muted("guest")


async def test_expiry_without_a_room_and_hooks(
    core: Core, people: dict[str, SocketInfo], gateway: RecordingGateway
) -> None:
    clock = Clock()
    core.clock = clock
    seen: list[Any] = []
    core.bus.subscribe(seen.append)
    unmuted: list[str] = []
    core.members.on_unmuted.append(unmuted.append)
    before = system_texts(core)
    await core.mute_member(people["admin"], "st", None, 5)
    await core.mute_member(people["admin"], "st", None, 10)  # a second mute replaces the first
    clock.now += 5
    await core.members.tick()
    assert core.mutes.is_muted("st") and unmuted == []
    clock.now += 5
    await core.members.tick()
    assert unmuted == ["st"]
    ((sid, payload),) = events(gateway, "MEMBER_UNMUTED")
    assert sid == "st-sid"
    assert payload == {"identity": "st", "unmutedBy": "System", "roomName": None}
    assert system_texts(core) == before
    changes = [(e.muted, e.by, e.room, e.until) for e in seen if isinstance(e, ev.MuteChanged)]
    assert changes == [
        (True, "*desktop*", None, clock.now - 5),
        (True, "*desktop*", None, clock.now),
        (False, "System", None, None),
    ]


async def test_unmuting_a_member_who_is_not_muted_changes_nothing(
    core: Core, people: dict[str, SocketInfo], gateway: RecordingGateway
) -> None:
    unmuted: list[str] = []
    core.members.on_unmuted.append(unmuted.append)
    before = system_texts(core)
    gateway.sent.clear()
    assert await core.unmute_member(people["host"], "guest", "lobby") == OK
    assert gateway.sent == [] and unmuted == [] and system_texts(core) == before


async def test_a_deleted_room_does_not_break_expiry(
    core: Core, people: dict[str, SocketInfo], gateway: RecordingGateway
) -> None:
    clock = Clock()
    core.clock = clock
    await core.mute_member(people["host"], "guest", "lobby", 5)
    await core.deliver(core.rooms.delete_room("lobby", is_registered=core.registry.is_registered))
    clock.now += 5
    await core.members.tick()
    assert not core.mutes.is_muted("guest")
    assert events(gateway, "MEMBER_UNMUTED")[-1][1]["unmutedBy"] == "System"
