"""Mute and member status on the core alone (PROTOCOL.md §6.5, §7.2 step 2, §7.12)."""

from __future__ import annotations

from typing import Any

from newage_desktop.core.app import Core
from newage_desktop.core.llm.desktop import desktop_socket
from newage_desktop.core.registry import SocketInfo
from tests.core import test_modes
from tests.core.conftest import RecordingGateway

lobby = test_modes.lobby  # the fixture
send = test_modes.send


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def events(gateway: RecordingGateway, name: str) -> list[tuple[str, Any]]:
    return [(s, d) for s, _, e, d in gateway.sent if e == name]


def system_texts(core: Core) -> list[str]:
    return [m["message"] for m in core.relay.history.messages("lobby") if m["kind"] == "system"]


async def test_timed_mute_refuses_requests_and_expires_from_system(
    core: Core, lobby: dict[str, SocketInfo], gateway: RecordingGateway
) -> None:
    clock = Clock()
    core.clock = clock
    gateway.sent.clear()
    ack = await core.mute_member(lobby["host"], "guest", "lobby", 30)
    assert ack == {"status": "ok"}
    ((sid, muted),) = events(gateway, "MEMBER_MUTED")
    assert sid == "guest-sid"
    assert muted == {
        "identity": "guest",
        "mutedBy": "host",
        "mutedUntil": "1970-01-12T13:47:10.000Z",
        "duration": 30,
        "roomName": "lobby",
    }
    assert system_texts(core)[-1] == "[System] guest has been muted by host for 30 seconds."
    statuses = [d for _, d in events(gateway, "MEMBER_STATUS_UPDATE")]
    assert {d["status"] for d in statuses} == {"muted"}
    assert core.statuses.of_room("lobby") == {"guest": "muted"}
    refused = await send(core, lobby["guest"], "g1", "let me talk")
    assert refused == {
        "status": "error",
        "message": "You are currently muted and cannot send messages.",
    }
    clock.now += 29.9
    await core.members.tick()
    assert core.mutes.is_muted("guest")
    clock.now += 0.1
    await core.members.tick()
    assert not core.mutes.is_muted("guest")
    ((_, unmuted),) = events(gateway, "MEMBER_UNMUTED")
    assert unmuted == {"identity": "guest", "unmutedBy": "System", "roomName": "lobby"}
    assert system_texts(core)[-1] == "[System] guest has been unmuted by System."
    assert core.statuses.of_room("lobby") == {}
    assert (await send(core, lobby["guest"], "g2", "thanks"))["status"] == "ok"


async def test_permanent_mute_without_room_and_unmute(
    core: Core, lobby: dict[str, SocketInfo], gateway: RecordingGateway
) -> None:
    admin = desktop_socket(core)
    before = system_texts(core)
    gateway.sent.clear()
    assert await core.mute_member(admin, "guest", None, 0) == {"status": "ok"}
    ((_, muted),) = events(gateway, "MEMBER_MUTED")
    assert muted["duration"] == "permanent"
    assert muted["mutedUntil"] == "9999-12-31T23:59:59.999Z"
    assert muted["roomName"] is None
    assert system_texts(core) == before  # no room: no system message
    assert await core.unmute_member(admin, "guest", "lobby") == {"status": "ok"}
    assert system_texts(core)[-1] == "[System] guest has been unmuted by *desktop*."
    assert await core.unmute_member(admin, "guest") == {"status": "ok"}  # not muted: no effect
    assert len(events(gateway, "MEMBER_UNMUTED")) == 1


async def test_mute_permissions_and_errors(core: Core, lobby: dict[str, SocketInfo]) -> None:
    host, guest = lobby["host"], lobby["guest"]
    assert await core.mute_member(host, "nobody", "lobby") == {
        "status": "error",
        "message": "Member not found",
    }
    assert (await core.mute_member(host, "guest", "nowhere"))["message"] == "Room not found"
    assert (await core.mute_member(guest, "host", "lobby"))["message"] == "Permission denied"
    assert (await core.mute_member(host, "guest"))["message"] == "Permission denied"  # no room
    assert (await core.mute_member(lobby["mate"], "guest", "lobby"))["status"] == "ok"
    assert await core.mute_member(desktop_socket(core), "st") == {"status": "ok"}


async def test_status_events_rules_and_idle_when_llm_goes(
    core: Core, lobby: dict[str, SocketInfo], gateway: RecordingGateway
) -> None:
    guest, st = lobby["guest"], lobby["st"]
    gateway.sent.clear()
    ok = {"status": "ok"}
    assert await core.set_member_status(guest, "START_TYPING", {"targetRoom": "lobby"}) == ok
    assert await core.set_member_status(guest, "START_TYPING", {"targetRoom": "lobby"}) == ok
    updates = events(gateway, "MEMBER_STATUS_UPDATE")
    assert sorted(s for s, _ in updates) == ["guest-sid", "host-sid", "mate-sid"]  # once each
    assert updates[0][1]["status"] == "typing" and updates[0][1]["identity"] == "guest"
    assert await core.set_member_status(guest, "STOP_TYPING", {}) == ok
    assert core.statuses.of_room("lobby") == {}
    assert await core.set_member_status(guest, "START_PROCESSING", {"targetRoom": "lobby"}) == {
        "status": "error",
        "message": "Permission denied.",
    }
    assert await core.set_member_status(guest, "START_TYPING", {"targetRoom": "x"}) == {
        "status": "error",
        "message": "Room x not found.",
    }
    assert await core.set_member_status(st, "START_TYPING", {"targetRoom": "lobby"}) == {
        "status": "error",
        "message": "You are not a member of room lobby.",
    }
    # an assigned extension may say it is processing, and goes idle when its /llm socket closes
    assert await core.set_member_status(st, "START_PROCESSING", {"targetRoom": "lobby"}) == ok
    assert core.statuses.of_room("lobby") == {"st": "processing"}
    await core.socket_closed("st-sid")
    assert core.statuses.of_room("lobby") == {}
