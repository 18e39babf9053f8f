"""`networkSafe` turns authentication off but never grants admin (PROTOCOL.md §4.6, §4.8)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from newage_desktop.core.datadir import DataDir
from newage_desktop.transport.server import RelayServer
from tests.server.conftest import Client, provision, refusal, write_settings

UNAUTHORIZED = {"status": "error", "message": "Unauthorized"}


@pytest.fixture
async def safe_server(datadir: DataDir) -> AsyncIterator[RelayServer]:
    write_settings(datadir, networkSafe=True)
    srv = RelayServer(datadir, host="127.0.0.1", port=0)
    await srv.start()
    assert srv.core.settings.network_safe
    yield srv
    await srv.stop()


@pytest.fixture
async def make_safe_client(
    safe_server: RelayServer,
) -> AsyncIterator[Callable[..., Awaitable[Client]]]:
    clients: list[Client] = []

    async def make(namespaces: list[str], auth: Any) -> Client:
        client = Client(safe_server.url)
        clients.append(client)
        await client.connect(namespaces, auth)
        return client

    yield make
    for client in clients:
        await client.close()


async def test_self_declared_monitor_is_a_plain_client(
    safe_server: RelayServer, datadir: DataDir, make_safe_client: Any
) -> None:
    real_key = provision(datadir, "monitor")  # admin-capable by name
    provision(datadir, "boss", monitor=True)  # admin-capable by its trust file
    for auth in (
        {"clientId": "stranger", "clientType": "monitor"},
        {"clientId": "monitor", "clientType": "monitor"},  # admin-capable, but no key
        {"clientId": "boss", "clientType": "monitor", "key": "wrong"},
        {"clientId": "monitor", "clientType": "monitor", "key": real_key + "x"},
    ):
        client = await make_safe_client(["/clients"], auth)  # accepted: networkSafe lets anyone in
        answer = await client.call("/clients", "GENERATE_CLIENT_KEY", {"targetClientId": "bot"})
        assert answer == UNAUTHORIZED, auth
        assert await client.call("/clients", "GET_ALL_CLIENT_KEYS") == UNAUTHORIZED, auth
        await client.close()
    assert not safe_server.core.keys.has_key("bot")
    # /debug is admin only (§4.2 step 10 still runs under networkSafe)
    refused = await refusal(
        safe_server.url, "/debug", {"clientId": "stranger", "clientType": "monitor"}
    )
    assert refused == {
        "message": "Unauthorized",
        "data": {"type": "ERROR", "message": "Unauthorized"},
    }


async def test_admin_with_its_key_is_still_admin(
    safe_server: RelayServer, datadir: DataDir, make_safe_client: Any
) -> None:
    for client_id in ("monitor", "boss"):
        key = provision(datadir, client_id, monitor=client_id == "boss")
        auth = {"clientId": client_id, "clientType": "monitor", "key": key}
        client = await make_safe_client(["/clients", "/debug"], auth)
        answer = await client.call("/clients", "GENERATE_CLIENT_KEY", {"targetClientId": "bot"})
        assert answer["status"] == "ok" and answer["clientId"] == "bot"
        assert len(answer["key"]) == 36
        await client.close()
