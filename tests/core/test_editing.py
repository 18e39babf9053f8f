"""History editing on the core alone (PROTOCOL.md §7.11 "Editing")."""

from __future__ import annotations

import dataclasses
from typing import Any

from newage_desktop.core.app import Core
from newage_desktop.core.llm.desktop import desktop_socket
from newage_desktop.core.registry import SocketInfo
from tests.core import test_modes
from tests.core.conftest import RecordingGateway
from tests.core.test_relay import stream

lobby = test_modes.lobby  # the fixture
send = test_modes.send


def ids(core: Core) -> list[str]:
    return [m["messageId"] for m in core.relay.history.messages("lobby")]


def by_request(core: Core, rid: str) -> dict[str, Any]:
    return next(m for m in core.relay.history.messages("lobby") if m.get("requestId") == rid)


def error(message: str) -> dict[str, Any]:
    return {"status": "error", "message": message}


async def test_edit_permissions_protected_fields_and_one_text(
    core: Core,
    lobby: dict[str, SocketInfo],
    gateway: RecordingGateway,
) -> None:
    await send(core, lobby["guest"], "g1", "typo")
    target = by_request(core, "g1")["messageId"]
    stranger = dataclasses.replace(lobby["guest"], identity="stranger", sid="x")
    denied = await core.edit_message(stranger, "lobby", target, {"message": "no"})
    assert denied == error("Permission denied to edit this message.")
    gateway.sent.clear()
    ack = await core.edit_message(
        lobby["guest"],
        "lobby",
        target,
        {"data": "fixed", "identity": "someone", "kind": "system", "messageId": "x", "extra": 1},
    )
    assert ack["status"] == "ok"
    edited = ack["message"]
    assert edited["message"] == edited["data"] == "fixed"
    assert edited["identity"] == "guest" and edited["kind"] == "request"
    assert edited["messageId"] == target and edited["extra"] == 1
    assert edited["editedBy"] == "guest" and isinstance(edited["lastEdited"], str)
    assert by_request(core, "g1") == edited  # stored
    updates = [(s, d) for s, _, e, d in gateway.sent if e == "MESSAGE_UPDATED"]
    # members (host, mate, guest) and the assigned extension st get it
    assert sorted(s for s, _ in updates) == ["guest-sid", "host-sid", "mate-sid", "st-sid"]
    # privileged members and admins may edit anyone's message
    assert (await core.edit_message(lobby["mate"], "lobby", target, {"message": "m"}))[
        "status"
    ] == "ok"
    assert (await core.edit_message(desktop_socket(core), "lobby", target, {"message": "d"}))[
        "status"
    ] == "ok"
    assert await core.edit_message(lobby["host"], "lobby", "nope", {"message": "x"}) == error(
        "Failed to edit message. It might not exist."
    )
    assert await core.edit_message(lobby["host"], "lobby", target, None) == error(
        "Missing required fields for editing message."
    )


async def test_delete_is_all_or_nothing(
    core: Core,
    lobby: dict[str, SocketInfo],
    gateway: RecordingGateway,
) -> None:
    await send(core, lobby["guest"], "g1", "mine")
    await send(core, lobby["host"], "h1", "host's")
    mine, hosts = by_request(core, "g1")["messageId"], by_request(core, "h1")["messageId"]
    before = ids(core)
    assert await core.delete_messages(lobby["guest"], "lobby", [mine, hosts]) == error(
        "Permission denied to delete these messages."
    )
    assert ids(core) == before
    gateway.sent.clear()
    assert await core.delete_messages(lobby["guest"], "lobby", mine) == {
        "status": "ok",
        "messageIds": [mine],
    }
    deleted = [d for _, _, e, d in gateway.sent if e == "MESSAGES_DELETED"]
    assert deleted and all(d == {"roomName": "lobby", "messageIds": [mine]} for d in deleted)
    assert await core.delete_messages(lobby["host"], "lobby", ["gone"]) == {
        "status": "ok",
        "message": "No matching messages found to delete or operation failed.",
    }
    assert await core.delete_messages(lobby["host"], "lobby", []) == error(
        "Missing required fields for deleting messages."
    )


