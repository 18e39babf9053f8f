"""§7.8: later updates of a response are throttled, at most one `MESSAGE_UPDATED` per response
every `messageUpdateIntervalMs`; the latest text wins and the last update goes out when the
output is complete (a `final` END, or 0.5 s after an END with no new stream) or the request
ends. The core's clock is a fake here, so nothing waits for real time."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from newage_desktop.core.app import Core
from newage_desktop.core.registry import SocketInfo
from tests.core.conftest import RecordingGateway
from tests.core.test_relay import Receiver, join, request

CHUNK = "x" * 1000


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def clock(core: Core) -> FakeClock:
    fake = FakeClock()
    core.clock = fake
    return fake


@pytest.fixture
async def world(
    core: Core, gateway: RecordingGateway, clock: FakeClock
) -> tuple[SocketInfo, SocketInfo, Receiver]:
    ext = await join(core, "ext-sid", "st", "SillyTavern")
    app = await join(core, "app-sid", "app")
    return ext, app, Receiver(core, gateway, "app-sid")


def updates(gateway: RecordingGateway, sid: str = "app-sid") -> list[dict[str, Any]]:
    return [d for s, _, e, d in gateway.sent if s == sid and e == "MESSAGE_UPDATED"]


def news(gateway: RecordingGateway, sid: str = "app-sid") -> list[dict[str, Any]]:
    return [
        d
        for s, _, e, d in gateway.sent
        if s == sid and e == "NEW_MESSAGE" and d["message"]["kind"] == "response"
    ]


async def one_stream(core: Core, ext: SocketInfo, n: int, *, final: bool = False) -> None:
    relay = core.relay
    start = {"type": 1, "streamId": f"s{n}", "requestId": "r1", "outputId": "o"}
    assert await relay.stream_start(ext, start) == {"status": "ok"}
    data = {"streamId": f"s{n}", "chunkIndex": 0, "data": f"{n:02d}{CHUNK}"}
    await relay.stream_data(ext, data, retry=False)
    end: dict[str, Any] = {"type": 3, "streamId": f"s{n}"}
    if final:
        end["final"] = True
    await relay.stream_end(ext, end)


def whole(count: int) -> str:
    return "".join(f"{n:02d}{CHUNK}" for n in range(count))


async def flush_due(core: Core) -> None:
    await core.relay.output.updates.flush_due()


async def test_twenty_streams_with_a_final_end_cost_one_update(
    core: Core, world: Any, gateway: RecordingGateway
) -> None:
    ext, app, receiver = world
    await request(core, app)
    for n in range(20):
        await one_stream(core, ext, n, final=n == 19)
    await receiver.pump()
    assert receiver.text() == whole(20)
    assert len(news(gateway)) == 1
    sent = updates(gateway)
    assert len(sent) == 1  # the final END sends the last update at once
    assert sent[0]["message"]["message"] == sent[0]["message"]["data"] == whole(20)
    assert updates(gateway, "ext-sid") == sent  # the extension is a chat recipient too


async def test_without_final_the_update_waits_for_the_quiet_half_second(
    core: Core, world: Any, gateway: RecordingGateway, clock: FakeClock
) -> None:
    ext, app, _ = world
    await request(core, app)
    for n in range(20):
        await one_stream(core, ext, n)
        clock.now += 0.01
    assert updates(gateway) == []  # within one interval of the creation: held back
    clock.now += 0.3
    await flush_due(core)
    assert updates(gateway) == []  # 0.3 s after the last END: more streams may come
    clock.now += 0.2
    await flush_due(core)
    sent = updates(gateway)
    assert [u["message"]["message"] for u in sent] == [whole(20)]
    clock.now += 5
    await flush_due(core)
    assert len(updates(gateway)) == 1  # nothing pending: nothing more


async def test_a_long_output_sends_at_most_one_update_per_interval(
    core: Core, world: Any, gateway: RecordingGateway, clock: FakeClock
) -> None:
    ext, app, _ = world
    core.settings_store.update({"messageUpdateIntervalMs": 1000})
    await request(core, app)
    for n in range(40):  # one stream every 0.25 s: 10 s of output
        await one_stream(core, ext, n)
        clock.now += 0.25
        await flush_due(core)
    clock.now += 1
    await flush_due(core)
    sent = updates(gateway)
    assert 5 <= len(sent) <= 11
    assert sent[-1]["message"]["message"] == whole(40)
    texts = [len(u["message"]["message"]) for u in sent]
    assert texts == sorted(texts)  # each carries the latest text


async def test_updates_are_spaced_by_the_interval(
    core: Core, world: Any, gateway: RecordingGateway, clock: FakeClock
) -> None:
    ext, app, _ = world
    await request(core, app)
    stamps: list[float] = []
    for n in range(30):  # one stream every 0.2 s
        await one_stream(core, ext, n)
        stamps += [clock.now] * (len(updates(gateway)) - len(stamps))
        clock.now += 0.2
        await flush_due(core)
        stamps += [clock.now] * (len(updates(gateway)) - len(stamps))
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert stamps and all(g >= 1.0 - 1e-9 for g in gaps), stamps


async def test_a_lone_later_end_after_a_quiet_interval_goes_out_at_once(
    core: Core, world: Any, gateway: RecordingGateway, clock: FakeClock
) -> None:
    ext, app, _ = world
    await request(core, app)
    await one_stream(core, ext, 0)
    clock.now += 2
    await one_stream(core, ext, 1)
    assert [u["message"]["message"] for u in updates(gateway)] == [whole(2)]


async def test_zero_interval_sends_every_update(
    core: Core, world: Any, gateway: RecordingGateway
) -> None:
    ext, app, _ = world
    core.settings_store.update({"messageUpdateIntervalMs": 0})
    await request(core, app)
    for n in range(5):
        await one_stream(core, ext, n)
    assert len(updates(gateway)) == 4


async def test_a_message_event_updates_are_throttled_too(
    core: Core, world: Any, gateway: RecordingGateway, clock: FakeClock
) -> None:
    ext, app, _ = world
    await request(core, app)
    for n in range(10):
        message = {"type": 0, "data": f"v{n}", "requestId": "r1", "outputId": "m"}
        assert await core.relay.message(ext, message) == {"status": "ok"}
    assert updates(gateway) == []
    clock.now += 0.5
    await flush_due(core)
    assert [u["message"]["message"] for u in updates(gateway)] == ["v9"]


async def test_a_cancelled_request_flushes_its_pending_update(
    core: Core, world: Any, gateway: RecordingGateway
) -> None:
    ext, app, _ = world
    await join(core, "ext2-sid", "st2", "SillyTavern")
    await request(core, app, target=["st", "st2"])  # st2 has not answered: still in flight
    relay = core.relay
    for n in range(3):
        await one_stream(core, ext, n)
    start = {"type": 1, "streamId": "open", "requestId": "r1", "outputId": "o"}
    await relay.stream_start(ext, start)  # still generating: the output is not complete
    assert updates(gateway) == []
    assert (await relay.cancel(app, {"requestId": "r1"}))["status"] == "ok"
    assert [u["message"]["message"] for u in updates(gateway)] == [whole(3)]


async def test_a_stop_flushes_pending_updates(
    core: Core, world: Any, gateway: RecordingGateway
) -> None:
    ext, app, _ = world
    await request(core, app)
    for n in range(3):
        await one_stream(core, ext, n)
    assert updates(gateway) == []
    await core.stop_background()
    assert [u["message"]["message"] for u in updates(gateway)] == [whole(3)]


async def test_an_extension_leaving_flushes_its_pending_update(
    core: Core, world: Any, gateway: RecordingGateway
) -> None:
    ext, app, _ = world
    await request(core, app)
    for n in range(3):
        await one_stream(core, ext, n)
    assert updates(gateway) == []
    await core.socket_closed("ext-sid")
    assert [u["message"]["message"] for u in updates(gateway)] == [whole(3)]


async def test_the_stored_response_always_has_the_latest_text(
    core: Core, world: Any, gateway: RecordingGateway
) -> None:
    ext, app, _ = world
    await request(core, app)
    for n in range(5):
        await one_stream(core, ext, n)
    assert updates(gateway) == []
    responses = [m for m in core.relay.history.messages("app") if m["kind"] == "response"]
    assert [m["message"] for m in responses] == [whole(5)]


async def test_an_open_stream_holds_the_update_until_the_interval(
    core: Core, world: Any, gateway: RecordingGateway, clock: FakeClock
) -> None:
    ext, app, _ = world
    await request(core, app)
    for n in range(3):
        await one_stream(core, ext, n)
    start = {"type": 1, "streamId": "open", "requestId": "r1", "outputId": "o"}
    await core.relay.stream_start(ext, start)  # more is coming: the output is not complete
    clock.now += 0.6
    await flush_due(core)
    assert updates(gateway) == []
    clock.now += 0.4  # one interval after the creation
    await flush_due(core)
    assert [u["message"]["message"] for u in updates(gateway)] == [whole(3)]


async def test_a_deleted_room_sends_no_pending_update(
    core: Core, world: Any, gateway: RecordingGateway, clock: FakeClock
) -> None:
    ext, app, _ = world
    await request(core, app)
    for n in range(3):
        await one_stream(core, ext, n)
    await core.relay.room_deleted("app")
    clock.now += 5
    await flush_due(core)
    assert updates(gateway) == []
