"""The opt-in Socket.IO Admin UI: python-socketio's `instrument()` on namespace `/admin`.

Off by default, `/admin` is a namespace like any unknown one (`Invalid namespace`, §4). On, it is
python-socketio's own, with its own login (username + bcrypt hash from the settings); the
protocol's namespaces keep their admission and dispatch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import bcrypt
import pytest
import socketio

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.protocol import errors as err
from newage_desktop.transport.server import RelayServer
from tests.server.conftest import Client, provision, refusal, write_settings

PASSWORD = "correct horse battery staple"
# Cost 4 keeps tests fast; the server accepts any cost.
HASH = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
HOSTED_UI = "https://admin.socket.io"


def refused(reason: str) -> dict[str, Any]:
    return {"message": reason, "data": {"type": "ERROR", "message": reason}}


def admin_settings(**overrides: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "adminUiEnabled": True,
        "adminUiUsername": "operator",
        "adminUiPasswordHash": HASH,
        "adminUiMode": "development",
    }
    settings.update(overrides)
    return settings


@contextlib.asynccontextmanager
async def running(datadir: DataDir, **settings: Any) -> AsyncIterator[RelayServer]:
    write_settings(datadir, **settings)
    srv = RelayServer(datadir, host="127.0.0.1", port=0)
    await srv.start()
    try:
        yield srv
    finally:
        await srv.stop()


class Admin:
    """A python-socketio client of `/admin`, recording the instrumentation's events."""

    EVENTS = ("config", "all_sockets", "server_stats", "socket_connected", "socket_disconnected")

    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.queues: dict[str, asyncio.Queue[Any]] = {}
        for event in self.EVENTS:
            q: asyncio.Queue[Any] = asyncio.Queue()
            self.queues[event] = q
            self.sio.on(event, lambda *args, q=q: q.put_nowait(args), namespace="/admin")
        self.refusals: asyncio.Queue[Any] = asyncio.Queue()
        self.sio.on("connect_error", self.refusals.put_nowait, namespace="/admin")

    async def connect(self, url: str, auth: Any) -> bool:
        try:
            await self.sio.connect(
                url, namespaces=["/admin"], auth=auth, transports=["websocket"], wait_timeout=5
            )
        except socketio.exceptions.ConnectionError:
            return False
        return True

    async def next(self, event: str, timeout: float = 10) -> Any:
        return await asyncio.wait_for(self.queues[event].get(), timeout)

    async def socket_connected(self, namespace: str) -> dict[str, Any]:
        """The next `socket_connected` of a socket on `namespace` (the admin's own come too)."""
        while True:
            (socket, _time) = await self.next("socket_connected")
            if socket["nsp"] == namespace:
                return dict(socket)

    async def close(self) -> None:
        await self.sio.disconnect()


async def tavern_client(srv: RelayServer, datadir: DataDir) -> Client:
    key = provision(datadir, "tavern")
    client = Client(srv.url)
    await client.connect(["/"], {"clientId": "tavern", "key": key})
    return client


async def test_admin_namespace_is_invalid_by_default(server: RelayServer) -> None:
    auth = {"username": "operator", "password": PASSWORD}
    assert await refusal(server.url, "/admin", auth) == refused(err.INVALID_NAMESPACE)


async def test_enabled_without_credentials_is_not_instrumented_and_warns_once(
    datadir: DataDir, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="newage")
    async with running(datadir, **admin_settings(adminUiPasswordHash="")) as srv:
        auth = {"username": "operator", "password": PASSWORD}
        assert await refusal(srv.url, "/admin", auth) == refused(err.INVALID_NAMESPACE)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "Admin UI" in r.msg]
    assert len(warnings) == 1
    assert "adminUiPasswordHash" in warnings[0].getMessage()


async def test_right_credentials_connect_and_see_the_relay_sockets(datadir: DataDir) -> None:
    async with running(datadir, **admin_settings()) as srv:
        tavern = await tavern_client(srv, datadir)
        admin = Admin()
        try:
            assert await admin.connect(srv.url, {"username": "operator", "password": PASSWORD})
            (config,) = await admin.next("config")
            # adminUiReadonly defaults to true: no EMIT/DISCONNECT offered to the UI.
            assert config == {"supportedFeatures": ["AGGREGATED_EVENTS", "ALL_EVENTS"]}
            (sockets,) = await admin.next("all_sockets")
            assert {"id": tavern.sio.get_sid("/"), "nsp": "/"} in [
                {"id": s["id"], "nsp": s["nsp"]} for s in sockets
            ]
            (stats,) = await admin.next("server_stats")
            by_name = {n["name"]: n["socketsCount"] for n in stats["namespaces"]}
            assert by_name["/"] == 1
            assert "*" not in by_name
            assert by_name["/admin"] == 1
        finally:
            await admin.close()
            await tavern.close()


