"""The relay on the core alone (PROTOCOL.md §7): attribution, reordering, RETRY/FAILED,
time-out and disconnect, with a recording gateway instead of sockets."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from newage_desktop.core.app import Core
from newage_desktop.core.auth.admission import Accepted, Handshake, admit, after_connect
from newage_desktop.core.registry import SocketInfo
from tests.core.conftest import RecordingGateway


async def join(core: Core, sid: str, client_id: str, client_type: str = "client") -> SocketInfo:
    await core.trust_client(client_id)
    key = await core.generate_key(client_id)
    auth = {"clientId": client_id, "key": key, "clientType": client_type}
    admission = await admit(core, Handshake(sid, "/llm", auth, "10.0.0.1", None))
    assert isinstance(admission, Accepted)
    await after_connect(core, admission)
    return admission.info


class Receiver:
    """Plays a JS socket.io-stream receiver for one recipient sid on the recording gateway."""

    def __init__(self, core: Core, gateway: RecordingGateway, sid: str) -> None:
        self.core, self.gateway, self.sid = core, gateway, sid
        self.seen = 0

    async def pump(self) -> None:
        """Read every announced stream and acknowledge every write, until nothing moves."""
        while True:
            moved = False
            events = [e for e in self.gateway.sent if e[0] == self.sid][self.seen :]
            self.seen += len(events)
            for _, _, event, args in events:
                if event in ("$stream", "$stream-write"):
                    ss_id = args[1]["$stream"] if event == "$stream" else args[0]
                    forward = self.core.relay.forward_of(self.sid, ss_id)
                    if forward is not None:
                        await forward.on_read()
                        moved = True
            while self.gateway.acks:
                self.gateway.acks.pop(0)()
                moved = True
            await asyncio.sleep(0)
            if not moved:
                return

    def text(self) -> str:
        writes = [
            a[1] for s, _, e, a in self.gateway.sent if s == self.sid and e == "$stream-write"
        ]
        return "".join(writes)

    def events(self, name: str) -> list[Any]:
        return [a for s, _, e, a in self.gateway.sent if s == self.sid and e == name]


@pytest.fixture
async def world(core: Core, gateway: RecordingGateway) -> tuple[SocketInfo, SocketInfo, Receiver]:
    ext = await join(core, "ext-sid", "st", "SillyTavern")
    app = await join(core, "app-sid", "app")
    return ext, app, Receiver(core, gateway, "app-sid")


async def request(core: Core, app: SocketInfo, request_id: str = "r1", **extra: Any) -> None:
    ack, plan = await core.relay.handle_request(
        app, {"requestId": request_id, "message": "hi", "target": "st", **extra}
    )
    assert ack["status"] == "ok", ack
    assert plan is not None
    await core.relay.forward(plan)


async def stream(
    core: Core, ext: SocketInfo, sid: str, chunks: list[tuple[int, str]], **start: Any
) -> None:
    relay = core.relay
    await relay.stream_start(ext, {"type": 1, "streamId": sid, **start})
    for index, text in chunks:
        await relay.stream_data(
            ext, {"streamId": sid, "chunkIndex": index, "data": text}, retry=False
        )
    await relay.stream_end(ext, {"type": 3, "streamId": sid})


async def test_attribution_by_output_and_oldest_unanswered(core: Core, world: Any) -> None:
    ext, app, receiver = world
    await request(core, app, "r1")
    await request(core, app, "r2")
    # no requestId: the oldest unanswered request; the outputId then binds later streams
    await stream(core, ext, "s1", [(0, "a")], outputId="o1")
    await stream(core, ext, "s2", [(0, "b")], outputId="o1")
    await stream(core, ext, "s3", [(0, "c")], outputId="o2")  # r1 answered: r2 is next
    await receiver.pump()
    metas = [args[2] for args in receiver.events("$stream")]
    assert [(m["requestId"], m["outputId"]) for m in metas] == [
        ("r1", "o1"),
        ("r1", "o1"),
        ("r2", "o2"),
    ]
    # different outputs may interleave; within an output the text is in order
    output_of = {args[1]["$stream"]: args[2]["outputId"] for args in receiver.events("$stream")}
    texts: dict[str, str] = {}
    for ss_id, chunk, _ in receiver.events("$stream-write"):
        texts[output_of[ss_id]] = texts.get(output_of[ss_id], "") + chunk
    assert texts == {"o1": "ab", "o2": "c"}


async def test_reordering_retry_and_gaps(core: Core, world: Any) -> None:
    ext, app, receiver = world
    await request(core, app)
    relay = core.relay
    await relay.stream_start(ext, {"type": 1, "streamId": "s", "requestId": "r1"})
    await receiver.pump()
    for index, text, retry in [(2, "C?", False), (2, "C", True), (1, "B", False), (0, "A", False),
                               (0, "dup", False), (4, "E", False)]:  # fmt: skip
        payload = {"streamId": "s", "chunkIndex": index, "data": text}
        assert (await relay.stream_data(ext, payload, retry=retry))["status"] == "ok"
        await receiver.pump()
    await relay.stream_end(ext, {"type": 3, "streamId": "s"})
    await receiver.pump()
    assert receiver.text() == "ABCE"
    assert len(receiver.events("$stream-end")) == 1


async def test_writes_wait_for_credit_and_coalesce(core: Core, world: Any) -> None:
    ext, app, receiver = world
    await request(core, app)
    await stream(core, ext, "s", [(0, "x"), (1, "y"), (2, "z")], requestId="r1")
    assert receiver.events("$stream-write") == []  # no $stream-read yet: nothing written
    await receiver.pump()
    assert [a[1] for a in receiver.events("$stream-write")] == ["xyz"]  # one coalesced write
    assert len(receiver.events("$stream-end")) == 1


async def test_failed_stream_aborts_with_its_message(core: Core, world: Any) -> None:
    ext, app, receiver = world
    await request(core, app)
    await core.relay.stream_start(ext, {"type": 1, "streamId": "s", "requestId": "r1"})
    await core.relay.stream_failed(ext, {"streamId": "s", "data": "model crashed"})
    assert [a[1] for a in receiver.events("$stream-error")] == ["model crashed"]
    await core.relay.stream_start(ext, {"type": 1, "streamId": "t", "requestId": "r1"})
    await core.relay.stream_failed(ext, {"streamId": "t"})
    assert [a[1] for a in receiver.events("$stream-error")][-1] == "Stream failed."


async def test_timeout_fails_the_request(core: Core, world: Any, gateway: RecordingGateway) -> None:
    ext, app, receiver = world
    clock = [1000.0]
    core.clock = lambda: clock[0]
    await request(core, app)
    await core.relay.stream_start(ext, {"type": 1, "streamId": "s", "requestId": "r1"})
    clock[0] += core.settings.request_timeout_ms / 1000 + 1
    await core.relay.sweep()
    errors = [d for s, _, e, d in gateway.sent if s == "app-sid" and e == "ERROR"]
    assert errors == [{"type": "ERROR", "message": "Request timed out.", "requestId": "r1"}]
    statuses = [d["status"] for s, _, e, d in gateway.sent if e == "REQUEST_STATUS_UPDATE"]
    assert statuses == ["failed"]
    assert [a[1] for a in receiver.events("$stream-error")] == ["Request timed out."]
    assert core.relay.requests == {}


async def test_extension_disconnect_fails_its_requests(
    core: Core, world: Any, gateway: RecordingGateway
) -> None:
    ext, app, receiver = world
    await request(core, app)
    await core.relay.stream_start(ext, {"type": 1, "streamId": "s", "requestId": "r1"})
    await core.socket_closed("ext-sid")
    errors = [d for s, _, e, d in gateway.sent if s == "app-sid" and e == "ERROR"]
    assert errors == [
        {"type": "ERROR", "message": "Extension disconnected.", "requestId": "r1", "target": "st"}
    ]
    assert [a[1] for a in receiver.events("$stream-error")] == ["Extension disconnected."]
    statuses = [d["status"] for s, _, e, d in gateway.sent if e == "REQUEST_STATUS_UPDATE"]
    assert statuses == ["failed"]


async def test_one_response_per_output_updated_in_place(core: Core, world: Any) -> None:
    ext, app, _receiver = world
    await request(core, app)
    await stream(core, ext, "s1", [(0, "ab")], requestId="r1", outputId="o")
    await stream(core, ext, "s2", [(0, "cd")], requestId="r1", outputId="o")
    messages = core.relay.history.messages("app")
    assert [m["kind"] for m in messages] == ["request", "response"]
    assert messages[1]["message"] == "abcd" and "updatedAt" in messages[1]


async def test_a_later_stream_of_an_output_waits_for_the_earlier_one(
    core: Core, world: Any
) -> None:
    """§7.10 rule 3: no write of a later stream before the earlier stream of the output ended."""
    ext, app, receiver = world
    await request(core, app)
    relay = core.relay
    for sid in ("s1", "s2"):
        await relay.stream_start(
            ext, {"type": 1, "streamId": sid, "requestId": "r1", "outputId": "o"}
        )
    await receiver.pump()
    await relay.stream_data(ext, {"streamId": "s2", "chunkIndex": 0, "data": "world"}, retry=False)
    await receiver.pump()
    assert receiver.text() == ""  # s2 is held back while s1 is open
    await relay.stream_data(ext, {"streamId": "s1", "chunkIndex": 0, "data": "hello "}, retry=False)
    await relay.stream_end(ext, {"type": 3, "streamId": "s1"})
    await relay.stream_end(ext, {"type": 3, "streamId": "s2"})
    await receiver.pump()
    assert receiver.text() == "hello world"
    order = [
        e for s, _, e, _ in receiver.gateway.sent if s == "app-sid" and e.startswith("$stream-")
    ]
    assert order.index("$stream-end") < order.index(
        "$stream-write", order.index("$stream-write") + 1
    )


async def test_a_final_end_completes_the_output(core: Core, world: Any) -> None:
    """§7.5: after `final: true` later streams of that outputId are ignored (`Unknown stream.`)
    and the response keeps the text it had at the final END (§7.8)."""
    ext, app, receiver = world
    await request(core, app)
    relay = core.relay
    start = {"type": 1, "requestId": "r1", "outputId": "o"}
    await relay.stream_start(ext, {**start, "streamId": "s1"})
    await relay.stream_data(ext, {"streamId": "s1", "chunkIndex": 0, "data": "all"}, retry=False)
    assert await relay.stream_end(ext, {"type": 3, "streamId": "s1", "final": True}) == {
        "status": "ok"
    }
    unknown = {"status": "error", "message": "Unknown stream."}
    assert await relay.stream_start(ext, {**start, "streamId": "s2"}) == unknown
    assert await relay.stream_start(ext, {**start, "streamId": "s3", "requestId": None}) == unknown
    payload = {"streamId": "s2", "chunkIndex": 0, "data": "more"}
    assert await relay.stream_data(ext, payload, retry=False) == unknown
    message = {"type": 0, "data": "replaced", "requestId": "r1", "outputId": "o"}
    assert await relay.message(ext, message) == unknown
    await receiver.pump()
    assert len(receiver.events("$stream")) == 1 and receiver.text() == "all"
    responses = [m for m in relay.history.messages("app") if m["kind"] == "response"]
    assert [m["message"] for m in responses] == ["all"]


async def test_without_final_later_streams_extend_the_output(core: Core, world: Any) -> None:
    """Extensions that never say `final` (upstream's) keep extending the response; `final`
    other than `true` is no final."""
    ext, app, receiver = world
    await request(core, app)
    relay = core.relay
    for sid, text, final in [("s1", "a", None), ("s2", "b", False), ("s3", "c", "yes")]:
        start = {"type": 1, "streamId": sid, "requestId": "r1", "outputId": "o"}
        assert await relay.stream_start(ext, start) == {"status": "ok"}
        await relay.stream_data(ext, {"streamId": sid, "chunkIndex": 0, "data": text}, retry=False)
        await relay.stream_end(ext, {"type": 3, "streamId": sid, "final": final})
    await receiver.pump()
    assert receiver.text() == "abc"
    responses = [m for m in relay.history.messages("app") if m["kind"] == "response"]
    assert [m["message"] for m in responses] == ["abc"]
