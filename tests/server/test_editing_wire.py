"""History editing over the wire (PROTOCOL.md §7.11): acks and who hears about it."""

from __future__ import annotations

import asyncio

import pytest

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.transport.server import RelayServer
from tests.server.conftest import provision
from tests.server.test_modes_wire import LLM, ROOMS, Make

EVENTS = ("NEW_MESSAGE", "MESSAGE_UPDATED", "MESSAGES_DELETED", "MESSAGES_CLEARED")


async def test_edit_delete_clear_over_the_wire(
    server: RelayServer, datadir: DataDir, make_client: Make
) -> None:
    clients = {}
    for cid, monitor in (("admin", True), ("host", False), ("guest", False), ("outsider", False)):
        key = provision(datadir, cid, monitor=monitor)
        clients[cid] = await make_client(
            [ROOMS, LLM],
            {"clientId": cid, "key": key, "clientType": "monitor" if monitor else "client"},
            subscribe=tuple((LLM, e) for e in EVENTS),
        )
    admin, host, guest, outsider = (clients[c] for c in ("admin", "host", "guest", "outsider"))
    await admin.call(ROOMS, "CREATE_ROOM", {"roomName": "lobby"})
    for who, role in (("host", "manager"), ("guest", "guest")):
        await admin.call(
            ROOMS, "ADD_CLIENT_TO_ROOM", {"identity": who, "roomName": "lobby", "role": role}
        )
    mode = {"roomName": "lobby", "mode": "MasterOnly"}
    assert (await host.call(ROOMS, "SET_ROOM_MESSAGE_REQUEST_MODE", mode))["status"] == "ok"
    request = {"requestId": "g1", "message": "hi", "targetRoom": "lobby"}
    assert (await guest.call(LLM, "LLM_REQUEST", request))["disposition"] == "recorded"
    while True:  # system messages of the joins come first
        new = await guest.next(LLM, "NEW_MESSAGE")
        if new["message"]["kind"] == "request":
            break
    message_id = new["message"]["messageId"]
    edit = {"roomName": "lobby", "messageId": message_id, "updatedFields": {"message": "hello"}}
    assert (await outsider.call(LLM, "EDIT_MESSAGE", edit)) == {
        "status": "error",
        "message": "Permission denied to edit this message.",
    }
    ack = await guest.call(LLM, "EDIT_MESSAGE", edit)
    assert ack["status"] == "ok" and ack["message"]["data"] == "hello"
    assert (await host.next(LLM, "MESSAGE_UPDATED"))["message"]["message"] == "hello"
    delete = {"roomName": "lobby", "messageIds": message_id}
    assert await host.call(LLM, "DELETE_MESSAGE", delete) == {
        "status": "ok",
        "messageIds": [message_id],
    }
    gone = await guest.next(LLM, "MESSAGES_DELETED")
    assert gone == {"roomName": "lobby", "messageIds": [message_id]}
    assert await host.call(LLM, "CLEAR_MESSAGES", {"roomName": "lobby"}) == {"status": "ok"}
    cleared = await guest.next(LLM, "MESSAGES_CLEARED")
    assert cleared == {"roomName": "lobby", "clearedRequests": True, "clearedResponses": True}
    with pytest.raises(asyncio.TimeoutError):  # not a member: hears nothing
        await outsider.next(LLM, "MESSAGES_CLEARED", timeout=0.3)
