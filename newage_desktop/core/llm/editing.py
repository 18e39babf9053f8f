"""Editing the history (PROTOCOL.md §7.11): EDIT_MESSAGE, DELETE_MESSAGE, CLEAR_MESSAGES.

Authors may edit and delete their own messages; the room's master and managers, and admins,
any. Each change is stored at once and announced to the room's members, its assigned
extensions and its watchers. A response still being generated follows the change: an edited
one keeps its edit fields while the extension's later text replaces its text; a deleted one is
no longer recorded (its stream still reaches the room live), so it never comes back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

from newage_desktop.core import events as ev
from newage_desktop.protocol import events as names

if TYPE_CHECKING:
    from newage_desktop.core.llm.relay import LlmRelay
    from newage_desktop.core.registry import SocketInfo

EDIT_MISSING: Final = "Missing required fields for editing message."
EDIT_FAILED: Final = "Failed to edit message. It might not exist."
EDIT_DENIED: Final = "Permission denied to edit this message."
DELETE_MISSING: Final = "Missing required fields for deleting messages."
DELETE_DENIED: Final = "Permission denied to delete these messages."
DELETE_NONE: Final = "No matching messages found to delete or operation failed."
CLEAR_MISSING: Final = "roomName is required to clear messages."
CLEAR_DENIED: Final = "Permission denied to clear messages."
CLEAR_NONE: Final = "Messages already cleared or operation failed."

# Fields an edit cannot change (§7.11); attempts are ignored, not refused.
PROTECTED: Final = frozenset(
    {
        "messageId",
        "roomName",
        "identity",
        "clientId",
        "timestamp",
        "kind",
        "requestId",
        "outputId",
        "responseId",
        "isResponse",
        "isSystem",
        "fromClient",
        "lastEdited",
        "editedBy",
    }
)

Answer = dict[str, Any]


class HistoryEditor:
    def __init__(self, relay: LlmRelay) -> None:
        self.relay = relay

    def _privileged(self, actor: SocketInfo, room_name: str) -> bool:
        room = self.relay.history.store.get(room_name)
        if actor.is_admin:
            return True
        return room is not None and room.role_of(actor.identity) in ("master", "manager")

    async def _announce(self, room: str, event: str, payload: dict[str, Any]) -> None:
        relay = self.relay
        await relay.deps.out.emit_to(relay.chat_recipients(room), names.NS_LLM, event, payload)

    async def edit(self, actor: SocketInfo, payload: dict[str, Any]) -> Answer:
        room, message_id = payload.get("roomName"), payload.get("messageId")
        fields = payload.get("updatedFields")
        if fields is None:
            fields = payload.get("updatedMessage")
        if not _text(room) or not _text(message_id) or not isinstance(fields, dict):
            return _error(EDIT_MISSING)
        assert isinstance(room, str) and isinstance(message_id, str)
        history = self.relay.history
        history.flush()
        message = history.store.get_message(room, message_id)
        if message is None:
            return _error(EDIT_FAILED)
        if message.get("identity") != actor.identity and not self._privileged(actor, room):
            return _error(EDIT_DENIED)
        changes = {k: v for k, v in fields.items() if k not in PROTECTED and k != "fromLlm"}
        # `message` and `data` are one text (§7.11); given both, `message` wins.
        text = changes.get("message", changes.get("data"))
        if "message" in changes or "data" in changes:
            if not isinstance(text, str):
                return _error(EDIT_MISSING)
            changes["message"] = changes["data"] = text
        edited = {
            **message,
            **changes,
            "lastEdited": history.now(),
            "editedBy": actor.identity,
        }
        if not history.store.replace_message(room, edited):
            return _error(EDIT_FAILED)
        for output in self._outputs_of(room, [message_id]):
            output.response = edited  # later updates keep the edit fields
        await self._announce(room, names.MESSAGE_UPDATED, {"roomName": room, "message": edited})
        self.relay.deps.bus.publish(ev.MessageEdited(room, edited))
        return {"status": "ok", "message": edited}

    async def delete(self, actor: SocketInfo, payload: dict[str, Any]) -> Answer:
        room, ids = payload.get("roomName"), payload.get("messageIds")
        if isinstance(ids, str):
            ids = [ids]
        if (
            not _text(room)
            or not isinstance(ids, list)
            or not ids
            or not all(_text(i) for i in ids)
        ):
            return _error(DELETE_MISSING)
        assert isinstance(room, str)
        history = self.relay.history
        history.flush()
        found = [m for m in (history.store.get_message(room, i) for i in dict.fromkeys(ids)) if m]
        if not self._privileged(actor, room) and any(
            m.get("identity") != actor.identity for m in found
        ):
            return _error(DELETE_DENIED)  # all or nothing: none is deleted
        deleted = history.store.delete_messages(room, [m["messageId"] for m in found])
        if not deleted:
            return {"status": "ok", "message": DELETE_NONE}
        await self._gone(room, deleted)
        await self._announce(
            room, names.MESSAGES_DELETED, {"roomName": room, "messageIds": deleted}
        )
        self.relay.deps.bus.publish(ev.MessagesDeleted(room, deleted))
        return {"status": "ok", "messageIds": deleted}

    async def clear(self, actor: SocketInfo, payload: dict[str, Any]) -> Answer:
        room = payload.get("roomName")
        if not _text(room):
            return _error(CLEAR_MISSING)
        assert isinstance(room, str)
        if not self._privileged(actor, room):
            return _error(CLEAR_DENIED)
        requests = _flag(payload.get("clearRequests"))
        responses = _flag(payload.get("clearResponses"))
        kinds = [
            *(("request", "system") if requests else ()),
            *(("response",) if responses else ()),
        ]
        history = self.relay.history
        history.flush()
        cleared = history.store.clear_messages(room, kinds)
        if not cleared:
            return {"status": "ok", "message": CLEAR_NONE}
        await self._gone(room, cleared)
        await self._announce(
            room,
            names.MESSAGES_CLEARED,
            {"roomName": room, "clearedRequests": requests, "clearedResponses": responses},
        )
        self.relay.deps.bus.publish(ev.MessagesCleared(room, requests, responses))
        return {"status": "ok"}

    async def _gone(self, room: str, message_ids: list[str]) -> None:
        """Removed messages leave the HostSubmit queue and stop being recorded."""
        relay = self.relay
        ids = set(message_ids)
        if relay.intake.host_queues.forget_message(room, ids):
            count = len(relay.intake.host_queues.peek(room))
            relay.deps.bus.publish(ev.HostQueueChanged(room, count))
        for output in self._outputs_of(room, message_ids):
            output.deleted = True

    def _outputs_of(self, room: str, message_ids: Iterable[str]) -> list[Any]:
        ids = set(message_ids)
        return [
            o
            for o in self.relay.outputs.values()
            if o.response is not None
            and o.request.room == room
            and o.response.get("messageId") in ids
        ]


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value)


def _flag(value: object) -> bool:
    """Absent (or null) means true (§7.11); anything else is read as a boolean."""
    return True if value is None else bool(value)


def _error(message: str) -> Answer:
    return {"status": "error", "message": message}
