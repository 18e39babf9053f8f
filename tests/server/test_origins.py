"""§2.1: a page on another site cannot reach the server from the user's browser.

Browsers do not apply CORS to WebSockets, so the check must be the server's own, for polling,
WebSocket and the HTTP routes alike. Before the fix the default was `"*"` and a page on
`http://evil.example` could open sockets to 127.0.0.1:4000.
"""

from __future__ import annotations

import aiohttp
import pytest
import socketio

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.transport.server import RelayServer
from tests.server.conftest import write_settings

EVIL = "http://evil.example"
TAVERN = "http://127.0.0.1:8000"


async def _connects(url: str, origin: str | None, transport: str) -> bool:
    """Whether the relay answered a namespace CONNECT at all (accepted or refused by admission)."""
    headers = {"Origin": origin} if origin is not None else {}
    sio = socketio.AsyncClient(reconnection=False)
    answered: list[object] = []
    sio.on("connect_error", lambda data: answered.append(data), namespace="/")
    try:
        await sio.connect(
            url,
            namespaces=["/"],
            transports=[transport],
            headers=headers,
            auth={"clientId": "page", "key": "x"},
            wait_timeout=2,
        )
    except socketio.exceptions.ConnectionError:
        return bool(answered) and isinstance(answered[0], dict)
    finally:
        await sio.disconnect()
    return True


async def _engineio_status(url: str, origin: str | None, websocket: bool) -> int:
    headers = {"Origin": origin} if origin is not None else {}
    async with aiohttp.ClientSession() as session:
        if websocket:
            try:
                async with session.ws_connect(
                    f"{url}/socket.io/?EIO=4&transport=websocket", headers=headers
                ) as ws:
                    await ws.close()
                    return 101
            except aiohttp.WSServerHandshakeError as exc:
                return exc.status
        async with session.get(f"{url}/socket.io/?EIO=4&transport=polling", headers=headers) as r:
            return r.status


async def _http_status(url: str, path: str, origin: str | None) -> int:
    headers = {"Origin": origin} if origin is not None else {}
    async with aiohttp.ClientSession() as session, session.get(url + path, headers=headers) as r:
        return r.status


@pytest.mark.parametrize("websocket", [False, True], ids=["polling", "websocket"])
async def test_default_refuses_other_sites_and_accepts_local_pages(
    server: RelayServer, websocket: bool
) -> None:
    assert server.core.settings.cors_allowed_origins == "local"
    assert await _engineio_status(server.url, EVIL, websocket) == 400
    assert await _engineio_status(server.url, "null", websocket) == 400
    assert await _engineio_status(server.url, TAVERN, websocket) in (101, 200)
    assert await _engineio_status(server.url, "http://localhost:5173", websocket) in (101, 200)
    assert await _engineio_status(server.url, None, websocket) in (101, 200)  # a program


@pytest.mark.parametrize("transport", ["polling", "websocket"])
async def test_a_socketio_client_with_a_foreign_origin_never_connects(
    server: RelayServer, transport: str
) -> None:
    assert not await _connects(server.url, EVIL, transport)
    # (over polling a client the relay answered takes a long-poll to close: websocket only)
    assert await _connects(server.url, TAVERN, "websocket")


async def test_http_routes_refuse_a_foreign_origin(server: RelayServer) -> None:
    assert await _http_status(server.url, "/healthz", EVIL) == 400
    assert await _http_status(server.url, "/lib/constants.js", EVIL) == 400
    assert await _http_status(server.url, "/healthz", TAVERN) == 200
    assert await _http_status(server.url, "/healthz", None) == 200


async def test_a_listed_origin_is_accepted_and_local_only_if_listed(datadir: DataDir) -> None:
    write_settings(datadir, corsAllowedOrigins=["http://tavern.lan:8000"])
    srv = RelayServer(datadir, host="127.0.0.1", port=0)
    await srv.start()
    try:
        assert await _connects(srv.url, "http://tavern.lan:8000", "websocket")
        assert not await _connects(srv.url, TAVERN, "websocket")  # "local" not in the list
        assert await _http_status(srv.url, "/healthz", "http://tavern.lan:8000") == 200
        assert await _http_status(srv.url, "/healthz", EVIL) == 400
    finally:
        await srv.stop()


async def test_star_accepts_every_origin(datadir: DataDir) -> None:
    write_settings(datadir, corsAllowedOrigins="*")
    srv = RelayServer(datadir, host="127.0.0.1", port=0)
    await srv.start()
    try:
        assert await _connects(srv.url, EVIL, "websocket")
        assert await _engineio_status(srv.url, EVIL, websocket=False) == 200
        assert await _http_status(srv.url, "/healthz", EVIL) == 200
    finally:
        await srv.stop()
