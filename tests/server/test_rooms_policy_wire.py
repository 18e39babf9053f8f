"""Connection policy and assignment over the wire (PROTOCOL.md §6.5, §6.5.1, §7.3): every
event, its errors in order, default targets, and who hears AVAILABLE_EXTENSIONS."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.transport.server import RelayServer
from tests.server.conftest import Client, provision
from tests.server.emulated import EmulatedExtension
from tests.server.test_modes_wire import LLM, ROOMS, Make
from tests.server.test_rooms_system_wire import iter_queue, next_for

DEBUG = "/debug"


def error(message: str) -> dict[str, Any]:
    return {"status": "error", "message": message}


async def notes_about(client: Client, rooms: set[str]) -> dict[str, list[str]]:
    """The next AVAILABLE_EXTENSIONS of each of `rooms` (in any order); fails on another room."""
    seen: dict[str, list[str]] = {}
    while set(seen) != rooms:
        note = await client.next(ROOMS, "AVAILABLE_EXTENSIONS")
        assert note["roomName"] in rooms and note["roomName"] not in seen, note
        seen[note["roomName"]] = note["extensions"]
    return seen


@pytest.fixture
async def world(
    server: RelayServer, datadir: DataDir, make_client: Make
) -> AsyncIterator[dict[str, Any]]:
    """admin, host (manager of lobby), guest (guest of lobby), outsider; extensions st, st2."""
    people: dict[str, Any] = {}
    for cid, monitor in (("admin", True), ("host", False), ("guest", False), ("outsider", False)):
        key = provision(datadir, cid, monitor=monitor)
        people[cid] = await make_client(
            [ROOMS, LLM, DEBUG] if monitor else [ROOMS, LLM],
            {"clientId": cid, "key": key, "clientType": "monitor" if monitor else "client"},
            subscribe=((ROOMS, "AVAILABLE_EXTENSIONS"),),
        )
    admin = people["admin"]
    assert (await admin.call(ROOMS, "CREATE_ROOM", {"roomName": "lobby"}))["status"] == "ok"
    for who, role in (("host", "manager"), ("guest", "guest")):
        add = {"identity": who, "roomName": "lobby", "role": role}
        assert (await admin.call(ROOMS, "ADD_CLIENT_TO_ROOM", add))["status"] == "ok"
    exts = []
    for cid in ("st", "st2"):
        key = provision(datadir, cid)
        assert key is not None
        ext = EmulatedExtension(server.url, cid, key, tokens=["ok"])
        await ext.connect()
        exts.append(ext)
        while (await next_for(people["guest"], "lobby"))["extensions"][-1:] != [cid]:
            pass  # wait until the server counts it as available
    people["st"], people["st2"] = exts
    await asyncio.sleep(0.2)
    for cid in ("admin", "host", "guest", "outsider"):
        iter_queue(people[cid].queue(ROOMS, "AVAILABLE_EXTENSIONS"))  # only news from here
    yield people
    for ext in exts:
        await ext.close()


async def test_errors_in_order_and_the_reads(world: dict[str, Any]) -> None:
    admin, guest = world["admin"], world["guest"]
    assign = "ASSIGN_EXTENSION_TO_CLIENT"
    assert await guest.call(ROOMS, assign, {"clientRoom": "lobby", "extensions": ["st"]}) == (
        error("Unauthorized")
    )
    # not Manual comes first, even for a missing room and a bad list
    assert await admin.call(ROOMS, assign, {"clientRoom": "nowhere", "extensions": 5}) == error(
        "Manual assignment is only allowed in Manual mode"
    )
    assert await admin.call(ROOMS, "SET_CONNECTION_POLICY", {"policy": "Manual"}) == {
        "status": "ok",
        "policy": "Manual",
    }
    assert await admin.call(ROOMS, assign, {"clientRoom": "nowhere", "extensions": 5}) == error(
        "Client room not found"
    )
    assert await admin.call(ROOMS, assign, {"extensions": ["st"]}) == error("Client room not found")
    assert await admin.call(ROOMS, assign, {"clientRoom": "lobby", "extensions": "st"}) == error(
        "extensions must be a list of extension identities."
    )
    assert await admin.call(
        ROOMS, assign, {"clientRoom": "lobby", "extensions": ["st", "ghost"]}
    ) == error("Extension not found: ghost")
    assert await guest.call(ROOMS, "GET_ASSIGNMENTS_FOR_ROOM", {"roomName": "nowhere"}) == {
        "status": "ok",
        "assignments": [],
    }
    everything = (await guest.call(ROOMS, "GET_ASSIGNMENTS"))["assignments"]
    assert "st" not in everything and "st2" not in everything  # extensions' personal rooms
    assert set(everything) == {"admin", "host", "guest", "outsider", "lobby"}
    assert all(exts == [] for exts in everything.values())
    status = (await admin.call(DEBUG, "SERVER_STATUS"))["serverStatus"]
    assert status["connectionPolicy"] == "Manual"  # live, not the value at start


async def test_default_targets_follow_the_assignment(world: dict[str, Any]) -> None:
    admin, host, guest = world["admin"], world["host"], world["guest"]
    st, st2 = world["st"], world["st2"]
    await admin.call(ROOMS, "SET_CONNECTION_POLICY", {"policy": "Manual"})
    assert await next_for(guest, "lobby") == {"roomName": "lobby", "extensions": []}
    assign = {"clientRoom": "lobby", "extensions": ["st2"]}
    assert await admin.call(ROOMS, "ASSIGN_EXTENSION_TO_CLIENT", assign) == {
        "status": "ok",
        "clientRoom": "lobby",
        "extensions": ["st2"],
    }
    assert await next_for(host, "lobby") == {"roomName": "lobby", "extensions": []}
    assert await next_for(host, "lobby") == {"roomName": "lobby", "extensions": ["st2"]}
    assert await next_for(guest, "lobby") == {"roomName": "lobby", "extensions": ["st2"]}
    request = {"requestId": "h1", "message": "hi", "targetRoom": "lobby"}
    assert (await host.call(LLM, "LLM_REQUEST", request))["targets"] == ["st2"]
    await admin.call(ROOMS, "SET_CONNECTION_POLICY", {"policy": "Broadcast"})
    assert await next_for(guest, "lobby") == {"roomName": "lobby", "extensions": ["st", "st2"]}
    request["requestId"] = "h2"
    assert (await host.call(LLM, "LLM_REQUEST", request))["targets"] == ["st", "st2"]
    await admin.call(ROOMS, "SET_CONNECTION_POLICY", {"policy": "Free"})
    request["requestId"] = "h3"
    assert (await host.call(LLM, "LLM_REQUEST", request))["targets"] == ["st"]  # the first
    for _ in range(100):
        if len(st.requests) == 2 and len(st2.requests) == 2:
            break
        await asyncio.sleep(0.05)
    assert [r["requestId"] for r in st.requests] == ["h2", "h3"]
    assert [r["requestId"] for r in st2.requests] == ["h1", "h2"]


async def test_who_hears_available_extensions(world: dict[str, Any]) -> None:
    guest, outsider = world["guest"], world["outsider"]
    await world["st"].close()  # Free: every assignable room loses st
    assert await notes_about(guest, {"lobby", "guest"}) == {"lobby": ["st2"], "guest": ["st2"]}
    assert await notes_about(outsider, {"outsider"}) == {"outsider": ["st2"]}
    await asyncio.sleep(0.2)
    heard = iter_queue(outsider.queue(ROOMS, "AVAILABLE_EXTENSIONS"))
    assert heard == []  # nothing about lobby, guest's or host's rooms
    # the same list again is no change: setting Broadcast (same lists as Free) is silent
    await world["admin"].call(ROOMS, "SET_CONNECTION_POLICY", {"policy": "Broadcast"})
    await asyncio.sleep(0.2)
    assert iter_queue(guest.queue(ROOMS, "AVAILABLE_EXTENSIONS")) == []
