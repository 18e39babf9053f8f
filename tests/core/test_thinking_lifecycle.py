"""Background thinks at the edges of their life (PROTOCOL.md §7.13, §7.9, §7.12, §7.8).

A timed mute running out is an unmute too; a think whose extension leaves, or whose room is
deleted, ends without a word to anyone, as it has no requester to tell."""

from __future__ import annotations

import random

from newage_desktop.core.app import Core
from newage_desktop.core.llm.desktop import desktop_socket
from newage_desktop.core.registry import SocketInfo
from newage_desktop.core.rooms.thinking import ThinkScheduler
from newage_desktop.core.store.settings import Settings
from tests.core.conftest import RecordingGateway
from tests.core.test_mute_status import Clock
from tests.core.test_thinking import conversational, lobby, thinks

__all__ = ["conversational", "lobby"]  # the fixtures

SILENT_EVENTS = ("REQUEST_STATUS_UPDATE", "ERROR")


def silent(gateway: RecordingGateway) -> bool:
    return not [e for _, _, e, _ in gateway.sent if e in SILENT_EVENTS]


async def test_a_timed_mute_running_out_brings_the_post_unmute_think(
    core: Core, conversational: Clock, gateway: RecordingGateway
) -> None:
    core.settings_store.update({"conversationalThinkProbability": 0})
    assert await core.mute_member(desktop_socket(core), "st", duration=5) == {"status": "ok"}
    conversational.now += 5
    await core.members.tick()  # the mute ends here, unmuted by System
    assert not core.members.is_muted("st")
    conversational.now += 1.99
    await core.thinking.tick()
    assert thinks(gateway) == []
    conversational.now += 0.01
    await core.thinking.tick()
    (think,) = thinks(gateway)
    assert think["instruction"] == core.settings.post_unmute_instruction


async def test_a_think_whose_extension_leaves_ends_silently(
    core: Core, conversational: Clock, gateway: RecordingGateway, lobby: dict[str, SocketInfo]
) -> None:
    await core.thinking.tick()
    (think,) = thinks(gateway)
    start = {"type": 1, "streamId": "s1", "requestId": think["requestId"]}
    await core.relay.stream_start(lobby["st"], start)
    chunk = {"streamId": "s1", "chunkIndex": 0, "data": "half a"}
    await core.relay.stream_data(lobby["st"], chunk, retry=False)
    readers = {s for s, _, e, _ in gateway.sent if e == "$stream"}
    assert {"host-sid", "mate-sid", "guest-sid"} <= readers
    await core.socket_closed("st-sid")
    aborted = {(s, d[1]) for s, _, e, d in gateway.sent if e == "$stream-error"}
    assert aborted == {(sid, "Extension disconnected.") for sid in readers}
    assert silent(gateway)
    request = core.relay.requests.get(think["requestId"])
    assert request is None or request.completed


async def test_deleting_the_room_ends_its_think_and_its_timer(
    core: Core, conversational: Clock, gateway: RecordingGateway
) -> None:
    await core.thinking.tick()
    (think,) = thinks(gateway)
    assert core.thinking.next_check("lobby") is not None
    await core.deliver(core.rooms.delete_room("lobby", is_registered=core.registry.is_registered))
    assert core.thinking.next_check("lobby") is None
    assert think["requestId"] not in core.relay.requests
    assert silent(gateway)
    conversational.now += 60
    await core.thinking.tick()
    assert len(thinks(gateway)) == 1


async def test_the_rooms_are_listed_only_when_something_is_due() -> None:
    """The loop wakes every 100 ms for the post-unmute deadlines; the store is read only when a
    visit or a post-unmute think is due."""
    now = [0.0]
    listed: list[float] = []

    def rooms() -> list[str]:
        listed.append(now[0])
        return ["r"]

    async def send_think(room: str, extension: str, instruction: str, kind: str) -> None:
        pass

    scheduler = ThinkScheduler(
        clock=lambda: now[0],
        rng=random.Random(1),
        settings=lambda: Settings(conversational_check_interval=1000),
        conversational_rooms=rooms,
        assigned=lambda room: ["a"],
        available=lambda: ["a"],
        is_muted=lambda identity: False,
        has_history=lambda room: True,
        send_think=send_think,
    )
    for step in range(21):
        now[0] = step / 10
        await scheduler.tick()
    assert listed == [0.0, 1.0, 2.0]
