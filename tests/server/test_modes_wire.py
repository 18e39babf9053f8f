"""Message request modes over the wire (PROTOCOL.md §6.5 SET_ROOM_MESSAGE_REQUEST_MODE, §7.3)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.transport.server import RelayServer
from tests.server.conftest import Client, provision
from tests.server.emulated import EmulatedExtension

ROOMS, LLM = "/rooms", "/llm"
Make = Callable[..., Awaitable[Client]]


async def person(make_client: Make, datadir: DataDir, client_id: str, **kw: Any) -> Client:
    key = provision(datadir, client_id, **kw)
    client_type = "monitor" if kw.get("monitor") else "client"
    return await make_client(
        [ROOMS, LLM],
        {"clientId": client_id, "key": key, "clientType": client_type},
        subscribe=((ROOMS, "ROOM_MODE_CHANGED"),),
    )


async def test_host_submit_over_the_wire(
    server: RelayServer, datadir: DataDir, make_client: Make
) -> None:
    key = provision(datadir, "st")
    assert key is not None
    ext = EmulatedExtension(server.url, "st", key, tokens=["ok"])
    await ext.connect()
    try:
        admin = await person(make_client, datadir, "admin", monitor=True)
        host = await person(make_client, datadir, "host")
        guest = await person(make_client, datadir, "guest")
        assert (await admin.call(ROOMS, "CREATE_ROOM", {"roomName": "lobby"}))["status"] == "ok"
        for who, role in (("host", "manager"), ("guest", "guest")):
            ack = await admin.call(
                ROOMS, "ADD_CLIENT_TO_ROOM", {"identity": who, "roomName": "lobby", "role": role}
            )
            assert ack["status"] == "ok", ack
        mode = {"roomName": "lobby", "mode": "HostSubmit"}
        denied = await guest.call(ROOMS, "SET_ROOM_MESSAGE_REQUEST_MODE", mode)
        assert denied == {
            "status": "error",
            "message": "Permission denied. Only room master/manager or admin can set the mode.",
        }
        ack = await host.call(ROOMS, "SET_ROOM_MESSAGE_REQUEST_MODE", mode)
        assert ack == {"status": "ok", "roomName": "lobby", "mode": "HostSubmit"}
        changed = await guest.next(ROOMS, "ROOM_MODE_CHANGED")
        assert changed == {"roomName": "lobby", "mode": "HostSubmit", "setter": "host"}
        queued = await guest.call(
            LLM, "LLM_REQUEST", {"requestId": "g1", "message": "guest text", "targetRoom": "lobby"}
        )
        assert queued["disposition"] == "queued" and queued["targets"] == []
        forwarded = await host.call(
            LLM, "LLM_REQUEST", {"requestId": "h1", "message": "host text", "targetRoom": "lobby"}
        )
        assert forwarded["disposition"] == "forwarded" and forwarded["targets"] == ["st"]
        for _ in range(100):
            if ext.requests:
                break
            await asyncio.sleep(0.05)
        (sent,) = ext.requests
        assert sent["message"] == "guest text\n\nhost text"
        assert sent["originalRequestIds"] == ["g1", "h1"] and sent["mergedFromCount"] == 2
        missing = await host.call(
            ROOMS, "SET_ROOM_MESSAGE_REQUEST_MODE", {"roomName": "nowhere", "mode": "Immediate"}
        )
        assert missing == {"status": "error", "message": "Room nowhere not found."}
    finally:
        await ext.close()