@pytest.mark.parametrize(
    "auth",
    [
        {"username": "operator", "password": "wrong"},
        {"username": "someone", "password": PASSWORD},
        {"username": "operator"},
        {"username": "operator", "password": "x" * 100},
        "operator:" + PASSWORD,
        None,
    ],
)
async def test_wrong_credentials_are_refused(datadir: DataDir, auth: Any) -> None:
    async with running(datadir, **admin_settings()) as srv:
        admin = Admin()
        try:
            assert not await admin.connect(srv.url, auth)
            assert await asyncio.wait_for(admin.refusals.get(), 5) == {
                "message": "authentication failed"
            }
        finally:
            await admin.close()


async def test_protocol_namespaces_keep_their_admission_and_dispatch(datadir: DataDir) -> None:
    async with running(datadir, **admin_settings()) as srv:
        admin = Admin()
        assert await admin.connect(srv.url, {"username": "operator", "password": PASSWORD})
        try:
            # An unknown namespace is still ours to refuse, and admission still applies.
            assert await refusal(srv.url, "/nope", {}) == refused(err.INVALID_NAMESPACE)
            tavern = await tavern_client(srv, datadir)
            assert await refusal(srv.url, "/", {"clientId": "tavern", "key": "x"}) == refused(
                err.INVALID_KEY
            )
            sid = tavern.sio.get_sid("/")
            assert await tavern.call("/", "no-such-event", {}) == {
                "status": "error",
                "message": err.UNKNOWN_EVENT,
            }
            assert (await admin.socket_connected("/"))["id"] == sid
            await tavern.close()
            (namespace, gone, _reason, _time) = await admin.next("socket_disconnected")
            assert (namespace, gone) == ("/", sid)
            for _ in range(50):  # the core learns of the close after the admin does
                if srv.core.registry.socket(sid) is None:
                    break
                await asyncio.sleep(0.05)
            assert srv.core.registry.socket(sid) is None
        finally:
            await admin.close()


async def test_production_mode_reports_stats_only(datadir: DataDir) -> None:
    async with running(datadir, **admin_settings(adminUiMode="production")) as srv:
        admin = Admin()
        try:
            assert await admin.connect(srv.url, {"username": "operator", "password": PASSWORD})
            (config,) = await admin.next("config")
            assert config == {"supportedFeatures": ["AGGREGATED_EVENTS"]}
            (stats,) = await admin.next("server_stats")
            assert stats["clientsCount"] == 1
        finally:
            await admin.close()


async def test_the_password_hash_never_appears_in_logs(
    datadir: DataDir, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running(datadir, **admin_settings()) as srv:
        srv.announce()
        for auth in ({"username": "operator", "password": "wrong"}, {"username": "operator"}):
            admin = Admin()
            assert not await admin.connect(srv.url, auth)
            await admin.close()
        admin = Admin()
        assert await admin.connect(srv.url, {"username": "operator", "password": PASSWORD})
        await admin.close()
    assert "Socket.IO Admin UI is ON" in caplog.text
    assert caplog.text.count("login was refused") == 2
    assert HASH not in caplog.text
    assert HASH[7:29] not in caplog.text  # not even the salt
    assert PASSWORD not in caplog.text


async def _polling_handshake_status(url: str, origin: str) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{url}/socket.io/?EIO=4&transport=polling", headers={"Origin": origin}
        ) as response,
    ):
        return response.status


async def test_the_hosted_admin_ui_origin_is_accepted_only_while_enabled(
    datadir: DataDir,
) -> None:
    async with running(datadir, **admin_settings()) as srv:
        assert await _polling_handshake_status(srv.url, HOSTED_UI) == 200
        assert await _polling_handshake_status(srv.url, "http://evil.example") == 400
    async with running(datadir, adminUiEnabled=False) as srv:
        assert await _polling_handshake_status(srv.url, HOSTED_UI) == 400
