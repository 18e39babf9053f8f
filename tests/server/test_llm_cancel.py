"""CANCEL_REQUEST (PROTOCOL.md §7.14) and `final` ends (§7.5) over real sockets, with the Python
SDK and raw python-socketio clients as requesters and an emulated extension."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from newage_desktop.client import NewAgeClient, NewAgeError
from newage_desktop.core.store.datadir import DataDir
from newage_desktop.transport.server import RelayServer
from tests.server.conftest import Client, provision
from tests.server.emulated import EmulatedExtension

LLM = "/llm"
NOT_FOUND = {"status": "error", "message": "Request not found."}
INVALID = {"status": "error", "message": "Invalid payload."}


def cancelled(request_id: str) -> dict[str, Any]:
    return {"type": "ERROR", "message": "Request cancelled.", "requestId": request_id}


async def until(predicate: Callable[[], bool], timeout: float = 5) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


@pytest.fixture
async def ext(server: RelayServer, datadir: DataDir) -> AsyncIterator[EmulatedExtension]:
    extension = EmulatedExtension(server.url, "st", provision(datadir, "st") or "", mode="silent")
    await extension.connect()
    yield extension
    await extension.close()


@pytest.fixture
async def app(server: RelayServer, datadir: DataDir) -> AsyncIterator[NewAgeClient]:
    key = provision(datadir, "app") or ""
    client = NewAgeClient(server.url, client_id="app", key=key, linger=0.2)
    await client.connect()
    yield client
    await client.close()


async def test_cancel_mid_stream_with_the_sdk(
    server: RelayServer, ext: EmulatedExtension, app: NewAgeClient
) -> None:
    reply = await app.request("hi", target="st")
    await until(lambda: bool(ext.requests))
    rid = reply.request_id
    await ext.emit("CLIENT_STREAM_START", {"type": 1, "streamId": "s1", "requestId": rid})
    await ext.emit(
        "CLIENT_STREAM_DATA_FIRST", {"type": 4, "streamId": "s1", "chunkIndex": 0, "data": "par"}
    )
    await until(lambda: reply.outputs.get("s1") == "par")

    await reply.cancel()

    with pytest.raises(NewAgeError, match=r"Request cancelled\."):
        await asyncio.wait_for(reply.text(), 10)
    assert reply.status == "failed"
    await until(lambda: "CANCEL_REQUEST" in ext.received)
    assert ext.received["CANCEL_REQUEST"] == [{"requestId": rid}]
    with pytest.raises(NewAgeError, match=r"Request not found\."):
        await app.cancel(rid)
    # the extension ends its stream as it stops: the request is gone (§7.14)
    late = await ext.sio.call("CLIENT_STREAM_END", {"type": 3, "streamId": "s1"}, namespace=LLM)
    assert late == {"status": "error", "message": "No matching request."}
    again = {"type": 1, "streamId": "s2", "requestId": rid}
    late = await ext.sio.call("CLIENT_STREAM_START", again, namespace=LLM)
    assert late == {"status": "error", "message": "No matching request."}
    messages = server.core.relay.history.messages("app")
    assert [(m["kind"], m["requestId"]) for m in messages] == [("request", rid)]
    assert server.core.relay.requests == {} and server.core.relay.forwards == {}


async def test_cancel_before_any_output(ext: EmulatedExtension, app: NewAgeClient) -> None:
    reply = await app.request("hi", target="st")
    await app.cancel(reply.request_id)
    with pytest.raises(NewAgeError, match=r"Request cancelled\."):
        await asyncio.wait_for(reply.text(), 10)
    await until(lambda: "CANCEL_REQUEST" in ext.received)


async def test_acks_permission_and_who_gets_the_error(
    ext: EmulatedExtension,
    datadir: DataDir,
    make_client: Callable[..., Awaitable[Client]],
) -> None:
    watch = ((LLM, "ERROR"), (LLM, "REQUEST_STATUS_UPDATE"))
    app_key = provision(datadir, "app")
    tab1 = await make_client([LLM], {"clientId": "app", "key": app_key}, subscribe=watch)
    tab2 = await make_client([LLM], {"clientId": "app", "key": app_key}, subscribe=watch)
    other = await make_client(
        [LLM], {"clientId": "other", "key": provision(datadir, "other")}, subscribe=watch
    )
    boss_auth = {
        "clientId": "boss",
        "key": provision(datadir, "boss", monitor=True),
        "clientType": "monitor",
    }
    boss = await make_client([LLM], boss_auth, subscribe=watch)

    for payload in ("r1", [1], {}, {"requestId": ""}, {"requestId": 1}):
        assert await tab1.call(LLM, "CANCEL_REQUEST", payload) == INVALID
    assert await tab1.call(LLM, "CANCEL_REQUEST") == INVALID  # no payload is `{}` (§2.2)
    assert await tab1.call(LLM, "CANCEL_REQUEST", {"requestId": "r1"}) == NOT_FOUND

    request = {"requestId": "r1", "message": "hi", "target": "st"}
    assert (await tab1.call(LLM, "LLM_REQUEST", request))["status"] == "ok"
    denied = await other.call(LLM, "CANCEL_REQUEST", {"requestId": "r1"})
    assert denied == {"status": "error", "message": "Permission denied."}
    ok = await tab1.call(LLM, "CANCEL_REQUEST", {"requestId": "r1"})
    assert ok == {"status": "ok", "requestId": "r1"}
    assert await tab2.next(LLM, "ERROR") == cancelled("r1")
    for tab in (tab1, tab2):
        status = await tab.next(LLM, "REQUEST_STATUS_UPDATE")
        assert status["requestId"] == "r1" and status["status"] == "failed"

    # An admin cancels anyone's request; every requester socket is told.
    request = {**request, "requestId": "r2"}
    assert (await tab1.call(LLM, "LLM_REQUEST", request))["status"] == "ok"
    ok = await boss.call(LLM, "CANCEL_REQUEST", {"requestId": "r2"})
    assert ok == {"status": "ok", "requestId": "r2"}
    assert await tab1.next(LLM, "ERROR") == cancelled("r2")
    assert await tab2.next(LLM, "ERROR") == cancelled("r2")

    # Without an ack a failure arrives as ERROR (§2.2 rule 3).
    await other.sio.emit("CANCEL_REQUEST", {"requestId": "r2"}, namespace=LLM)
    assert await other.next(LLM, "ERROR") == {"type": "ERROR", "message": "Request not found."}
    await until(lambda: len(ext.received.get("CANCEL_REQUEST", [])) == 2)
    assert ext.received["CANCEL_REQUEST"] == [{"requestId": "r1"}, {"requestId": "r2"}]
    await asyncio.sleep(0.2)
    for quiet in (tab1.queue(LLM, "ERROR"), boss.queue(LLM, "ERROR")):
        assert quiet.empty()  # not the socket that cancelled, nor the admin


async def test_streams_after_a_final_end_are_unknown(
    server: RelayServer, ext: EmulatedExtension, app: NewAgeClient
) -> None:
    reply = await app.request("hi", target="st")
    await until(lambda: bool(ext.requests))
    rid = reply.request_id

    async def send(event: str, payload: dict[str, Any]) -> Any:
        return await ext.sio.call(event, payload, namespace=LLM)

    start = {"type": 1, "requestId": rid, "outputId": "o"}
    assert await send("CLIENT_STREAM_START", {**start, "streamId": "s1"}) == {"status": "ok"}
    data = {"type": 4, "streamId": "s1", "chunkIndex": 0, "data": "whole"}
    assert await send("CLIENT_STREAM_DATA_FIRST", data) == {"status": "ok"}
    end = {"type": 3, "streamId": "s1", "final": True}
    assert await send("CLIENT_STREAM_END", end) == {"status": "ok"}
    assert await send("CLIENT_STREAM_START", {**start, "streamId": "s2"}) == {
        "status": "error",
        "message": "Unknown stream.",
    }
    assert await asyncio.wait_for(reply.text(), 10) == "whole"
    assert reply.status == "completed"
    responses = [m for m in server.core.relay.history.messages("app") if m["kind"] == "response"]
    assert [m["message"] for m in responses] == ["whole"]
