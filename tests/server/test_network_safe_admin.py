"""`networkSafe` turns authentication off but never grants admin (PROTOCOL.md §4.6, §4.8)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from newage_desktop.core.store.datadir import DataDir
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


async def _asks_for_a_key(url: str, auth: dict[str, Any]) -> Client:
    asker = Client(url)
    asker.queue("/auth", "TEMP_ROOM_ASSIGNED")
    asker.queue("/auth", "GET_CLIENT_KEY")
    await asker.connect(["/auth"], {**auth, "key": "getKey"})
    return asker


async def test_get_key_never_mints_an_admin_capable_key_at_once(
    safe_server: RelayServer, datadir: DataDir, make_safe_client: Any
) -> None:
    admin_key = provision(datadir, "admin", monitor=True)
    provision(datadir, "boss", monitor=True, key=False)  # admin-capable by its trust file
    boss_before = datadir.keys_file.read_text()
    admin = await make_safe_client(
        ["/clients"], {"clientId": "admin", "clientType": "monitor", "key": admin_key}
    )
    admin.queue("/clients", "KEY_REQUESTS_UPDATE")
    askers = []
    for auth in (
        {"clientId": "monitor"},  # admin-capable by name
        {"clientId": "boss"},
        {"clientId": "stranger", "clientType": "monitor"},  # asks as a monitor
    ):
        asker = await _asks_for_a_key(safe_server.url, auth)
        askers.append(asker)
        room = await asker.next("/auth", "TEMP_ROOM_ASSIGNED")  # pairing, not an immediate issue
        assert room["roomId"].startswith("temp-"), auth
        assert asker.queue("/auth", "GET_CLIENT_KEY").empty(), auth
    try:
        keys = safe_server.core.keys
        assert not keys.has_key("monitor") and not keys.has_key("stranger")
        assert datadir.keys_file.read_text() == boss_before  # nothing minted for boss either
        listed = await admin.call("/clients", "GET_KEY_REQUESTS")
        by_id = {r["clientId"]: r for r in listed["requests"]}
        assert set(by_id) == {"monitor", "boss", "stranger"}
        assert by_id["stranger"]["adminRequest"] is True
        # the operator's approval (an admin) is what gives the key
        approved = await admin.call(
            "/clients", "APPROVE_KEY_REQUEST", {"roomId": by_id["monitor"]["roomId"]}
        )
        assert approved == {"status": "ok", "clientId": "monitor"}
        pushed = await askers[0].next("/auth", "GET_CLIENT_KEY")
        assert pushed["clientId"] == "monitor" and len(pushed["key"]) == 36
    finally:
        for asker in askers:
            await asker.close()


async def test_get_key_for_a_plain_client_is_still_issued_at_once(
    safe_server: RelayServer,
) -> None:
    asker = await _asks_for_a_key(safe_server.url, {"clientId": "plain", "clientType": "bot"})
    try:
        pushed = await asker.next("/auth", "GET_CLIENT_KEY")
        assert pushed["clientId"] == "plain" and len(pushed["key"]) == 36
    finally:
        await asker.close()


async def test_admin_get_key_is_refused_when_pairing_is_off(datadir: DataDir) -> None:
    write_settings(datadir, networkSafe=True, pairingRequests=False)
    provision(datadir, "boss", monitor=True, key=False)
    srv = RelayServer(datadir, host="127.0.0.1", port=0)
    await srv.start()
    try:
        for ns, auth in (
            ("/auth", {"clientId": "monitor"}),
            ("/sillytavern", {"clientId": "boss", "clientType": "SillyTavern"}),
            ("/auth", {"clientId": "stranger", "clientType": "monitor"}),
        ):
            got = await refusal(srv.url, ns, {**auth, "key": "getKey"})
            assert got["message"] == "Key requests are not allowed.", auth
        assert not srv.core.keys.has_key("monitor") and not srv.core.keys.has_key("boss")
    finally:
        await srv.stop()


async def test_identify_sillytavern_never_mints_an_admin_key(
    safe_server: RelayServer, datadir: DataDir, make_safe_client: Any
) -> None:
    # A keyless "extension" could otherwise ask /sillytavern for a fresh key of `monitor`.
    provision(datadir, "monitor")
    provision(datadir, "boss", monitor=True)
    safe_server.core.refresh_files()  # written after the start: read them now
    hashes = {cid: safe_server.core.keys.hash_of(cid) for cid in ("monitor", "boss")}
    assert None not in hashes.values()
    for client_id in ("monitor", "boss"):
        client = await make_safe_client(
            ["/sillytavern"], {"clientId": client_id, "clientType": "SillyTavern"}
        )
        answer = await client.call("/sillytavern", "IDENTIFY_SILLYTAVERN", {})
        assert answer == {"status": "error", "message": "Permission denied."}, client_id
        await client.close()
    # nobody was re-keyed
    assert {cid: safe_server.core.keys.hash_of(cid) for cid in ("monitor", "boss")} == hashes
    tavern = await make_safe_client(
        ["/sillytavern"], {"clientId": "tavern", "clientType": "SillyTavern"}
    )
    answer = await tavern.call("/sillytavern", "IDENTIFY_SILLYTAVERN", {})
    assert answer["status"] == "ok" and isinstance(answer["key"], str)
