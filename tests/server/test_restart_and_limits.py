"""Persistence across restarts, malformed input and the payload limit."""

from __future__ import annotations

import asyncio
from typing import Any

import socketio

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.transport.server import RelayServer
from tests.server.conftest import Client, provision


async def test_keys_trust_and_rooms_survive_a_restart(datadir: DataDir) -> None:
    admin_key = provision(datadir, "admin", monitor=True)
    provision(datadir, "bot", key=False)
    srv = RelayServer(datadir, host="127.0.0.1", port=0)
    await srv.start()
    boss = Client(srv.url)
    await boss.connect(
        ["/clients", "/rooms"], {"clientId": "admin", "key": admin_key, "clientType": "monitor"}
    )
    bot_key = (await boss.call("/clients", "GENERATE_CLIENT_KEY", {"targetClientId": "bot"}))["key"]
    assert (await boss.call("/rooms", "CREATE_ROOM", {"roomName": "lobby"}))["status"] == "ok"
    await boss.close()
    await srv.stop()
    keys_before = datadir.keys_file.read_bytes()
    trust_before = {p.name: p.read_bytes() for p in datadir.settings_dir.iterdir()}

    srv = RelayServer(datadir, host="127.0.0.1", port=0)
    await srv.start()
    try:
        bot = Client(srv.url)
        await bot.connect(["/rooms"], {"clientId": "bot", "key": bot_key})
        rooms = (await bot.call("/rooms", "GET_ROOMS"))["rooms"]
        # the admin only created a room: its own personal room was never used, so not kept
        assert "lobby" in rooms and "bot" in rooms and "admin" not in rooms
        await bot.close()
    finally:
        await srv.stop()
    assert datadir.keys_file.read_bytes() == keys_before
    assert {p.name: p.read_bytes() for p in datadir.settings_dir.iterdir()} == trust_before


async def test_malformed_payloads_get_error_acks(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    key = provision(datadir, "admin", monitor=True)
    boss = await make_client(
        ["/clients", "/rooms"], {"clientId": "admin", "key": key, "clientType": "monitor"}
    )
    cases = [
        ("/clients", "GENERATE_CLIENT_KEY", 5, "Invalid payload."),
        ("/clients", "GENERATE_CLIENT_KEY", "bot", "Invalid payload."),
        ("/clients", "GENERATE_CLIENT_KEY", {"targetClientId": 5}, "Invalid clientId."),
        ("/clients", "GENERATE_CLIENT_KEY", {"targetClientId": "a/b"}, "Invalid clientId."),
        ("/clients", "APPROVE_KEY_REQUEST", {"roomId": ["x"]}, "Key request not found."),
        ("/rooms", "CREATE_ROOM", {"roomName": ""}, "Invalid room name"),
        ("/rooms", "CREATE_ROOM", {"roomName": 7}, "Invalid room name"),
        ("/rooms", "GET_ROOM_INFO", [1, 2], "Invalid payload."),
        (
            "/rooms",
            "SET_MEMBER_ROLE",
            {"targetIdentity": "x", "roomName": "admin", "role": "god"},
            "Invalid role",
        ),
    ]
    for namespace, event, payload, message in cases:
        answer = await boss.call(namespace, event, payload)
        assert answer == {"status": "error", "message": message}, (event, payload, answer)


async def test_a_failed_change_without_ack_is_reported_as_error_event(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    key = provision(datadir, "admin", monitor=True)
    boss = await make_client(
        ["/rooms"], {"clientId": "admin", "key": key, "clientType": "monitor"},
        subscribe=(("/rooms", "ERROR"),),
    )  # fmt: skip
    await boss.sio.emit("CREATE_ROOM", {"roomName": ""}, namespace="/rooms")
    assert await boss.next("/rooms", "ERROR") == {"type": "ERROR", "message": "Invalid room name"}


async def test_non_string_event_names_are_ignored(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    key = provision(datadir, "bot")
    bot = await make_client(["/clients"], {"clientId": "bot", "key": key})
    await bot.sio.eio.send('2/clients,[null,{"a":1}]')  # what emit(undefined, …) produces
    await bot.sio.eio.send("2/clients,[42]")
    assert (await bot.call("/clients", "GET_CLIENT_LIST"))["status"] == "ok"


async def test_an_oversized_message_closes_only_that_connection(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    key = provision(datadir, "bot")
    big = await make_client(["/clients"], {"clientId": "bot", "key": key})
    gone: asyncio.Event = asyncio.Event()
    big.sio.on("disconnect", lambda *a: gone.set(), namespace="/clients")
    await big.sio.emit("GET_CLIENT_LIST", {"blob": "x" * (2 * 1024 * 1024)}, namespace="/clients")
    await asyncio.wait_for(gone.wait(), 5)
    other = await make_client(["/clients"], {"clientId": "bot", "key": key})
    assert (await other.call("/clients", "GET_CLIENT_LIST"))["status"] == "ok"
    assert isinstance(other.sio, socketio.AsyncClient)
