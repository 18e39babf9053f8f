"""Message request modes (PROTOCOL.md §7.3): what happens to a request in a room.

`disposition` is the rule table of §7.3; `HostQueues` holds the guest messages a `HostSubmit`
room keeps for its host, and `merge` builds the one request the host's next message becomes.
Queues live in memory: the queued messages are in the room's history anyway, and a restart
starts every room with an empty queue (the host sees the guests' messages there).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Literal

IMMEDIATE: Final = "Immediate"
HOST_SUBMIT: Final = "HostSubmit"
MASTER_ONLY: Final = "MasterOnly"
CONVERSATIONAL: Final = "Conversational"
MODES: Final = (IMMEDIATE, HOST_SUBMIT, MASTER_ONLY, CONVERSATIONAL)

Disposition = Literal["forwarded", "queued", "recorded"]

DIRECT_REQUEST: Final = "DIRECT_REQUEST"
THINK_REQUEST: Final = "THINK_REQUEST"

MODE_REQUIRED: Final = "roomName and mode are required."
INVALID_MODE: Final = "Invalid mode specified. Valid modes are: " + ", ".join(MODES)
MODE_PERMISSION: Final = "Permission denied. Only room master/manager or admin can set the mode."


def room_not_found(room: str) -> str:
    return f"Room {room} not found."


def disposition(mode: str, *, privileged: bool, has_target: bool) -> Disposition:
    """§7.3: forward, queue for the host, or only record."""
    if mode == HOST_SUBMIT and not privileged:
        return "queued"
    if mode == MASTER_ONLY and not privileged:
        return "recorded"
    if mode == CONVERSATIONAL and not has_target:
        return "recorded"  # ambient conversation: part of the history, no generation
    return "forwarded"


def merge(queued: Sequence[dict[str, Any]], own: dict[str, Any]) -> dict[str, Any]:
    """§7.3 HostSubmit merge: the queued texts, then the host's, each trimmed, empty ones
    dropped, joined by a blank line; every id kept in `originalRequestIds`."""
    messages = [*queued, own]
    texts = [_text(m).strip() for m in messages]
    text = "\n\n".join(t for t in texts if t)
    ids = [m.get("requestId") for m in messages]
    return {
        **own,
        "message": text,
        "data": text,
        "isMerged": True,
        "mergedFromCount": len(ids),
        "originalRequestIds": ids,
    }


def _text(message: dict[str, Any]) -> str:
    text = message.get("message")
    return text if isinstance(text, str) else ""


class HostQueues:
    """Guest request messages waiting for the host of a `HostSubmit` room, oldest first."""

    def __init__(self) -> None:
        self._queues: dict[str, list[dict[str, Any]]] = {}

    def append(self, room: str, message: dict[str, Any]) -> int:
        queue = self._queues.setdefault(room, [])
        queue.append(message)
        return len(queue)

    def peek(self, room: str) -> list[dict[str, Any]]:
        return list(self._queues.get(room, ()))

    def take(self, room: str) -> list[dict[str, Any]]:
        return self._queues.pop(room, [])

    def discard(self, room: str) -> bool:
        """Drop a room's queue (it left HostSubmit, or it was deleted); True if it had one."""
        return bool(self._queues.pop(room, None))

    def forget_message(self, room: str, message_ids: set[str]) -> bool:
        """Deleted or cleared messages leave the queue too; True if the queue changed."""
        queue = self._queues.get(room)
        if not queue:
            return False
        kept = [m for m in queue if m.get("messageId") not in message_ids]
        if len(kept) == len(queue):
            return False
        if kept:
            self._queues[room] = kept
        else:
            del self._queues[room]
        return True
