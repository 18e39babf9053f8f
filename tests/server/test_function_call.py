"""FUNCTION_CALL over the wire (PROTOCOL.md §9) and the static mounts it makes (§10)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.transport.server import RelayServer
from tests.server.conftest import Client, provision

NS = "/function_call"


async def connect(make_client: Any, datadir: DataDir, client_id: str, **auth: Any) -> Client:
    key = provision(datadir, client_id, monitor=auth.get("clientType") == "monitor")
    client: Client = await make_client([NS], {"clientId": client_id, "key": key, **auth})
    return client


async def admin(make_client: Any, datadir: DataDir) -> Client:
    return await connect(make_client, datadir, "admin", clientType="monitor")


async def fcall(client: Client, payload: Any) -> Any:
    return await client.call(NS, "FUNCTION_CALL", payload)


def failed(request_id: Any, message: str) -> dict[str, Any]:
    return {"requestId": request_id, "success": False, "error": {"message": message}}


async def raw_get(url: str, raw_path: str) -> tuple[int, bytes]:
    """A GET whose path is sent byte for byte (HTTP clients normalise `..` away)."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(f"GET {raw_path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    response = await reader.read()
    writer.close()
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


# --- server functions ----------------------------------------------------------------------------
async def test_server_call_results_are_nested_twice(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    bot = await connect(make_client, datadir, "bot")
    (datadir.root / "shared").mkdir()
    (datadir.root / "shared" / "state.json").write_text('{"a": 1}')
    assert await fcall(
        bot, {"requestId": "r1", "functionName": "readJsonFromFile", "args": ["shared/state.json"]}
    ) == {"requestId": "r1", "success": True, "result": {"success": True, "result": {"a": 1}}}
    # a failed read is still an outer success; a single non-array arg is passed as is
    answer = await fcall(
        bot, {"requestId": 7, "functionName": "readJsonFromFile", "args": "keys/clients.json"}
    )
    assert answer == {
        "requestId": 7,
        "success": True,
        "result": {
            "success": False,
            "error": {"message": "Access denied: File is restricted.", "code": "EACCES"},
        },
    }
    answer = await fcall(bot, {"functionName": "listFunctions", "target": "server"})
    assert answer["requestId"] is None and answer["success"] is True
    assert answer["result"]["success"] is True


async def test_invalid_calls_and_unknown_functions(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    bot = await connect(make_client, datadir, "bot")
    invalid = "Invalid function call."
    assert await fcall(bot, 5) == failed(None, invalid)
    assert await fcall(bot, "listFunctions") == failed(None, invalid)
    assert await bot.call(NS, "FUNCTION_CALL") == failed(None, invalid)
    assert await fcall(bot, {"requestId": "x"}) == failed("x", invalid)
    assert await fcall(bot, {"requestId": "x", "functionName": ""}) == failed("x", invalid)
    assert await fcall(bot, {"functionName": "listFunctions", "target": 3}) == failed(None, invalid)
    assert await fcall(bot, {"requestId": "y", "functionName": "nope"}) == failed(
        "y", 'Function "nope" not found.'
    )


async def test_non_admin_may_not_add_static_resources(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    bot = await connect(make_client, datadir, "bot")
    (datadir.root / "site").mkdir()
    payload = {"requestId": "s", "functionName": "addStaticResources", "args": [{"/s": "site"}]}
    assert await fcall(bot, payload) == failed("s", "Permission denied.")
    async with aiohttp.ClientSession() as http, http.get(f"{server.url}/s/") as response:
        assert response.status == 404


async def test_admin_writes_to_settings_take_effect_at_once(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    boss = await admin(make_client, datadir)
    bot = await connect(make_client, datadir, "bot")
    trust = {"clientId": "newbie", "isTrust": True}
    denied = await fcall(
        bot, {"functionName": "saveJsonToFile", "args": ["settings/newbie-settings.json", trust]}
    )
    assert denied["result"] == {
        "success": False,
        "error": "Access denied: Only administrators may write settings.",
    }
    for path, data in (
        ("settings/newbie-settings.json", trust),
        ("./settings/server_settings.json", {"timeout": 1234}),
    ):
        answer = await fcall(boss, {"functionName": "saveJsonToFile", "args": [path, data]})
        assert answer == {"requestId": None, "success": True, "result": {"success": True}}
    assert server.core.trust.is_trusted("newbie")
    assert server.core.settings.timeout == 1234


async def test_non_admin_writes_are_bounded_and_never_served(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    bot = await connect(make_client, datadir, "bot")

    async def save(path: str, data: Any) -> Any:
        answer = await fcall(bot, {"functionName": "saveJsonToFile", "args": [path, data]})
        assert answer["success"] is True
        return answer["result"]

    assert await save("public/page.json", {"x": 1}) == {
        "success": False,
        "error": "Access denied: Folder is served over HTTP.",
    }
    async with aiohttp.ClientSession() as http, http.get(f"{server.url}/public/page.json") as r:
        assert r.status == 404
    assert await save("store/big.json", {"a": "x" * 70_000}) == {
        "success": False,
        "error": "Access denied: File would exceed 65536 bytes.",
    }
    for i in range(32):
        assert await save(f"store/f{i}.json", {"i": i}) == {"success": True}
    assert await save("store/f32.json", {"i": 32}) == {
        "success": False,
        "error": "Access denied: A client may create at most 32 files.",
    }
    assert not (datadir.root / "store" / "f32.json").exists()


# --- static mounts over HTTP ---------------------------------------------------------------------
async def test_mounted_folder_is_served_at_once_and_escapes_are_not_found(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    boss = await admin(make_client, datadir)
    site = datadir.root / "site"
    site.mkdir()
    (site / "index.html").write_text("<h1>site</h1>")
    (site / "app.js").write_text("console.log(1)")
    (site / ".secret").write_text("hidden")
    datadir.keys_file.write_text("{}")
    answer = await fcall(
        boss,
        {
            "requestId": 1,
            "functionName": "addStaticResources",
            "args": [{"/site": "site", "/lib/x": "site"}],
        },
    )
    assert answer["success"] is True
    result = answer["result"]
    assert result["success"] is False
    assert result["results"][0] == {"urlPath": "/site", "status": "success"}
    assert result["results"][1]["urlPath"] == "/lib/x"
    assert result["results"][1]["status"] == "error"
    assert isinstance(result["results"][1]["message"], str)

    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.url}/site/app.js") as response:
            assert response.status == 200
            assert await response.text() == "console.log(1)"
        async with http.get(f"{server.url}/site", allow_redirects=False) as response:
            assert response.status == 301
            assert response.headers["Location"] == "/site/"
        async with http.get(f"{server.url}/site") as response:
            assert response.status == 200
            assert await response.text() == "<h1>site</h1>"
        async with http.head(f"{server.url}/site/app.js") as response:
            assert response.status == 200
        async with http.get(f"{server.url}/site/.secret") as response:
            assert response.status == 404
            assert response.content_type == "text/plain"
            assert await response.text() == "Not Found"
        async with http.get(f"{server.url}/healthz") as response:
            assert response.status == 200
            assert (await response.json())["status"] == "ok"
        async with http.get(f"{server.url}/no/such/thing") as response:
            assert response.status == 404 and await response.text() == "Not Found"
    for raw in (
        "/site/../keys/clients.json",
        "/site/%2e%2e/keys/clients.json",
        "/site/..%2fkeys%2fclients.json",
        "/keys/clients.json",
        "/settings/server_settings.json",
        "/chat_history.sqlite3",
    ):
        status, body = await raw_get(server.url, raw)
        assert (status, body) == (404, b"Not Found"), raw


async def test_example_client_folder_is_served(server: RelayServer, datadir: DataDir) -> None:
    (datadir.root / "exampleClient").mkdir()
    (datadir.root / "exampleClient" / "index.html").write_text("example")
    async with aiohttp.ClientSession() as http, http.get(f"{server.url}/exampleClient/") as r:
        assert r.status == 200 and await r.text() == "example"


async def test_static_resources_setting_is_mounted_at_start(datadir: DataDir) -> None:
    (datadir.root / "web").mkdir()
    (datadir.root / "web" / "a.txt").write_text("from settings")
    datadir.server_settings_file.write_text(
        json.dumps({"staticResources": {"/web": "web", "/bad": "keys"}})
    )
    srv = RelayServer(datadir, host="127.0.0.1", port=0)
    await srv.start()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{srv.url}/web/a.txt") as response:
                assert await response.text() == "from settings"
            async with http.get(f"{srv.url}/bad/clients.json") as response:
                assert response.status == 404
    finally:
        await srv.stop()


# --- forwarding ----------------------------------------------------------------------------------
class Callee:
    """A client whose /function_call socket answers FUNCTION_CALL with `reply(payload)`.

    `reply` returning None acks without arguments; `(None,)` acks with an explicit null.
    """

    def __init__(self, client: Client) -> None:
        self.client = client
        self.received: list[Any] = []
        self.delay = 0.0
        self.reply: Callable[[Any], Any] = lambda payload: None
        client.sio.on("FUNCTION_CALL", self._on_call, namespace=NS)

    async def _on_call(self, payload: Any) -> Any:
        self.received.append(payload)
        if self.delay:
            await asyncio.sleep(self.delay)
        return self.reply(payload)

    async def close(self) -> None:
        await self.client.close()


async def callee(
    make_client: Any, datadir: DataDir, client_id: str, key: str | None = None, **auth: Any
) -> Callee:
    key = key or provision(datadir, client_id)
    return Callee(await make_client([NS], {"clientId": client_id, "key": key, **auth}))


async def test_forwarded_call_relays_the_targets_ack(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    caller = await connect(make_client, datadir, "caller", identity="caller-1")
    callee_ = await callee(make_client, datadir, "callee", identity="callee-main")
    callee_.reply = lambda payload: {"requestId": payload["requestId"], "success": True, "v": 42}
    payload = {"requestId": "f1", "functionName": "doIt", "args": [1, 2], "target": "callee-main"}
    assert await fcall(caller, payload) == {"requestId": "f1", "success": True, "v": 42}
    assert callee_.received == [
        {**payload, "callerIdentity": "caller-1", "callerClientId": "caller"}
    ]
    # an explicit null is relayed as null; an ack without arguments becomes a null result
    callee_.reply = lambda payload: (None,)
    assert await fcall(caller, payload) is None
    callee_.reply = lambda payload: None
    assert await fcall(caller, payload) == {"requestId": "f1", "success": True, "result": None}
    callee_.reply = lambda payload: "plain text"
    assert await fcall(caller, payload) == "plain text"
    await callee_.close()


async def test_forwarding_picks_identity_then_client_id_newest_first(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    caller = await connect(make_client, datadir, "caller")
    key = provision(datadir, "worker")
    older = await callee(make_client, datadir, "worker", key, identity="worker-a")
    newer = await callee(make_client, datadir, "worker", key, identity="worker-b")
    older.reply = lambda payload: "older"
    newer.reply = lambda payload: "newer"
    assert await fcall(caller, {"functionName": "f", "target": "worker"}) == "newer"
    assert await fcall(caller, {"functionName": "f", "target": "worker-a"}) == "older"
    await newer.close()
    await asyncio.sleep(0.1)
    assert await fcall(caller, {"functionName": "f", "target": "worker"}) == "older"
    await older.close()


async def test_forwarding_to_nobody_and_timeouts(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    server.core.settings_store.update({"timeout": 300})
    caller = await connect(make_client, datadir, "caller")
    assert await fcall(caller, {"requestId": "g", "functionName": "f", "target": "ghost"}) == (
        failed("g", "Target client ghost is not connected.")
    )
    slow = await callee(make_client, datadir, "slow")
    slow.delay = 1.0
    slow.reply = lambda payload: "too late"
    started = time.monotonic()
    assert await fcall(caller, {"requestId": "t", "functionName": "f", "target": "slow"}) == (
        failed("t", "Function call timed out.")
    )
    assert 0.25 < time.monotonic() - started < 0.9
    await slow.close()


async def test_a_waiting_forward_does_not_delay_later_events(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    caller = await connect(make_client, datadir, "caller")
    slow = await callee(make_client, datadir, "slow")
    slow.delay = 0.5
    slow.reply = lambda payload: "slow answer"
    order: list[str] = []

    async def first() -> None:
        assert await fcall(caller, {"functionName": "f", "target": "slow"}) == "slow answer"
        order.append("forwarded")

    async def second() -> None:
        await asyncio.sleep(0.05)
        answer = await fcall(caller, {"functionName": "listFunctions"})
        assert answer["success"] is True
        order.append("server")

    await asyncio.gather(first(), second())
    assert order == ["server", "forwarded"]
    await slow.close()


async def test_calls_without_an_ack_are_carried_out(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    caller = await connect(make_client, datadir, "caller")
    caller.queue(NS, "ERROR")
    listener = await callee(make_client, datadir, "listener")
    listener.reply = lambda payload: {"status": "error", "message": "not an ERROR for the caller"}
    await caller.sio.emit(
        "FUNCTION_CALL",
        {"functionName": "saveJsonToFile", "args": ["out/state.json", {"done": True}]},
        namespace=NS,
    )
    await caller.sio.emit(
        "FUNCTION_CALL", {"functionName": "f", "target": "listener", "args": {"x": 1}}, namespace=NS
    )
    await caller.sio.emit("FUNCTION_CALL", {"functionName": "nope"}, namespace=NS)
    for _ in range(100):
        if listener.received and (datadir.root / "out" / "state.json").exists():
            break
        await asyncio.sleep(0.02)
    assert json.loads((datadir.root / "out" / "state.json").read_text()) == {"done": True}
    assert listener.received[0]["args"] == {"x": 1}
    await asyncio.sleep(0.1)
    assert caller.queue(NS, "ERROR").empty()  # results and failures are simply discarded
