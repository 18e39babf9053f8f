"""Background thinking on the core alone (PROTOCOL.md §7.13, §7.4, §7.8, §7.14)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from newage_desktop.core.app import Core
from newage_desktop.core.llm.desktop import desktop_socket
from newage_desktop.core.registry import SocketInfo
from newage_desktop.core.store.settings import Settings
from tests.core import test_modes
from tests.core.conftest import RecordingGateway
from tests.core.test_mute_status import Clock
from tests.core.test_relay import stream

lobby = test_modes.lobby  # the fixture
send = test_modes.send


def thinks(gateway: RecordingGateway) -> list[dict[str, Any]]:
    return [
        d
        for s, _, e, d in gateway.sent
        if s == "st-sid" and e == "LLM_REQUEST" and d.get("type") == "THINK_REQUEST"
    ]


@pytest.fixture
async def conversational(core: Core, lobby: dict[str, SocketInfo]) -> Clock:
    clock = Clock()
    core.clock = clock
    core.rng.seed(3)
    core.settings_store.update(
        {
            "conversationalCheckInterval": 1000,
            "conversationalThinkProbability": 1,
            "conversationalThinkIntervalMin": 10000,
            "conversationalThinkIntervalMax": 20000,
            "postUnmuteThinkDelay": 2000,
        }
    )
    await core.set_room_mode(desktop_socket(core), "lobby", "Conversational")
    return clock


async def test_a_think_at_each_check_with_the_instruction(
    core: Core, conversational: Clock, gateway: RecordingGateway
) -> None:
    await core.thinking.tick()
    (think,) = thinks(gateway)
    settings: Settings = core.settings
    assert think["requestId"].startswith("think_")
    assert think["instruction"] == think["message"] == settings.conversational_instruction
    assert think["requestingIdentity"] is None and think["currentRequest"] is None
    assert think["mode"] == "Conversational" and think["target"] == "st"
    assert think["requestType"] == "newMessage" and think["targetRoom"] == "lobby"
    assert [m["kind"] for m in think["context"]] == ["system"] * 3
    next_check = core.thinking.next_check("lobby")
    assert next_check is not None and 10 <= next_check - conversational.now <= 20
    conversational.now = next_check - 0.01
    await core.thinking.tick()
    assert len(thinks(gateway)) == 1  # not before the next check
    conversational.now = next_check + 0.99  # the next visit, one check interval later
    await core.thinking.tick()
    assert len(thinks(gateway)) == 2


async def test_probability_zero_never_thinks(
    core: Core, conversational: Clock, gateway: RecordingGateway
) -> None:
    core.settings_store.update({"conversationalThinkProbability": 0})
    for _ in range(5):
        await core.thinking.tick()
        conversational.now += 30
    assert thinks(gateway) == []


async def test_no_think_for_a_muted_extension_an_empty_room_or_another_mode(
    core: Core, conversational: Clock, gateway: RecordingGateway
) -> None:
    await core.mute_member(desktop_socket(core), "st")
    await core.thinking.tick()
    assert thinks(gateway) == []
    await core.unmute_member(desktop_socket(core), "st")
    await core.clear_messages(desktop_socket(core), "lobby")
    conversational.now += 30
    await core.thinking.tick()
    assert thinks(gateway) == []  # the post-unmute think is not due yet, and history is empty
    await core.set_room_mode(desktop_socket(core), "lobby", "Immediate")
    assert core.thinking.next_check("lobby") is None  # leaving the mode cancels the timer


async def test_post_unmute_think_after_exactly_the_delay(
    core: Core, conversational: Clock, gateway: RecordingGateway
) -> None:
    core.settings_store.update({"conversationalThinkProbability": 0})
    await core.mute_member(desktop_socket(core), "st")
    await core.unmute_member(desktop_socket(core), "st")
    conversational.now += 1.99
    await core.thinking.tick()
    assert thinks(gateway) == []
    conversational.now += 0.01
    await core.thinking.tick()
    (think,) = thinks(gateway)
    assert think["instruction"] == core.settings.post_unmute_instruction


async def test_a_thinks_answer_is_recorded_without_status_and_only_admins_cancel(
    core: Core, conversational: Clock, gateway: RecordingGateway, lobby: dict[str, SocketInfo]
) -> None:
    await core.thinking.tick()
    (think,) = thinks(gateway)
    rid = think["requestId"]
    denied = await core.relay.cancel(lobby["host"], {"requestId": rid})
    assert denied == {"status": "error", "message": "Permission denied."}
    await stream(core, lobby["st"], "s1", [(0, "a thought")], requestId=rid)
    responses = [m for m in core.relay.history.messages("lobby") if m["kind"] == "response"]
    assert [m["message"] for m in responses] == ["a thought"]
    assert not [e for _, _, e, _ in gateway.sent if e == "REQUEST_STATUS_UPDATE"]


def test_the_scheduler_uses_the_uniform_bounds() -> None:
    from newage_desktop.core.rooms.thinking import ThinkScheduler

    sent: list[str] = []
    now = [0.0]
    settings = Settings(
        conversational_check_interval=1000,
        conversational_think_probability=1.0,
        conversational_think_interval_min=5000,
        conversational_think_interval_max=5000,
    )

    async def send_think(room: str, ext: str, instruction: str, kind: str) -> None:
        sent.append(ext)

    scheduler = ThinkScheduler(
        clock=lambda: now[0],
        rng=random.Random(1),
        settings=lambda: settings,
        conversational_rooms=lambda: ["r"],
        assigned=lambda room: ["a", "b"],
        available=lambda: ["a", "b"],
        is_muted=lambda identity: identity == "a",
        has_history=lambda room: True,
        send_think=send_think,
    )
    import asyncio

    async def run() -> None:
        for step in range(11):
            now[0] = float(step)
            await scheduler.tick()

    asyncio.run(run())
    assert sent == ["b", "b", "b"]  # at 0, 5 and 10 s; never the muted one
