"""LLM flow payloads (PROTOCOL.md §7.1, §7.5): parsing into typed values, error strings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from newage_desktop.protocol.validation import MAX_DEPTH_CAP, MAX_IDENTITY, is_bounded, json_size

INVALID_LLM_REQUEST: Final = "Invalid LLM request data."
MUTED: Final = "You are currently muted and cannot send messages."
INVALID_TARGET_ROOM: Final = "Invalid or unauthorized target room."
DUPLICATE_REQUEST_ID: Final = "Duplicate requestId."
NO_EXTENSION: Final = "No extension available for this room."
RECORD_FAILED: Final = "Failed to record request message."
REQUEST_TIMED_OUT: Final = "Request timed out."
EXTENSION_DISCONNECTED: Final = "Extension disconnected."
STREAM_FAILED: Final = "Stream failed."
INVALID_STREAM_EVENT: Final = "Invalid stream event."
UNKNOWN_STREAM: Final = "Unknown stream."
NO_MATCHING_REQUEST: Final = "No matching request."
CONNECTION_TEST: Final = "Connection active?"
CONNECTION_FINE: Final = "Yes,connection is fine."
ROOM_DELETED: Final = "Room deleted."
REQUEST_CANCELLED: Final = "Request cancelled."
REQUEST_NOT_FOUND: Final = "Request not found."

REQUEST_TYPES: Final = ("newMessage", "regenerateMessage")
MAX_REQUEST_ID: Final = 256
# Bounds on what a request stores (§7.11): its text (`message`, else `data`), in characters, and
# the client fields kept verbatim in the request message (all but `requestId`, `message`,
# `data`, `requestType` and the dropped `role`; `target` and `targetRoom` included) as compact
# UTF-8 JSON. A whole Engine.IO message is at most `maxPayloadBytes` (1 MiB) anyway.
MAX_TEXT: Final = 262144
MAX_STORED_FIELDS_BYTES: Final = 65536
_NOT_STORED_VERBATIM: Final = frozenset({"requestId", "message", "data", "requestType", "role"})

# Extension → server stream events (§7.5).
CLIENT_STREAM_START: Final = "CLIENT_STREAM_START"
CLIENT_STREAM_DATA_FIRST: Final = "CLIENT_STREAM_DATA_FIRST"
CLIENT_STREAM_DATA_MIDDLE: Final = "CLIENT_STREAM_DATA_MIDDLE"
CLIENT_STREAM_DATA_LAST: Final = "CLIENT_STREAM_DATA_LAST"
CLIENT_STREAM_DATA_RETRY: Final = "CLIENT_STREAM_DATA_RETRY"
CLIENT_STREAM_DATA_FAILED: Final = "CLIENT_STREAM_DATA_FAILED"
CLIENT_STREAM_END: Final = "CLIENT_STREAM_END"
MESSAGE: Final = "message"
REQUEST_STATUS_UPDATE: Final = "REQUEST_STATUS_UPDATE"
GET_FULL_CONTEXT: Final = "GET_FULL_CONTEXT"
GET_OFFLINE_MESSAGES: Final = "GET_OFFLINE_MESSAGES"
UPDATE_CONTEXT_PAGE: Final = "UPDATE_CONTEXT_PAGE"
WATCH_ROOM: Final = "WATCH_ROOM"
UNWATCH_ROOM: Final = "UNWATCH_ROOM"


def target_not_connected(identity: str) -> str:
    return f"Target extension {identity} is not connected."


@dataclass(frozen=True)
class LlmRequest:
    request_id: str
    text: str
    request_type: str
    targets: list[str]  # empty: the room's default targets
    target_room: str | None


def parse_llm_request(payload: Any, max_depth: int = 32) -> LlmRequest | None:
    """§7.2 step 1 with the bounds of §2.2 rule 6a (`max_depth`: setting `maxPayloadDepth`, at
    most MAX_DEPTH_CAP); None means `Invalid LLM request data.`."""
    if not isinstance(payload, dict) or not is_bounded(payload, min(max_depth, MAX_DEPTH_CAP)):
        return None
    request_id = payload.get("requestId")
    if not isinstance(request_id, str) or not 1 <= len(request_id) <= MAX_REQUEST_ID:
        return None
    text: Any = payload.get("message")
    if text is None:
        text = payload.get("data", "")
    if text is None:
        text = ""
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        return None
    if (
        "message" in payload
        and payload["message"] is not None
        and not isinstance(payload["message"], str)
    ):
        return None
    data = payload.get("data")
    if data is not None and (not isinstance(data, str) or len(data) > MAX_TEXT):
        return None
    request_type = payload.get("requestType", "newMessage")
    if request_type is None:
        request_type = "newMessage"
    if request_type not in REQUEST_TYPES:
        return None
    target = payload.get("target")
    if target is None:
        targets: list[str] = []
    elif isinstance(target, str) and len(target) <= MAX_IDENTITY:
        targets = [target] if target else []
    elif isinstance(target, list) and target and all(_is_identity(t) for t in target):
        targets = list(dict.fromkeys(target))
    else:
        return None
    target_room = payload.get("targetRoom")
    if target_room is not None and not isinstance(target_room, str):
        return None
    stored = {k: v for k, v in payload.items() if k not in _NOT_STORED_VERBATIM}
    size = json_size(stored)
    if size is None or size > MAX_STORED_FIELDS_BYTES:
        return None
    return LlmRequest(request_id, text, request_type, targets, target_room or None)


def _is_identity(value: Any) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= MAX_IDENTITY


def chunk_index(payload: dict[str, Any]) -> int | None:
    """A chunk's index: an int ≥ 0, or None if absent. Raises ValueError if invalid."""
    value = payload.get("chunkIndex")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("invalid chunkIndex")
    return value
