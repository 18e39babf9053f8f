"""Bad input on the relay's events: error answers or silence, never a crash or lost history."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from newage_desktop.client import NewAgeClient
from newage_desktop.core.store.datadir import DataDir
from newage_desktop.transport.server import RelayServer
from tests.server.conftest import Client, provision
from tests.server.emulated import EmulatedExtension

GARBAGE: list[Any] = [5, "text", [1, 2], True, {"streamId": 7}, {"type": "1"}, {"data": None}]
STREAM_EVENTS = [
    "CLIENT_STREAM_START",
    "CLIENT_STREAM_DATA_FIRST",
    "CLIENT_STREAM_DATA_MIDDLE",
    "CLIENT_STREAM_DATA_LAST",
    "CLIENT_STREAM_DATA_RETRY",
    "CLIENT_STREAM_DATA_FAILED",
    "CLIENT_STREAM_END",
    "message",
]


@pytest.fixture
async def setup(server: RelayServer, datadir: DataDir) -> Any:
    ext = EmulatedExtension(server.url, "st", provision(datadir, "st") or "")
    await ext.connect()
    app = NewAgeClient(server.url, client_id="app", key=provision(datadir, "app") or "", linger=0.1)
    await app.connect()
    reply = await app.request("keep me", target="st")
    assert await asyncio.wait_for(reply.text(), 10) == ext.text
    # Another extension: the newest /llm socket of "st" itself would receive st's requests.
    raw = Client(server.url)
    await raw.connect(
        ["/llm"], {"clientId": "st2", "key": provision(datadir, "st2"), "clientType": "SillyTavern"}
    )
    yield server, ext, app, raw
    await raw.close()
    await app.close()
    await ext.close()


async def test_extension_events_with_garbage_get_error_acks(setup: Any) -> None:
    server, ext, app, raw = setup
    for event in STREAM_EVENTS:
        for payload in GARBAGE:
            answer = await raw.call("/llm", event, payload)
            assert isinstance(answer, dict) and answer["status"] == "error", (
                event,
                payload,
                answer,
            )
    unknown = await raw.call(
        "/llm",
        "CLIENT_STREAM_DATA_FIRST",
        {"type": 4, "streamId": "nope", "chunkIndex": 0, "data": "x"},
    )
    assert unknown == {"status": "error", "message": "Unknown stream."}
    orphan = await raw.call(
        "/llm", "CLIENT_STREAM_START", {"type": 1, "streamId": "s", "requestId": "x"}
    )
    assert orphan == {"status": "error", "message": "No matching request."}
    bad_index = await raw.call(
        "/llm",
        "CLIENT_STREAM_DATA_FIRST",
        {"type": 4, "streamId": "s", "chunkIndex": -1, "data": "x"},
    )
    assert bad_index == {"status": "error", "message": "Invalid stream event."}
    # the server is still up, and the history is intact
    reply = await app.request("again", target="st")
    assert await asyncio.wait_for(reply.text(), 10) == ext.text
    kinds = [m["kind"] for m in server.core.relay.history.messages("app")]
    assert kinds == ["request", "response", "request", "response"]


async def test_client_events_with_garbage(setup: Any) -> None:
    server, _ext, app, _raw = setup
    for payload in [5, "x", [1], {"requestId": ""}, {"requestId": "r", "message": 5},
                    {"requestId": "r", "target": 5}, {"requestId": "r", "target": []},
                    {"requestId": "r", "requestType": "nope"}, {"requestId": "r" * 257},
                    {"requestId": "r", "targetRoom": 5}]:  # fmt: skip
        answer = await app.call("/llm", "LLM_REQUEST", payload)
        assert answer == {"status": "error", "message": "Invalid LLM request data."}, payload
    for payload in [5, {}, {"roomName": 5}, {"roomName": "nowhere"}]:
        answer = await app.call("/llm", "GET_FULL_CONTEXT", payload)
        assert answer["status"] == "error", payload
    # stream control for unknown ids is ignored; a client-to-server write is refused
    await app.sio.emit("$stream-read", ("nope", 16384), namespace="/llm")
    await app.sio.emit("$stream-end", "nope", namespace="/llm")
    assert await app.call("/llm", "$stream-write", None) == "invalid stream id: None"
    answer = await app.call("/llm", "WATCH_ROOM", {"roomName": "app"})
    assert answer == {"status": "error", "message": "Unauthorized"}
    assert len(server.core.relay.history.messages("app")) == 2


async def test_oversized_extension_message_drops_only_that_connection(setup: Any) -> None:
    _server, ext, app, raw = setup
    gone = asyncio.Event()
    raw.sio.on("disconnect", lambda *a: gone.set(), namespace="/llm")
    await raw.sio.emit("message", {"type": 0, "data": "x" * (2 * 1024 * 1024)}, namespace="/llm")
    await asyncio.wait_for(gone.wait(), 5)
    reply = await app.request("still there?", target="st")
    assert await asyncio.wait_for(reply.text(), 10) == ext.text
