"""Keys, revocation and 'getKey' pairing over the wire (PROTOCOL.md §4.7, §4.10, §6.4)."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.transport.server import RelayServer
from tests.server.conftest import Client, provision, refusal, write_settings

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


async def admin(make_client: Any, datadir: DataDir) -> Client:
    key = provision(datadir, "admin", monitor=True)
    client: Client = await make_client(
        ["/clients"],
        {"clientId": "admin", "key": key, "clientType": "monitor"},
        subscribe=(("/clients", "KEY_REQUESTS_UPDATE"),),
    )
    return client


async def test_generated_key_authenticates_and_old_key_is_revoked_live(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    boss = await admin(make_client, datadir)
    old_key = provision(datadir, "bot")
    bot = await make_client(
        ["/", "/llm"],
        {"clientId": "bot", "key": old_key},
        subscribe=(("/", "ERROR"), ("/llm", "ERROR")),
    )
    answer = await boss.call("/clients", "GENERATE_CLIENT_KEY", {"targetClientId": "bot"})
    assert answer["status"] == "ok" and answer["clientId"] == "bot"
    assert UUID4.match(answer["key"])
    for ns in ("/", "/llm"):
        assert await bot.next(ns, "ERROR") == {"type": "ERROR", "message": "Key revoked."}
        await asyncio.wait_for(bot.disconnects[ns].get(), 5)
    assert (await refusal(server.url, "/", {"clientId": "bot", "key": old_key}))["message"] == (
        "Invalid key."
    )
    fresh = await make_client(["/"], {"clientId": "bot", "key": answer["key"]})
    assert "/" in fresh.sio.namespaces
    assert answer["key"] not in datadir.keys_file.read_text()


async def test_remove_client_key(server: RelayServer, datadir: DataDir, make_client: Any) -> None:
    boss = await admin(make_client, datadir)
    provision(datadir, "bot")
    assert await boss.call("/clients", "REMOVE_CLIENT_KEY", {"targetClientId": "bot"}) == {
        "status": "ok"
    }
    assert await boss.call("/clients", "REMOVE_CLIENT_KEY", {"clientId": "bot"}) == {
        "status": "ok",
        "message": "Client key not found.",
    }
    assert await boss.call("/clients", "REMOVE_CLIENT_KEY", {}) == {
        "status": "error",
        "message": "Missing targetClientId.",
    }


async def test_admin_events_refuse_non_admins_and_bad_payloads(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    key = provision(datadir, "bot")
    bot = await make_client(["/clients"], {"clientId": "bot", "key": key})
    unauthorized = {"status": "error", "message": "Unauthorized"}
    assert (
        await bot.call("/clients", "GENERATE_CLIENT_KEY", {"targetClientId": "x"}) == unauthorized
    )
    assert await bot.call("/clients", "GET_ALL_CLIENT_KEYS") == unauthorized
    # payload shape is checked before permission (§2.2 rule 9)
    assert await bot.call("/clients", "GENERATE_CLIENT_KEY", 5) == {
        "status": "error",
        "message": "Invalid payload.",
    }
    assert await bot.call("/clients", "NO_SUCH_EVENT", {}) == {
        "status": "error",
        "message": "Unknown event.",
    }


async def test_read_events_answer_with_or_without_a_leading_payload(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    key = provision(datadir, "bot")
    bot = await make_client(["/clients"], {"clientId": "bot", "key": key, "desc": "a bot"})
    without = await bot.call("/clients", "GET_CLIENT_LIST")
    with_empty = await bot.call("/clients", "GET_CLIENT_LIST", {})
    with_null = await bot.call("/clients", "GET_CLIENT_LIST", None)
    assert without == with_empty == with_null
    (entry,) = without["clients"]
    assert entry["clientId"] == "bot" and entry["identity"] == "bot"
    assert entry["desc"] == "a bot" and entry["namespaces"] == ["/clients"]
    assert set(entry) == {"clientId", "identity", "clientType", "desc", "namespaces", "connectedAt"}
    assert key not in json.dumps(without) and "$2" not in json.dumps(without)


async def test_pairing_approve_pushes_a_working_key(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    boss = await admin(make_client, datadir)
    newbie = Client(server.url)
    newbie.queue("/auth", "TEMP_ROOM_ASSIGNED")
    newbie.queue("/auth", "GET_CLIENT_KEY")
    await newbie.connect(["/auth"], {"clientId": "newbie", "key": "getKey", "desc": "new"})
    try:
        room = await newbie.next("/auth", "TEMP_ROOM_ASSIGNED")
        assert room["roomId"].startswith("temp-")
        update = await boss.next("/clients", "KEY_REQUESTS_UPDATE")
        assert [r["roomId"] for r in update["requests"]] == [room["roomId"]]
        listed = await boss.call("/clients", "GET_KEY_REQUESTS")
        (request,) = listed["requests"]
        assert request["clientId"] == "newbie" and request["namespace"] == "/auth"
        assert request["trusted"] is False and request["desc"] == "new"
        # a pending socket may only wait
        assert await newbie.call("/auth", "GET_SILLYTAVERN_EXTENSION") == {
            "status": "error",
            "message": "Key request pending approval.",
        }
        approved = await boss.call("/clients", "APPROVE_KEY_REQUEST", {"roomId": room["roomId"]})
        assert approved == {"status": "ok", "clientId": "newbie"}
        pushed = await newbie.next("/auth", "GET_CLIENT_KEY")
        assert pushed["type"] == "GET_CLIENT_KEY" and pushed["clientId"] == "newbie"
        assert UUID4.match(pushed["key"])
        # the approved socket is now authenticated
        assert (await newbie.call("/auth", "GET_SILLYTAVERN_EXTENSION"))["status"] == "ok"
        again = await make_client(["/"], {"clientId": "newbie", "key": pushed["key"]})
        assert "/" in again.sio.namespaces
        trust = json.loads((datadir.settings_dir / "newbie-settings.json").read_text())
        assert trust["isTrust"] is True
        assert await boss.call("/clients", "APPROVE_KEY_REQUEST", {"roomId": room["roomId"]}) == {
            "status": "error",
            "message": "Key request not found.",
        }
    finally:
        await newbie.close()


async def test_pairing_deny_and_expiry(datadir: DataDir) -> None:
    write_settings(datadir, pairingTimeoutMs=300)
    srv = RelayServer(datadir, host="127.0.0.1", port=0)
    await srv.start()
    key = provision(datadir, "admin", monitor=True)
    boss = Client(srv.url)
    denied = Client(srv.url)
    late = Client(srv.url)
    try:
        await boss.connect(["/clients"], {"clientId": "admin", "key": key, "clientType": "monitor"})
        for c in (denied, late):
            c.queue("/auth", "TEMP_ROOM_ASSIGNED")
            c.queue("/auth", "ERROR")
        await denied.connect(["/auth"], {"clientId": "denied", "key": "getKey"})
        room = await denied.next("/auth", "TEMP_ROOM_ASSIGNED")
        assert await boss.call("/clients", "DENY_KEY_REQUEST", {"roomId": room["roomId"]}) == {
            "status": "ok",
            "clientId": "denied",
        }
        assert await denied.next("/auth", "ERROR") == {
            "type": "ERROR",
            "message": "Key request denied.",
        }
        await asyncio.wait_for(denied.disconnects["/auth"].get(), 5)

        await late.connect(["/auth"], {"clientId": "late", "key": "getKey"})
        await late.next("/auth", "TEMP_ROOM_ASSIGNED")
        assert await late.next("/auth", "ERROR") == {
            "type": "ERROR",
            "message": "Key request expired.",
        }
        assert (await boss.call("/clients", "GET_KEY_REQUESTS"))["requests"] == []
    finally:
        for c in (boss, denied, late):
            await c.close()
        await srv.stop()


async def test_get_key_refused_when_pairing_is_off(datadir: DataDir) -> None:
    write_settings(datadir, pairingRequests=False)
    srv = RelayServer(datadir, host="127.0.0.1", port=0)
    await srv.start()
    try:
        got = await refusal(srv.url, "/auth", {"clientId": "x", "key": "getKey"})
        assert got["message"] == "Key requests are not allowed."
    finally:
        await srv.stop()


async def test_identify_sillytavern_gives_an_extension_a_new_key(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    old = provision(datadir, "st")
    ext = await make_client(
        ["/sillytavern"], {"clientId": "st", "key": old, "clientType": "SillyTavern"}
    )
    answer = await ext.call("/sillytavern", "IDENTIFY_SILLYTAVERN", {})
    assert answer["status"] == "ok" and UUID4.match(answer["key"])
    assert "/sillytavern" in ext.sio.namespaces  # the asking socket is spared
    assert (await refusal(server.url, "/", {"clientId": "st", "key": old}))[
        "message"
    ] == "Invalid key."
    key = provision(datadir, "plain")
    plain = await make_client(["/sillytavern"], {"clientId": "plain", "key": key})
    assert await plain.call("/sillytavern", "IDENTIFY_SILLYTAVERN") == {
        "status": "error",
        "message": "Permission denied.",
    }


async def test_extension_list_and_client_list_updates(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    key = provision(datadir, "watcher")
    watcher = await make_client(
        ["/auth", "/clients"],
        {"clientId": "watcher", "key": key},
        subscribe=(
            ("/clients", "UPDATE_CONNECTED_CLIENTS"),
            ("/clients", "CONNECTED_CLIENTS_UPDATE"),
        ),
    )
    assert await watcher.call("/auth", "GET_SILLYTAVERN_EXTENSION") == {
        "status": "ok",
        "extensions": [],
        "allTheSTSocket": [],
    }
    st_key = provision(datadir, "st")
    await make_client(["/llm"], {"clientId": "st", "key": st_key, "clientType": "SillyTavern"})
    assert await watcher.call("/auth", "GET_SILLYTAVERN_EXTENSION") == {
        "status": "ok",
        "extensions": ["st"],
        "allTheSTSocket": ["st"],
    }
    for event in ("UPDATE_CONNECTED_CLIENTS", "CONNECTED_CLIENTS_UPDATE"):
        while True:
            update = await watcher.next("/clients", event)
            if any(c["identity"] == "st" for c in update["clients"]):
                break
