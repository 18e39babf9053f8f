"""Policy, assignment, mute, member status and thinking over the wire (PROTOCOL.md §6.5,
§6.5.1, §7.12, §7.13): acks, errors, and who gets each notification."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.transport.server import RelayServer
from tests.server.conftest import Client, provision, write_settings
from tests.server.emulated import EmulatedExtension
from tests.server.test_modes_wire import LLM, ROOMS, Make

SUBSCRIBE = (
    (ROOMS, "AVAILABLE_EXTENSIONS"),
    (LLM, "MEMBER_MUTED"),
    (LLM, "MEMBER_UNMUTED"),
    (LLM, "MEMBER_STATUS_UPDATE"),
    (LLM, "NEW_MESSAGE"),
)


@pytest.fixture
async def room(
    server: RelayServer, datadir: DataDir, make_client: Make
) -> AsyncIterator[dict[str, Any]]:
    people: dict[str, Any] = {}
    for cid, monitor in (("admin", True), ("host", False), ("guest", False), ("outsider", False)):
        key = provision(datadir, cid, monitor=monitor)
        people[cid] = await make_client(
            [ROOMS, LLM],
            {"clientId": cid, "key": key, "clientType": "monitor" if monitor else "client"},
            subscribe=SUBSCRIBE,
        )
    admin = people["admin"]
    await admin.call(ROOMS, "CREATE_ROOM", {"roomName": "lobby"})
    for who, role in (("host", "manager"), ("guest", "guest")):
        ack = await admin.call(
            ROOMS, "ADD_CLIENT_TO_ROOM", {"identity": who, "roomName": "lobby", "role": role}
        )
        assert ack["status"] == "ok"
    key = provision(datadir, "st")
    assert key is not None
    ext = EmulatedExtension(server.url, "st", key, tokens=["a", " thought"])
    await ext.connect()
    people["st"] = ext
    yield people
    await ext.close()


async def next_for(client: Client, room: str) -> Any:
    """The next AVAILABLE_EXTENSIONS about `room` (personal rooms get their own)."""
    while True:
        note = await client.next(ROOMS, "AVAILABLE_EXTENSIONS")
        if note["roomName"] == room:
            return note


def iter_queue(queue: asyncio.Queue[Any]) -> list[Any]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


async def quiet(client: Client, ns: str, event: str) -> None:
    with pytest.raises(asyncio.TimeoutError):
        await client.next(ns, event, timeout=0.3)


async def test_policy_and_manual_assignment(room: dict[str, Any]) -> None:
    admin, guest, outsider = room["admin"], room["guest"], room["outsider"]
    assert await guest.call(ROOMS, "SET_CONNECTION_POLICY", {"policy": "Manual"}) == {
        "status": "error",
        "message": "Unauthorized",
    }
    assert await admin.call(ROOMS, "SET_CONNECTION_POLICY", {"policy": "Nope"}) == {
        "status": "error",
        "message": "Failed to set connection policy",
    }
    assert await admin.call(ROOMS, "SET_CONNECTION_POLICY", {"policy": "Manual"}) == {
        "status": "ok",
        "policy": "Manual",
    }
    assert await guest.call(ROOMS, "GET_CONNECTION_POLICY") == {"status": "ok", "policy": "Manual"}
    first = await next_for(guest, "lobby")  # st connected under Free
    assert first == {"roomName": "lobby", "extensions": ["st"]}
    gone = await next_for(guest, "lobby")  # Free -> Manual: st is unassigned
    assert gone == {"roomName": "lobby", "extensions": []}
    assign = {"clientRoom": "lobby", "extensions": ["ghost"]}
    assert (await admin.call(ROOMS, "ASSIGN_EXTENSION_TO_CLIENT", assign))["message"] == (
        "Extension not found: ghost"
    )
    assign["extensions"] = ["st"]
    assert (await admin.call(ROOMS, "ASSIGN_EXTENSION_TO_CLIENT", assign))["status"] == "ok"
    assert await next_for(guest, "lobby") == {
        "roomName": "lobby",
        "extensions": ["st"],
    }
    await asyncio.sleep(0.2)
    assert all(
        note["roomName"] == "outsider"
        for note in iter_queue(outsider.queue(ROOMS, "AVAILABLE_EXTENSIONS"))
    )
    everything = await guest.call(ROOMS, "GET_ASSIGNMENTS")
    assert everything["assignments"]["lobby"] == ["st"]
    mine = await guest.call(ROOMS, "GET_ASSIGNMENTS_FOR_ROOM", {"roomName": "lobby"})
    assert mine == {"status": "ok", "assignments": ["st"]}


async def test_mute_and_status(room: dict[str, Any]) -> None:
    host, guest, outsider = room["host"], room["guest"], room["outsider"]
    mute = {"targetIdentity": "guest", "roomName": "lobby", "duration": 60}
    assert (await outsider.call(ROOMS, "MUTE_MEMBER", mute))["message"] == "Permission denied"
    assert await host.call(ROOMS, "MUTE_MEMBER", mute) == {"status": "ok"}
    muted = await guest.next(LLM, "MEMBER_MUTED")
    assert muted["mutedBy"] == "host" and muted["duration"] == 60
    await quiet(host, LLM, "MEMBER_MUTED")  # only the target hears it
    status = await host.next(LLM, "MEMBER_STATUS_UPDATE")
    assert (status["identity"], status["status"]) == ("guest", "muted")
    refused = await guest.call(
        LLM, "LLM_REQUEST", {"requestId": "g1", "message": "x", "targetRoom": "lobby"}
    )
    assert refused["message"] == "You are currently muted and cannot send messages."
    unmute = {"targetIdentity": "guest", "roomName": "lobby"}
    assert await host.call(ROOMS, "UNMUTE_MEMBER", unmute) == {"status": "ok"}
    assert (await guest.next(LLM, "MEMBER_UNMUTED"))["unmutedBy"] == "host"
    assert await guest.call(LLM, "START_TYPING", {"targetRoom": "lobby"}) == {"status": "ok"}
    while True:
        status = await host.next(LLM, "MEMBER_STATUS_UPDATE")
        if status["status"] == "typing":
            break
    assert status["identity"] == "guest"
    await quiet(outsider, LLM, "MEMBER_STATUS_UPDATE")
    assert await outsider.call(LLM, "START_TYPING", {"targetRoom": "lobby"}) == {
        "status": "error",
        "message": "You are not a member of room lobby.",
    }


@pytest.fixture
def datadir(tmp_path: Any) -> DataDir:
    d = DataDir(tmp_path / "data")
    d.ensure()
    write_settings(
        d,
        conversationalCheckInterval=100,
        conversationalThinkProbability=1,
        conversationalThinkIntervalMin=60000,
        conversationalThinkIntervalMax=60000,
    )
    return d


async def test_a_conversational_room_thinks_and_its_members_hear_it(room: dict[str, Any]) -> None:
    admin, guest, ext = room["admin"], room["guest"], room["st"]
    mode = {"roomName": "lobby", "mode": "Conversational"}
    assert (await admin.call(ROOMS, "SET_ROOM_MESSAGE_REQUEST_MODE", mode))["status"] == "ok"
    for _ in range(100):
        if any(r.get("type") == "THINK_REQUEST" for r in ext.requests):
            break
        await asyncio.sleep(0.05)
    think = next(r for r in ext.requests if r.get("type") == "THINK_REQUEST")
    assert think["targetRoom"] == "lobby" and think["requestingIdentity"] is None
    while True:
        new = await guest.next(LLM, "NEW_MESSAGE")
        if new["message"]["kind"] == "response":
            break
    assert new["message"]["requestId"] == think["requestId"]