async def test_clear_flags_and_permission(
    core: Core,
    lobby: dict[str, SocketInfo],
    gateway: RecordingGateway,
) -> None:
    ext = lobby["st"]
    await send(core, lobby["host"], "h1", "question")
    await stream(core, ext, "s1", [(0, "answer")], requestId="h1")
    kinds = sorted(m["kind"] for m in core.relay.history.messages("lobby"))
    assert kinds == ["request", "response", "system", "system", "system"]
    assert await core.clear_messages(lobby["guest"], "lobby") == error(
        "Permission denied to clear messages."
    )
    gateway.sent.clear()
    assert await core.clear_messages(lobby["host"], "lobby", True, False) == {"status": "ok"}
    assert [m["kind"] for m in core.relay.history.messages("lobby")] == ["response"]
    cleared = [d for _, _, e, d in gateway.sent if e == "MESSAGES_CLEARED"]
    assert cleared[0] == {"roomName": "lobby", "clearedRequests": True, "clearedResponses": False}
    assert await core.clear_messages(lobby["host"], "lobby", True, False) == {
        "status": "ok",
        "message": "Messages already cleared or operation failed.",
    }
    assert await core.clear_messages(lobby["host"], "", True, True) == error(
        "roomName is required to clear messages."
    )


async def test_a_deleted_response_does_not_come_back(
    core: Core,
    lobby: dict[str, SocketInfo],
) -> None:
    ext = lobby["st"]
    await send(core, lobby["host"], "h1", "question")
    await stream(core, ext, "s1", [(0, "part one")], requestId="h1", outputId="o1")
    response = next(m for m in core.relay.history.messages("lobby") if m["kind"] == "response")
    assert (await core.delete_messages(lobby["host"], "lobby", response["messageId"]))[
        "status"
    ] == "ok"
    await stream(core, ext, "s2", [(0, " and two")], outputId="o1")
    core.relay.history.flush()
    assert [m for m in core.relay.history.messages("lobby") if m["kind"] == "response"] == []


async def test_an_edited_response_keeps_its_edit_while_it_streams(
    core: Core,
    lobby: dict[str, SocketInfo],
) -> None:
    ext = lobby["st"]
    await send(core, lobby["host"], "h1", "question")
    await stream(core, ext, "s1", [(0, "one")], requestId="h1", outputId="o1")
    response = next(m for m in core.relay.history.messages("lobby") if m["kind"] == "response")
    await core.edit_message(lobby["host"], "lobby", response["messageId"], {"note": "kept"})
    await stream(core, ext, "s2", [(0, " two")], outputId="o1")
    stored = next(m for m in core.relay.history.messages("lobby") if m["kind"] == "response")
    assert stored["message"] == "one two" and stored["note"] == "kept"
    assert stored["editedBy"] == "host"


async def test_edits_reach_watchers_and_survive_a_reopen(
    core: Core,
    lobby: dict[str, SocketInfo],
    gateway: RecordingGateway,
) -> None:
    await send(core, lobby["guest"], "g1", "first")
    await send(core, lobby["guest"], "g2", "second")
    await send(core, lobby["host"], "h1", "third")
    first, second = by_request(core, "g1")["messageId"], by_request(core, "g2")["messageId"]
    core.relay.watching["admin-sid"] = {"lobby"}
    gateway.sent.clear()
    # `updatedMessage` is the older name of `updatedFields`; given both texts, `message` wins
    ack = await core.relay.editing.edit(
        lobby["host"],
        {
            "roomName": "lobby",
            "messageId": first,
            "updatedMessage": {"message": "kept", "data": "lost", "fromLlm": True},
        },
    )
    assert ack["message"]["message"] == ack["message"]["data"] == "kept"
    assert "fromLlm" not in ack["message"]
    await core.delete_messages(lobby["host"], "lobby", [second])
    for event in ("MESSAGE_UPDATED", "MESSAGES_DELETED"):
        assert "admin-sid" in {s for s, _, e, _ in gateway.sent if e == event}
    datadir = core.datadir
    core.close()
    again = Core(datadir)
    again.open()
    try:
        stored = {m.get("requestId"): m for m in again.relay.history.messages("lobby")}
        assert "g2" not in stored
        assert stored["g1"] == ack["message"]
        assert stored["h1"]["message"] == "third"
    finally:
        again.close()
    core.open()  # the fixture closes it again
