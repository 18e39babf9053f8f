"""Background thinking on the core alone (PROTOCOL.md §7.13, §7.4, §7.8, §7.14)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from newage_desktop.core.app import Core
from newage_desktop.core.llm.desktop import desktop_socket
from newage_desktop.core.registry import SocketInfo
from newage_desktop.core.rooms.thinking import ThinkScheduler
from newage_desktop.core.store.settings import Settings
from tests.core import test_modes
from tests.core.conftest import RecordingGateway
from tests.core.test_mute_status import Clock
from tests.core.test_relay import stream

lobby = test_modes.lobby  # the fixture
send = test_modes.send
THINK_FIELDS = {
    "mode",
    "type",
    "requestId",
    "targetRoom",
    "requestingIdentity",
    "currentRequest",
    "context",
    "instruction",
    "message",
    "requestType",
    "target",
}


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
    assert set(think) == THINK_FIELDS
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


def scheduler_with(
    now: list[float],
    sent: list[tuple[str, str, str, str]],
    *,
    rooms: list[str],
    assigned: dict[str, list[str]],
    available: list[str],
    muted: frozenset[str] = frozenset(),
    history: set[str] | None = None,
    seed: int = 1,
    **overrides: Any,
) -> ThinkScheduler:
    values: dict[str, Any] = {
        "conversational_check_interval": 1000,
        "conversational_think_probability": 1.0,
        "conversational_think_interval_min": 1000,
        "conversational_think_interval_max": 1000,
        "post_unmute_think_delay": 2000,
        **overrides,
    }
    settings = Settings(**values)

    async def send_think(room: str, ext: str, instruction: str, kind: str) -> None:
        sent.append((room, ext, instruction, kind))

    return ThinkScheduler(
        clock=lambda: now[0],
        rng=random.Random(seed),
        settings=lambda: settings,
        conversational_rooms=lambda: rooms,
        assigned=lambda room: assigned.get(room, []),
        available=lambda: available,
        is_muted=lambda identity: identity in muted,
        has_history=lambda room: history is None or room in history,
        send_think=send_think,
    )


async def run_ticks(scheduler: ThinkScheduler, now: list[float], times: list[float]) -> None:
    for t in times:
        now[0] = t
        await scheduler.tick()


async def test_a_think_picks_among_assigned_available_unmuted_at_random() -> None:
    now: list[float] = [0.0]
    sent: list[tuple[str, str, str, str]] = []
    scheduler = scheduler_with(
        now,
        sent,
        rooms=["r"],
        assigned={"r": ["muted", "gone", "b", "c"]},
        available=["muted", "b", "c", "elsewhere"],  # `gone` has no /llm socket
        muted=frozenset({"muted"}),
    )
    await run_ticks(scheduler, now, [float(t) for t in range(40)])
    picked = [ext for _, ext, _, _ in sent]
    assert len(picked) == 40 and set(picked) == {"b", "c"}  # both, at random; never the others


async def test_no_think_without_a_candidate_or_without_history() -> None:
    now: list[float] = [0.0]
    sent: list[tuple[str, str, str, str]] = []
    scheduler = scheduler_with(
        now,
        sent,
        rooms=["nobody", "empty", "ok"],
        assigned={"nobody": ["x"], "empty": ["a"], "ok": ["a"]},
        available=["a"],
        history={"nobody", "ok"},
    )
    await run_ticks(scheduler, now, [0.0, 1.0])
    assert [room for room, *_ in sent] == ["ok", "ok"]
    assert scheduler.next_check("empty") == 2.0  # a skipped think still sets the next check


async def test_rooms_are_visited_once_per_check_interval() -> None:
    now: list[float] = [0.0]
    sent: list[tuple[str, str, str, str]] = []
    scheduler = scheduler_with(
        now,
        sent,
        rooms=["r"],
        assigned={"r": ["a"]},
        available=["a"],
        conversational_check_interval=1000,
        conversational_think_interval_min=0,
        conversational_think_interval_max=0,
    )
    await run_ticks(scheduler, now, [0.0, 0.5, 0.99])
    assert len(sent) == 1  # due again at once, but the next visit is one check interval later
    await run_ticks(scheduler, now, [1.0])
    assert len(sent) == 2


async def test_leaving_the_mode_drops_a_pending_post_unmute_think() -> None:
    now: list[float] = [0.0]
    sent: list[tuple[str, str, str, str]] = []
    rooms = ["r", "s"]
    scheduler = scheduler_with(
        now,
        sent,
        rooms=rooms,
        assigned={"r": ["a"], "s": ["a"]},
        available=["a"],
        conversational_think_probability=0.0,
    )
    scheduler.unmuted("a")
    scheduler.mode_changed("r", "Immediate")
    scheduler.mode_changed("r", "Conversational")  # back before the delay: still dropped
    scheduler.mode_changed("s", "")  # deleted
    rooms.remove("s")
    await run_ticks(scheduler, now, [1.0, 2.0, 3.0])
    assert sent == []


async def test_post_unmute_thinks_in_each_conversational_room_it_is_assigned_to() -> None:
    now: list[float] = [10.0]
    sent: list[tuple[str, str, str, str]] = []
    scheduler = scheduler_with(
        now,
        sent,
        rooms=["r", "s", "t"],
        assigned={"r": ["a"], "s": ["a", "b"], "t": ["b"]},
        available=["a", "b"],
        conversational_think_probability=0.0,
    )
    scheduler.unmuted("a")
    await run_ticks(scheduler, now, [11.99])
    assert sent == []
    await run_ticks(scheduler, now, [12.0, 13.0])
    instruction = Settings().post_unmute_instruction
    assert sorted(sent) == [
        ("r", "a", instruction, "post_unmute"),
        ("s", "a", instruction, "post_unmute"),
    ]


async def test_only_conversational_rooms_think(
    core: Core, conversational: Clock, gateway: RecordingGateway, lobby: dict[str, SocketInfo]
) -> None:
    await core.deliver(core.rooms.create_room("den", creator=None))
    await core.deliver(core.rooms.add_client("den", "host", "master"))
    await send(core, lobby["host"], "d1", "hello den", targetRoom="den")
    for _ in range(4):
        await core.thinking.tick()
        conversational.now += 30
    assert {t["targetRoom"] for t in thinks(gateway)} == {"lobby"}
    assert core.thinking.next_check("den") is None


async def test_a_thinks_answer_is_streamed_to_the_members_and_announced(
    core: Core, conversational: Clock, gateway: RecordingGateway, lobby: dict[str, SocketInfo]
) -> None:
    await core.thinking.tick()
    (think,) = thinks(gateway)
    gateway.sent.clear()
    await stream(core, lobby["st"], "s1", [(0, "a thought")], requestId=think["requestId"])
    news = [
        (s, d["message"]["requestId"])
        for s, _, e, d in gateway.sent
        if e == "NEW_MESSAGE" and d["message"]["kind"] == "response"
    ]
    # §7.11: NEW_MESSAGE goes to the members and the assigned extensions; §7.7: the stream
    # goes to the members only, never back to the extension that answers
    everyone = ("guest-sid", "host-sid", "mate-sid", "st-sid")
    assert sorted(news) == [(sid, think["requestId"]) for sid in everyone]
    announced = {s for s, _, e, _ in gateway.sent if e == "$stream"}
    assert {"host-sid", "mate-sid", "guest-sid"} <= announced and "st-sid" not in announced
    assert not [e for _, _, e, _ in gateway.sent if e in ("REQUEST_STATUS_UPDATE", "ERROR")]


async def test_an_admin_cancels_a_think_without_status_or_error(
    core: Core, conversational: Clock, gateway: RecordingGateway
) -> None:
    await core.thinking.tick()
    (think,) = thinks(gateway)
    rid = think["requestId"]
    assert await core.relay.cancel(desktop_socket(core), {"requestId": rid}) == {
        "status": "ok",
        "requestId": rid,
    }
    assert ("st-sid", "CANCEL_REQUEST", {"requestId": rid}) in [
        (s, e, d) for s, _, e, d in gateway.sent
    ]
    assert not [e for _, _, e, _ in gateway.sent if e in ("REQUEST_STATUS_UPDATE", "ERROR")]
    assert rid not in core.relay.requests


async def test_a_silent_think_times_out_without_status_or_error(
    core: Core, conversational: Clock, gateway: RecordingGateway
) -> None:
    await core.thinking.tick()
    (think,) = thinks(gateway)
    conversational.now += core.settings.request_timeout_ms / 1000 - 0.01
    await core.relay.sweep()
    assert think["requestId"] in core.relay.requests  # §7.9: the timer started at forwarding
    conversational.now += 0.01
    await core.relay.sweep()
    assert think["requestId"] not in core.relay.requests
    assert not [e for _, _, e, _ in gateway.sent if e in ("REQUEST_STATUS_UPDATE", "ERROR")]


async def test_each_think_is_published_and_logged(
    core: Core, conversational: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    from newage_desktop.core import events as ev

    started: list[ev.ThinkStarted] = []
    core.bus.subscribe(lambda e: started.append(e) if isinstance(e, ev.ThinkStarted) else None)
    await core.mute_member(desktop_socket(core), "st")
    await core.unmute_member(desktop_socket(core), "st")
    with caplog.at_level("INFO"):
        await core.thinking.tick()
        conversational.now += 2
        await core.thinking.tick()
    kinds = [(e.room, e.extension, e.kind) for e in started]
    assert kinds == [("lobby", "st", "periodic"), ("lobby", "st", "post_unmute")]
    assert all(e.request_id.startswith("think_") for e in started)
    lines = [r.getMessage() for r in caplog.records if "Background think" in r.getMessage()]
    assert len(lines) == len(started)
