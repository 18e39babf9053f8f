"""Payloads are bounded at the edge (PROTOCOL.md §2.2 rule 6a), before they are stored or relayed.

A value nested too deep, a float that is not finite, or a stored field too large is refused with
the event's own validation string; nothing is recorded, and the room keeps working. Deep values
are sent as raw Socket.IO packets: python-socketio's own client cannot encode them (its binary
check recurses), which is exactly what broke the server's later emits when such a value was stored.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import engineio
import pytest

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.transport.server import RelayServer
from tests.server.conftest import Client, provision, refusal
from tests.server.emulated import EmulatedExtension

INVALID_LLM = {"status": "error", "message": "Invalid LLM request data."}
INVALID = {"status": "error", "message": "Invalid payload."}
INVALID_CALL = {"requestId": None, "success": False, "error": {"message": "Invalid function call."}}
INVALID_AUTH = {
    "message": "Invalid auth data.",
    "data": {"type": "ERROR", "message": "Invalid auth data."},
}


def nest(depth: int, leaf: Any = "leaf") -> Any:
    """A value `depth` containers deep (lists and objects in turn), `leaf` at the bottom."""
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


def nest_text(depth: int) -> str:
    """JSON text `depth` arrays deep, built as text (too deep for any recursive encoder)."""
    return "[" * depth + '"leaf"' + "]" * depth


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    bad = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not bad, [r.getMessage() for r in bad]


async def raw_call(client: Client, namespace: str, event: str, payload_json: str) -> Any:
    """Emit `event` with a payload given as JSON text, with an ack; return the ack's argument."""
    answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    ack_id = client.sio._generate_ack_id(
        namespace, lambda *a: answer.set_result(a[0] if a else None)
    )
    await client.sio.eio.send(f"2{namespace},{ack_id}[{json.dumps(event)},{payload_json}]")
    return await asyncio.wait_for(answer, 10)


@pytest.fixture
async def room(server: RelayServer, datadir: DataDir, make_client: Any) -> Any:
    """An extension `st` and a client `app` whose personal room forwards to it."""
    ext = EmulatedExtension(server.url, "st", provision(datadir, "st") or "", mode="silent")
    await ext.connect()
    app = await make_client(
        ["/llm", "/rooms", "/clients", "/function_call"],
        {"clientId": "app", "key": provision(datadir, "app")},
        subscribe=(("/llm", "ERROR"), ("/rooms", "ERROR")),
    )
    yield ext, app
    await ext.close()


async def forwarded(ext: EmulatedExtension, count: int) -> list[dict[str, Any]]:
    for _ in range(500):
        if len(ext.requests) >= count:
            return ext.requests
        await asyncio.sleep(0.01)
    raise AssertionError(f"the extension got {len(ext.requests)} requests, not {count}")


def recorded(server: RelayServer, room: str = "app") -> list[str]:
    return [m.get("requestId") for m in server.core.relay.history.messages(room)]


async def assert_room_works(server: RelayServer, ext: EmulatedExtension, app: Client) -> None:
    """A later request is forwarded, with the room's context, and recorded."""
    before = len(ext.requests)
    answer = await app.call("/llm", "LLM_REQUEST", {"requestId": "later", "message": "still here?"})
    assert answer["status"] == "ok", answer
    request = (await forwarded(ext, before + 1))[-1]
    assert request["requestId"] == "later"
    assert [m["requestId"] for m in request["context"]][-1] == "later"
    assert "later" in recorded(server)


# --- LLM_REQUEST --------------------------------------------------------------------------------
async def test_llm_request_one_level_too_deep_is_invalid_and_not_recorded(
    server: RelayServer, room: Any, caplog: pytest.LogCaptureFixture
) -> None:
    ext, app = room
    payload = {"requestId": "deep", "message": "hi", "extra": nest(32)}  # 33 with the payload
    assert await app.call("/llm", "LLM_REQUEST", payload) == INVALID_LLM
    notice = await app.next("/llm", "ERROR")
    assert notice == {"type": "ERROR", "message": "Invalid LLM request data.", "requestId": "deep"}
    assert "deep" not in recorded(server) and not server.core.relay.requests
    await assert_room_works(server, ext, app)
    no_tracebacks(caplog)


async def test_llm_request_at_the_depth_limit_is_forwarded_intact(
    server: RelayServer, room: Any
) -> None:
    ext, app = room
    payload = {"requestId": "edge", "message": "hi", "extra": nest(31)}  # 32 with the payload
    answer = await app.call("/llm", "LLM_REQUEST", payload)
    assert answer["status"] == "ok", answer
    request = (await forwarded(ext, 1))[0]
    assert request["currentRequest"]["extra"] == nest(31)
    assert request["context"][-1]["extra"] == nest(31)
    await assert_room_works(server, ext, app)


