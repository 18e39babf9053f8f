"""Mute and member status over the wire (PROTOCOL.md §6.5 MUTE_MEMBER/UNMUTE_MEMBER, §7.11,
§7.12): acks and errors, ERROR without an ack, expiry on the server's own timer, and who
hears each notification and who must not."""

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
from tests.server.test_rooms_system_wire import iter_queue, quiet

_LLM_NOTICES = ("MEMBER_MUTED", "MEMBER_UNMUTED", "MEMBER_STATUS_UPDATE", "NEW_MESSAGE")
SUBSCRIBE = (*((LLM, e) for e in _LLM_NOTICES), (ROOMS, "MEMBER_MUTED"), (LLM, "ERROR"))


def error(message: str) -> dict[str, Any]:
    return {"status": "error", "message": message}


@pytest.fixture
async def world(
    server: RelayServer, datadir: DataDir, make_client: Make
) -> AsyncIterator[dict[str, Any]]:
    """admin; lobby with host (manager) and guest; outsider; extension st (assigned, Free)."""
    people: dict[str, Any] = {"keys": {}}
    for cid, monitor in (("admin", True), ("host", False), ("guest", False), ("outsider", False)):
        key = provision(datadir, cid, monitor=monitor)
        people["keys"][cid] = key
        people[cid] = await make_client(
            [ROOMS, LLM],
            {"clientId": cid, "key": key, "clientType": "monitor" if monitor else "client"},
            subscribe=SUBSCRIBE,
        )
    admin = people["admin"]
    assert (await admin.call(ROOMS, "CREATE_ROOM", {"roomName": "lobby"}))["status"] == "ok"
    for who, role in (("host", "manager"), ("guest", "guest")):
        add = {"identity": who, "roomName": "lobby", "role": role}
        assert (await admin.call(ROOMS, "ADD_CLIENT_TO_ROOM", add))["status"] == "ok"
    key = provision(datadir, "st")
    assert key is not None
    ext = EmulatedExtension(server.url, "st", key)
    await ext.connect()
    people["st"] = ext
    for _ in range(100):
        if (await admin.call(ROOMS, "GET_ASSIGNMENTS_FOR_ROOM", {"roomName": "lobby"}))[
            "assignments"
        ] == ["st"]:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.1)
    for cid in ("admin", "host", "guest", "outsider"):
        for queue in people[cid].events.values():
            iter_queue(queue)  # only news from here
    ext.received.clear()
    yield people
    await ext.close()


async def system_text(client: Client) -> str:
    while True:
        new = await client.next(LLM, "NEW_MESSAGE")
        if new["message"]["kind"] == "system":
            return str(new["message"]["message"])


async def test_errors_and_aliases(world: dict[str, Any]) -> None:
    host, guest, outsider = world["host"], world["guest"], world["outsider"]
    for event in ("MUTE_MEMBER", "UNMUTE_MEMBER"):
        missing = {"targetIdentity": "nobody", "roomName": "nowhere"}
        assert await guest.call(ROOMS, event, missing) == error("Member not found")
        assert await guest.call(
            ROOMS, event, {"targetIdentity": "host", "roomName": "nowhere"}
        ) == (error("Room not found"))
        assert await guest.call(ROOMS, event, {"targetIdentity": "host", "roomName": "lobby"}) == (
            error("Permission denied")
        )
        assert await host.call(
            ROOMS, event, {"targetIdentity": "outsider", "roomName": "lobby"}
        ) == (error("Permission denied"))
        assert await host.call(ROOMS, event, {"targetIdentity": "guest"}) == error(
            "Permission denied"
        )
    await quiet(outsider, LLM, "MEMBER_MUTED")
    # targetClientId is the alias of targetIdentity (§6.5)
    mute = {"targetClientId": "guest", "roomName": "lobby", "duration": 60}
    assert await host.call(ROOMS, "MUTE_MEMBER", mute) == {"status": "ok"}
    assert (await guest.next(LLM, "MEMBER_MUTED"))["identity"] == "guest"


async def test_who_hears_a_mute_and_its_expiry(world: dict[str, Any]) -> None:
    host, guest, outsider, admin = world["host"], world["guest"], world["outsider"], world["admin"]
    ext = world["st"]
    mute = {"targetIdentity": "guest", "roomName": "lobby", "duration": 1}
    assert await host.call(ROOMS, "MUTE_MEMBER", mute) == {"status": "ok"}
    muted = await guest.next(LLM, "MEMBER_MUTED")
    assert muted["mutedBy"] == "host" and muted["duration"] == 1
    assert muted["roomName"] == "lobby" and muted["mutedUntil"].endswith("Z")
    assert await system_text(host) == "[System] guest has been muted by host for 1 seconds."
    assert await system_text(guest) == "[System] guest has been muted by host for 1 seconds."
    status = await host.next(LLM, "MEMBER_STATUS_UPDATE")
    assert (status["identity"], status["roomName"], status["status"]) == ("guest", "lobby", "muted")
    # expiry on the server's timer: the same as an unmute, by System
    unmuted = await guest.next(LLM, "MEMBER_UNMUTED", timeout=10)
    assert unmuted == {"identity": "guest", "unmutedBy": "System", "roomName": "lobby"}
    assert await system_text(host) == "[System] guest has been unmuted by System."
    status = await host.next(LLM, "MEMBER_STATUS_UPDATE")
    assert (status["identity"], status["status"]) == ("guest", "idle")
    # the assigned extension hears the room's system messages; nobody else hears anything
    texts = [m["message"]["message"] for m in ext.received.get("NEW_MESSAGE", [])]
    assert texts == [
        "[System] guest has been muted by host for 1 seconds.",
        "[System] guest has been unmuted by System.",
    ]
    assert "MEMBER_MUTED" not in ext.received and "MEMBER_STATUS_UPDATE" not in ext.received
    for ns, event in SUBSCRIBE:
        assert iter_queue(outsider.queue(ns, event)) == [], event
    await quiet(host, LLM, "MEMBER_MUTED")
    await quiet(guest, ROOMS, "MEMBER_MUTED")  # /llm only
    # the admin created lobby, so it is its master and a member
    assert [u["status"] for u in iter_queue(admin.queue(LLM, "MEMBER_STATUS_UPDATE"))] == [
        "muted",
        "idle",
    ]


