"""The LLM relay end to end (PROTOCOL.md §7, §8) with the Python SDK as the receiver."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from newage_desktop.client import NewAgeClient, NewAgeError
from newage_desktop.core.rooms.store import RoomStore
from newage_desktop.core.store.datadir import DataDir
from newage_desktop.transport.server import RelayServer
from tests.server.conftest import Client, provision, write_settings
from tests.server.emulated import EmulatedExtension

Factory = Callable[..., Awaitable[Any]]


@pytest.fixture
async def world(server: RelayServer, datadir: DataDir) -> AsyncIterator[dict[str, Factory]]:
    """Factories for extensions and SDK clients on the running server, closed at the end."""
    opened: list[Any] = []

    async def extension(client_id: str = "st", **kw: Any) -> EmulatedExtension:
        key = provision(datadir, client_id)
        assert key is not None
        ext = EmulatedExtension(server.url, client_id, key, **kw)
        await ext.connect()
        opened.append(ext)
        return ext

    async def client(client_id: str = "app", **kw: Any) -> NewAgeClient:
        key = provision(datadir, client_id)
        assert key is not None
        c = NewAgeClient(server.url, client_id=client_id, key=key, linger=0.2, **kw)
        await c.connect()
        opened.append(c)
        return c

    yield {"extension": extension, "client": client}
    for thing in opened:
        await thing.close()


async def test_streamed_reply_arrives_in_order(world: dict[str, Factory]) -> None:
    ext = await world["extension"](tokens=list("Bonjour 世界, ça va?"), batch=5)
    app = await world["client"]()
    reply = await app.request("Say hello", target="st")
    assert reply.ack is not None
    assert reply.ack["disposition"] == "forwarded" and reply.ack["targets"] == ["st"]
    assert await asyncio.wait_for(reply.text(), 10) == ext.text
    assert reply.status == "completed"
    forwarded = ext.requests[0]
    assert forwarded["message"] == "Say hello" and forwarded["target"] == "st"
    assert forwarded["requestingIdentity"] == "app" and forwarded["targetRoom"] == "app"
    assert forwarded["currentRequest"]["kind"] == "request"


async def test_attribution_without_request_id(world: dict[str, Factory]) -> None:
    ext = await world["extension"](send_request_id=False)
    app = await world["client"]()
    reply = await app.request("hi")  # default target: the room's first assigned extension
    assert await asyncio.wait_for(reply.text(), 10) == ext.text


async def test_ten_concurrent_requests_each_get_their_own_text(world: dict[str, Factory]) -> None:
    await world["extension"](tokens=[f"t{i} " for i in range(23)], batch=4)
    clients = [await world["client"](f"app{i}") for i in range(10)]
    replies = await asyncio.gather(
        *(c.request(f"q{i}", target="st") for i, c in enumerate(clients))
    )
    texts = await asyncio.wait_for(asyncio.gather(*(r.text() for r in replies)), 20)
    assert texts == ["".join(f"t{i} " for i in range(23))] * 10


async def test_non_stream_message_reply(world: dict[str, Factory]) -> None:
    ext = await world["extension"](mode="message")
    app = await world["client"]()
    reply = await app.request("hi", target="st")
    assert await asyncio.wait_for(reply.text(), 10) == ext.text


async def test_request_refusals(world: dict[str, Factory]) -> None:
    app = await world["client"]()
    with pytest.raises(NewAgeError, match=r"No extension available for this room\."):
        await app.request("hi")
    with pytest.raises(NewAgeError, match=r"Target extension ghost is not connected\."):
        await app.request("hi", target="ghost")
    with pytest.raises(NewAgeError, match=r"Invalid or unauthorized target room\."):
        await app.request("hi", target_room="nowhere")
    answer = await app.call("/llm", "LLM_REQUEST", {"requestId": 5})
    assert answer == {"status": "error", "message": "Invalid LLM request data."}


async def test_duplicate_request_id_in_flight(world: dict[str, Factory]) -> None:
    await world["extension"](mode="silent")
    app = await world["client"]()
    await app.request("one", target="st", request_id="same")
    with pytest.raises(NewAgeError, match=r"Duplicate requestId\."):
        await app.request("two", target="st", request_id="same")


async def test_extension_disconnect_mid_stream_fails_the_reply(world: dict[str, Factory]) -> None:
    ext = await world["extension"](mode="silent")
    app = await world["client"]()
    reply = await app.request("hi", target="st")
    await asyncio.sleep(0.1)
    request_id = ext.requests[0]["requestId"]
    await ext.emit("CLIENT_STREAM_START", {"type": 1, "streamId": "s1", "requestId": request_id})
    await ext.emit(
        "CLIENT_STREAM_DATA_FIRST", {"type": 4, "streamId": "s1", "chunkIndex": 0, "data": "par"}
    )
    await asyncio.sleep(0.1)
    await ext.close()
    with pytest.raises(NewAgeError, match=r"Extension disconnected\."):
        await asyncio.wait_for(reply.text(), 10)
    assert reply.outputs and next(iter(reply.outputs.values())) == "par"


async def test_chunks_are_reordered_and_retry_replaces_waiting(world: dict[str, Factory]) -> None:
    ext = await world["extension"](mode="silent")
    app = await world["client"]()
    reply = await app.request("hi", target="st")
    await asyncio.sleep(0.1)
    rid = ext.requests[0]["requestId"]
    e = ext.emit
    await e("CLIENT_STREAM_START", {"type": 1, "streamId": "s", "requestId": rid, "outputId": "o"})
    await e(
        "CLIENT_STREAM_DATA_MIDDLE", {"type": 5, "streamId": "s", "chunkIndex": 2, "data": "C?"}
    )
    await e("CLIENT_STREAM_DATA_RETRY", {"type": 7, "streamId": "s", "chunkIndex": 2, "data": "C"})
    await e("CLIENT_STREAM_DATA_MIDDLE", {"type": 5, "streamId": "s", "chunkIndex": 1, "data": "B"})
    await e("CLIENT_STREAM_DATA_FIRST", {"type": 4, "streamId": "s", "chunkIndex": 0, "data": "A"})
    await e(
        "CLIENT_STREAM_DATA_MIDDLE", {"type": 5, "streamId": "s", "chunkIndex": 0, "data": "dup"}
    )
    await e("CLIENT_STREAM_DATA_LAST", {"type": 6, "streamId": "s", "chunkIndex": 4, "data": "E"})
    await e("CLIENT_STREAM_END", {"type": 3, "streamId": "s"})  # index 3 never came: skipped
    assert await asyncio.wait_for(reply.text(), 10) == "ABCE"


async def test_history_records_one_response_per_output(
    world: dict[str, Factory], server: RelayServer
) -> None:
    ext = await world["extension"](tokens=list("abcdefgh"), batch=3)
    app = await world["client"]()
    reply = await app.request("hi", target="st")
    assert await asyncio.wait_for(reply.text(), 10) == "abcdefgh"
    messages = server.core.relay.history.messages("app")
    kinds = [m["kind"] for m in messages]
    assert kinds == ["request", "response"]
    assert messages[1]["message"] == messages[1]["data"] == "abcdefgh"
    assert messages[1]["identity"] == "st" and messages[1]["isResponse"] is True
    assert len(ext.requests) == 1


async def test_request_timeout(datadir: DataDir) -> None:
    write_settings(datadir, requestTimeoutMs=300)
    srv = RelayServer(datadir, host="127.0.0.1", port=0)
    await srv.start()
    ext = EmulatedExtension(srv.url, "st", provision(datadir, "st") or "", mode="silent")
    app = NewAgeClient(srv.url, client_id="app", key=provision(datadir, "app") or "", linger=0.1)
    try:
        await ext.connect()
        await app.connect()
        reply = await app.request("hi", target="st")
        with pytest.raises(NewAgeError, match=r"Request timed out\."):
            await asyncio.wait_for(reply.text(), 10)
        assert reply.status == "failed"
    finally:
        await ext.close()
        await app.close()
        await srv.stop()


async def test_a_receiver_that_never_reads_is_bounded(datadir: DataDir) -> None:
    write_settings(datadir, streamMaxPendingBytes=2000)
    srv = RelayServer(datadir, host="127.0.0.1", port=0)
    await srv.start()
    tokens = ["x" * 100] * 50
    ext = EmulatedExtension(srv.url, "st", provision(datadir, "st") or "", tokens=tokens, batch=50)
    lazy = Client(srv.url)
    lazy.queue("/llm", "$stream-error")
    try:
        await ext.connect()
        await lazy.connect(["/llm"], {"clientId": "lazy", "key": provision(datadir, "lazy")})
        got: asyncio.Queue[Any] = asyncio.Queue()
        lazy.sio.on("$stream-error", lambda *a: got.put_nowait(a), namespace="/llm")
        await lazy.call("/llm", "LLM_REQUEST", {"requestId": "r1", "message": "hi", "target": "st"})
        _ss_id, message = await asyncio.wait_for(got.get(), 10)
        assert message == "Receiver too slow."
        assert srv.core.relay.forwards == {}  # nothing kept for it
    finally:
        await ext.close()
        await lazy.close()
        await srv.stop()


async def test_connection_test_is_echoed(world: dict[str, Factory]) -> None:
    app = await world["client"]()
    got: asyncio.Queue[Any] = asyncio.Queue()
    app.sio.on("message", lambda d: got.put_nowait(d), namespace="/llm")
    await app.sio.emit(
        "message", {"type": 0, "data": "Connection active?", "requestId": "c1"}, namespace="/llm"
    )
    echo = await asyncio.wait_for(got.get(), 5)
    assert echo["data"] == "Yes,connection is fine." and echo["requestId"] == "c1"
    assert echo["source"] == "server" and echo["outputId"]


async def test_deleting_a_room_fails_its_streams(
    world: dict[str, Factory], server: RelayServer, datadir: DataDir
) -> None:
    ext = await world["extension"](mode="silent")
    boss_key = provision(datadir, "admin", monitor=True)
    boss = NewAgeClient(server.url, client_id="admin", key=boss_key or "", client_type="monitor")
    await boss.connect()
    try:
        assert (await boss.call("/rooms", "CREATE_ROOM", {"roomName": "lobby"}))["status"] == "ok"
        reply = await boss.request("hi", target="st", target_room="lobby")
        await asyncio.sleep(0.1)
        rid = ext.requests[0]["requestId"]
        await ext.emit("CLIENT_STREAM_START", {"type": 1, "streamId": "s", "requestId": rid})
        await ext.emit(
            "CLIENT_STREAM_DATA_FIRST", {"type": 4, "streamId": "s", "chunkIndex": 0, "data": "a"}
        )
        await asyncio.sleep(0.1)
        assert await boss.call("/rooms", "DELETE_ROOM", {"roomName": "lobby"}) == {"status": "ok"}
        with pytest.raises(NewAgeError, match=r"Room deleted\."):
            await asyncio.wait_for(reply.text(), 10)
        assert server.core.relay.requests == {}
    finally:
        await boss.close()


async def test_response_updates_are_stored_soon_and_on_shutdown(
    world: dict[str, Factory], server: RelayServer, datadir: DataDir
) -> None:
    ext = await world["extension"](tokens=list("abcdefghij"), batch=2)  # five stream ends
    app = await world["client"]()
    reply = await app.request("hi", target="st")
    assert await asyncio.wait_for(reply.text(), 10) == ext.text
    store = server.core.relay.history.store
    await asyncio.sleep(0.5)  # updates are written at most 0.25 s after they happen
    assert store.messages("app")[-1]["message"] == ext.text
    reply = await app.request("again", target="st")
    assert await asyncio.wait_for(reply.text(), 10) == ext.text
    server.core.close()  # what a stop does: nothing pending is lost
    reopened = RoomStore.open(datadir.chat_db_file)
    try:
        assert [m["message"] for m in reopened.messages("app")][-1] == ext.text
    finally:
        reopened.close()
    server.core.open()