@pytest.mark.parametrize("depth", [33, 490, 2000, 100_000])
async def test_deep_llm_request_is_refused_and_the_room_keeps_working(
    server: RelayServer, room: Any, depth: int, caplog: pytest.LogCaptureFixture
) -> None:
    ext, app = room
    ok = await app.call("/llm", "LLM_REQUEST", {"requestId": "first", "message": "before"})
    assert ok["status"] == "ok", ok
    payload = f'{{"requestId":"poison","message":"hi","extra":{nest_text(depth - 1)}}}'
    assert await raw_call(app, "/llm", "LLM_REQUEST", payload) == INVALID_LLM
    notice = await app.next("/llm", "ERROR")
    assert notice["message"] == "Invalid LLM request data."
    assert "poison" not in recorded(server)
    await assert_room_works(server, ext, app)
    no_tracebacks(caplog)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400", '[1,{"x":-1e999}]'])
async def test_non_finite_numbers_are_invalid(
    server: RelayServer, room: Any, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Not JSON, but Python's parser reads them; stored, they would go out as `NaN` (orjson
    # writes null, the standard library's fallback `NaN`), which JSON.parse refuses.
    ext, app = room
    payload = f'{{"requestId":"nan","message":"hi","score":{value}}}'
    assert await raw_call(app, "/llm", "LLM_REQUEST", payload) == INVALID_LLM
    assert "nan" not in recorded(server)
    assert (
        await raw_call(app, "/rooms", "CREATE_ROOM", f'{{"roomName":"r","x":{value}}}') == INVALID
    )
    await assert_room_works(server, ext, app)
    no_tracebacks(caplog)


async def test_a_huge_integer_is_invalid_not_a_crash(
    server: RelayServer, room: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # Python's json refuses integers of more than 4300 digits with a ValueError.
    ext, app = room
    payload = f'{{"requestId":"big","message":"hi","n":{"9" * 5000}}}'
    assert await raw_call(app, "/llm", "LLM_REQUEST", payload) == INVALID_LLM
    await assert_room_works(server, ext, app)
    no_tracebacks(caplog)


async def test_big_but_allowed_values_are_forwarded(server: RelayServer, room: Any) -> None:
    ext, app = room
    payload = {
        "requestId": "big",
        "message": "é" * 100_000,
        "n": 123456789012345678901234567890,
        "f": 1e308,
        "text": "x" * 60_000,
    }
    answer = await app.call("/llm", "LLM_REQUEST", payload)
    assert answer["status"] == "ok", answer
    request = (await forwarded(ext, 1))[0]["currentRequest"]
    assert request["n"] == payload["n"] and request["f"] == 1e308
    assert request["message"] == payload["message"]


@pytest.mark.parametrize(
    "extra",
    [
        {"blob": "x" * 70_000},  # stored extra fields over 64 KiB
        {f"k{i}": "y" * 1000 for i in range(70)},
        {"message": "m" * 300_000},  # the text over 256 Ki characters
        {"data": "d" * 300_000, "message": None},
        {"target": "s" * 129},  # an identity is at most 128 characters
        {"target": ["st"] * 20_000},  # 100 KB of stored fields
    ],
)
async def test_oversized_stored_fields_are_invalid(
    server: RelayServer, room: Any, extra: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    ext, app = room
    payload = {"requestId": "large", "message": "hi", **extra}
    assert await app.call("/llm", "LLM_REQUEST", payload) == INVALID_LLM
    assert "large" not in recorded(server)
    await assert_room_works(server, ext, app)
    no_tracebacks(caplog)


# --- other namespaces ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("namespace", "event", "base", "expected"),
    [
        ("/rooms", "CREATE_ROOM", {"roomName": "deep"}, INVALID),
        ("/clients", "GET_CLIENT_LIST", {}, INVALID),
        ("/llm", "CANCEL_REQUEST", {"requestId": "x"}, INVALID),
        ("/function_call", "FUNCTION_CALL", {"requestId": "x", "functionName": "f"}, INVALID_CALL),
    ],
)
@pytest.mark.parametrize("depth", [33, 100_000])
async def test_deep_payloads_are_invalid_on_every_namespace(
    server: RelayServer,
    room: Any,
    namespace: str,
    event: str,
    base: dict[str, Any],
    expected: Any,
    depth: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ext, app = room
    payload = json.dumps(base)[:-1] + ("," if base else "") + f'"x":{nest_text(depth - 1)}}}'
    assert await raw_call(app, namespace, event, payload) == expected
    assert "deep" not in str(await app.call("/rooms", "GET_ROOMS"))
    await assert_room_works(server, ext, app)
    no_tracebacks(caplog)


async def test_a_payload_at_the_limit_is_accepted(server: RelayServer, room: Any) -> None:
    _, app = room
    answer = await app.call("/clients", "GET_CLIENT_LIST", {"x": nest(31)})
    assert answer["status"] == "ok", answer
    answer = await app.call("/rooms", "GET_ROOMS", {"x": nest(31)})
    assert answer["status"] == "ok", answer


async def test_a_deep_payload_without_an_ack_is_an_error_event(
    server: RelayServer, room: Any
) -> None:
    _, app = room
    await app.sio.emit("CREATE_ROOM", {"roomName": "deep", "x": nest(40)}, namespace="/rooms")
    assert await app.next("/rooms", "ERROR") == {"type": "ERROR", "message": "Invalid payload."}


# --- answers (ACK packets) --------------------------------------------------------------------
async def answering(make_client: Any, datadir: DataDir, answer_json: str) -> Client:
    """A client that answers every FUNCTION_CALL with `answer_json` (an ACK packet's argument
    list, as text), for answers no python-socketio client can encode."""
    callee = await make_client(
        ["/function_call"], {"clientId": "callee", "key": provision(datadir, "callee")}
    )

    async def handle_event(namespace: str, ack_id: int | None, data: list[Any]) -> None:
        await callee.sio.eio.send(f"3{namespace},{ack_id}{answer_json}")

    callee.sio._handle_event = handle_event
    return callee


@pytest.mark.parametrize(
    "answer", ["[" + nest_text(33) + "]", "[" + nest_text(100_000) + "]", '[{"x":NaN}]']
)
async def test_an_unbounded_answer_is_not_relayed(
    server: RelayServer,
    datadir: DataDir,
    make_client: Any,
    answer: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server.core.settings_store.update({"timeout": 300})
    await answering(make_client, datadir, answer)
    caller = await make_client(
        ["/function_call"], {"clientId": "caller", "key": provision(datadir, "caller")}
    )
    payload = {"requestId": "f", "functionName": "f", "target": "callee"}
    assert await caller.call("/function_call", "FUNCTION_CALL", payload) == {
        "requestId": "f",
        "success": False,
        "error": {"message": "Function call timed out."},
    }
    no_tracebacks(caplog)


async def test_a_bounded_answer_is_relayed_and_acks_zero_or_unknown_are_ignored(
    server: RelayServer, datadir: DataDir, make_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    callee = await answering(make_client, datadir, "[" + json.dumps(nest(32)) + "]")
    caller = await make_client(
        ["/function_call"], {"clientId": "caller", "key": provision(datadir, "caller")}
    )
    payload = {"requestId": "f", "functionName": "f", "target": "callee"}
    assert await caller.call("/function_call", "FUNCTION_CALL", payload) == nest(32)
    # Ack id 0 is where python-socketio keeps the socket's ack-id counter: answering it broke
    # every later forward to that socket.
    await callee.sio.eio.send("3/function_call,0[1]")
    await callee.sio.eio.send("3/function_call,99[1]")
    assert await caller.call("/function_call", "FUNCTION_CALL", payload) == nest(32)
    no_tracebacks(caplog)


# --- handshake auth -----------------------------------------------------------------------------
async def test_deep_auth_is_invalid_auth_data(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    key = provision(datadir, "bot")
    auth = {"clientId": "bot", "key": key, "extra": nest(32)}  # 33 with the auth object
    assert await refusal(server.url, "/clients", auth) == INVALID_AUTH
    assert server.core.registry.registration("bot") is None
    bot = await make_client(["/clients"], {"clientId": "bot", "key": key, "extra": nest(31)})
    assert (await bot.call("/clients", "GET_CLIENT_LIST"))["status"] == "ok"


@pytest.mark.parametrize("depth", [2000, 100_000])
async def test_very_deep_auth_is_invalid_auth_data(
    server: RelayServer, datadir: DataDir, depth: int, caplog: pytest.LogCaptureFixture
) -> None:
    key = provision(datadir, "bot")
    eio = engineio.AsyncClient()
    got: asyncio.Queue[Any] = asyncio.Queue()
    eio.on("message", got.put_nowait)
    await eio.connect(server.url, transports=["websocket"], engineio_path="socket.io")
    try:
        auth = f'{{"clientId":"bot","key":{json.dumps(key)},"x":{nest_text(depth)}}}'
        await eio.send(f"0/clients,{auth}")
        reply = await asyncio.wait_for(got.get(), 10)
    finally:
        await eio.disconnect()
    assert reply == "4/clients," + json.dumps(INVALID_AUTH, separators=(",", ":"))
    no_tracebacks(caplog)
