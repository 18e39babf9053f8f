"""Member status on the core alone (PROTOCOL.md §5, §7.12): the four events, their errors, who
hears MEMBER_STATUS_UPDATE, and idle when an identity's last /llm socket closes."""

from __future__ import annotations

import dataclasses
from typing import Any

from newage_desktop.core import events as ev
from newage_desktop.core.app import Core
from newage_desktop.core.llm.desktop import desktop_socket
from newage_desktop.core.registry import SocketInfo
from tests.core import test_modes
from tests.core.conftest import RecordingGateway
from tests.core.test_mute_status import Clock, events
from tests.core.test_relay import join

lobby = test_modes.lobby  # the fixture: host master, mate manager, guest guest, extension st
OK = {"status": "ok"}


def updates(gateway: RecordingGateway) -> list[tuple[str, str, str]]:
    """(room, identity, status) of each distinct update, in order."""
    seen: list[tuple[str, str, str]] = []
    for _, d in events(gateway, "MEMBER_STATUS_UPDATE"):
        key = (d["roomName"], d["identity"], d["status"])
        if not seen or seen[-1] != key:
            seen.append(key)
    return seen


async def status(core: Core, who: SocketInfo, event: str, **payload: Any) -> dict[str, Any]:
    return await core.set_member_status(who, event, payload)


async def test_payload_and_recipients(
    core: Core, lobby: dict[str, SocketInfo], gateway: RecordingGateway
) -> None:
    clock = Clock()
    core.clock = clock
    await join(core, "out-sid", "out")
    core.relay.watching["watcher-sid"] = {"lobby"}
    gateway.sent.clear()
    assert await status(core, lobby["host"], "START_TYPING", targetRoom="lobby") == OK
    sent = events(gateway, "MEMBER_STATUS_UPDATE")
    # the room's members' /llm sockets: not the extension (not a member), a watcher, an outsider
    assert sorted(s for s, _ in sent) == ["guest-sid", "host-sid", "mate-sid"]
    assert sent[0][1] == {
        "identity": "host",
        "roomName": "lobby",
        "status": "typing",
        "timestamp": "1970-01-12T13:46:40.000Z",
    }
    assert {ns for _, ns, e, _ in gateway.sent if e == "MEMBER_STATUS_UPDATE"} == {"/llm"}


async def test_stop_typing_without_a_room_idles_every_room_once(
    core: Core, lobby: dict[str, SocketInfo], gateway: RecordingGateway
) -> None:
    await core.deliver(core.rooms.create_room("side", creator=None))
    await core.deliver(core.rooms.add_client("side", "guest", "guest"))
    await core.deliver(core.rooms.create_room("quiet", creator=None))
    await core.deliver(core.rooms.add_client("quiet", "guest", "guest"))
    guest = lobby["guest"]
    assert await status(core, guest, "START_TYPING", targetRoom="lobby") == OK
    assert await status(core, guest, "START_TYPING", targetRoom="side") == OK
    gateway.sent.clear()
    assert await status(core, guest, "STOP_TYPING") == OK
    # idle where it typed; nothing for `quiet` or its own room, where it already was idle
    assert sorted(updates(gateway)) == [("lobby", "guest", "idle"), ("side", "guest", "idle")]
    assert await status(core, guest, "START_TYPING", targetRoom="side") == OK
    gateway.sent.clear()
    assert await status(core, guest, "STOP_TYPING", targetRoom="side") == OK
    assert await status(core, guest, "STOP_TYPING", targetRoom="side") == OK  # no change: silent
    assert updates(gateway) == [("side", "guest", "idle")]
    assert core.statuses.of_room("side") == {}


async def test_errors(core: Core, lobby: dict[str, SocketInfo]) -> None:
    guest, st = lobby["guest"], lobby["st"]
    out = await join(core, "out-sid", "out")

    def error(message: str) -> dict[str, Any]:
        return {"status": "error", "message": message}

    assert await status(core, guest, "START_TYPING", targetRoom="x") == error("Room x not found.")
    assert await status(core, out, "START_TYPING", targetRoom="lobby") == error(
        "You are not a member of room lobby."
    )
    assert await status(core, out, "STOP_TYPING", targetRoom="lobby") == error(
        "You are not a member of room lobby."
    )
    for event in ("START_PROCESSING", "STOP_PROCESSING"):
        assert await status(core, guest, event, targetRoom="lobby") == error("Permission denied.")
        assert await status(core, st, event, targetRoom="x") == error("Room x not found.")
    # a missing or empty room (decision: Permission denied., as upstream's guard answers)
    assert await status(core, guest, "START_TYPING") == error("Permission denied.")
    assert await status(core, guest, "START_TYPING", targetRoom="") == error("Permission denied.")
    assert core.statuses.of_room("lobby") == {}


async def test_processing_needs_membership_or_assignment(
    core: Core, lobby: dict[str, SocketInfo], gateway: RecordingGateway
) -> None:
    st = lobby["st"]
    seen: list[Any] = []
    core.bus.subscribe(seen.append)
    assert await status(core, st, "START_PROCESSING", targetRoom="lobby", requestId="r1") == OK
    assert core.statuses.of_room("lobby") == {"st": "processing"}
    assert await status(core, st, "STOP_PROCESSING", targetRoom="lobby", requestId="r1") == OK
    assert core.statuses.of_room("lobby") == {}
    changes = [
        (e.identity, e.room, e.status) for e in seen if isinstance(e, ev.MemberStatusChanged)
    ]
    assert changes == [("st", "lobby", "processing"), ("st", "lobby", "idle")]
    await core.set_connection_policy(desktop_socket(core), "Manual")  # st is no longer assigned
    assert await status(core, st, "START_PROCESSING", targetRoom="lobby") == {
        "status": "error",
        "message": "You are not a member of room lobby.",
    }
    await core.deliver(core.rooms.add_client("lobby", "st", "guest"))  # a member may
    assert await status(core, st, "START_PROCESSING", targetRoom="lobby") == OK


async def test_idle_everywhere_when_the_last_llm_socket_closes(
    core: Core, lobby: dict[str, SocketInfo], gateway: RecordingGateway
) -> None:
    guest = lobby["guest"]
    await core.deliver(core.rooms.create_room("side", creator=None))
    for who in ("guest", "host"):
        await core.deliver(core.rooms.add_client("side", who, "guest"))
    await core.register(dataclasses.replace(guest, sid="guest-2"))  # a second /llm socket
    assert await status(core, guest, "START_TYPING", targetRoom="side") == OK
    await core.mute_member(desktop_socket(core), "guest", "lobby")
    assert core.statuses.of_room("lobby") == {"guest": "muted"}
    gateway.sent.clear()
    await core.socket_closed("guest-sid")
    assert updates(gateway) == []  # another /llm socket is still open
    await core.socket_closed("guest-2")
    # every room where it was not idle, muted included (§7.12 "idle in all its rooms");
    # the mute itself stays
    assert sorted(updates(gateway)) == [("lobby", "guest", "idle"), ("side", "guest", "idle")]
    assert core.statuses.of_room("lobby") == core.statuses.of_room("side") == {}
    assert core.mutes.is_muted("guest")