async def test_a_permanent_mute_without_room(world: dict[str, Any]) -> None:
    admin, guest, host = world["admin"], world["guest"], world["host"]
    assert await admin.call(ROOMS, "MUTE_MEMBER", {"targetIdentity": "guest"}) == {"status": "ok"}
    assert await guest.next(LLM, "MEMBER_MUTED") == {
        "identity": "guest",
        "mutedBy": "admin",
        "mutedUntil": "9999-12-31T23:59:59.999Z",
        "duration": "permanent",
        "roomName": None,
    }
    refused = await guest.call(
        LLM, "LLM_REQUEST", {"requestId": "g1", "message": "x", "targetRoom": "lobby"}
    )
    assert refused["message"] == "You are currently muted and cannot send messages."
    assert await admin.call(ROOMS, "UNMUTE_MEMBER", {"targetIdentity": "guest"}) == {"status": "ok"}
    assert await guest.next(LLM, "MEMBER_UNMUTED") == {
        "identity": "guest",
        "unmutedBy": "admin",
        "roomName": None,
    }
    await quiet(host, LLM, "NEW_MESSAGE")  # no room: no system message
    assert await admin.call(ROOMS, "UNMUTE_MEMBER", {"targetIdentity": "guest"}) == {"status": "ok"}
    await quiet(guest, LLM, "MEMBER_UNMUTED")  # not muted: no effect


async def test_status_events_errors_without_ack_and_processing(world: dict[str, Any]) -> None:
    host, guest, outsider, ext = world["host"], world["guest"], world["outsider"], world["st"]
    await outsider.sio.emit("START_TYPING", {"targetRoom": "lobby"}, namespace=LLM)
    assert await outsider.next(LLM, "ERROR") == {
        "type": "ERROR",
        "message": "You are not a member of room lobby.",
    }
    await guest.sio.emit("START_TYPING", {"targetRoom": "nowhere"}, namespace=LLM)
    assert (await guest.next(LLM, "ERROR"))["message"] == "Room nowhere not found."
    await guest.sio.emit("START_PROCESSING", {"targetRoom": "lobby"}, namespace=LLM)
    assert (await guest.next(LLM, "ERROR"))["message"] == "Permission denied."
    await guest.sio.emit("START_TYPING", {"targetRoom": "lobby"}, namespace=LLM)  # no ack: fine
    typing = await host.next(LLM, "MEMBER_STATUS_UPDATE")
    assert (typing["identity"], typing["status"]) == ("guest", "typing")
    await quiet(guest, LLM, "ERROR")
    # the assigned extension (not a member) may say it is processing
    ack = await ext.sio.call("START_PROCESSING", {"targetRoom": "lobby"}, namespace=LLM)
    assert ack == {"status": "ok"}
    processing = await guest.next(LLM, "MEMBER_STATUS_UPDATE")
    while processing["identity"] != "st":
        processing = await guest.next(LLM, "MEMBER_STATUS_UPDATE")
    assert processing["status"] == "processing"
    ack = await ext.sio.call("STOP_PROCESSING", {"targetRoom": "lobby"}, namespace=LLM)
    assert ack == {"status": "ok"}
    assert (await guest.next(LLM, "MEMBER_STATUS_UPDATE"))["status"] == "idle"
    await quiet(outsider, LLM, "MEMBER_STATUS_UPDATE")


async def test_idle_when_the_last_llm_socket_closes(
    world: dict[str, Any], server: RelayServer
) -> None:
    host, guest = world["host"], world["guest"]
    second = Client(server.url)  # guest's second /llm socket, in a client of its own
    await second.connect([LLM], {"clientId": "guest", "key": world["keys"]["guest"]})
    assert await guest.call(LLM, "START_TYPING", {"targetRoom": "lobby"}) == {"status": "ok"}
    assert (await host.next(LLM, "MEMBER_STATUS_UPDATE"))["status"] == "typing"
    await second.close()
    await quiet(host, LLM, "MEMBER_STATUS_UPDATE")  # guest still has an /llm socket
    await guest.close()
    idle = await host.next(LLM, "MEMBER_STATUS_UPDATE")
    assert (idle["identity"], idle["roomName"], idle["status"]) == ("guest", "lobby", "idle")
