"""Validation of handshake fields and payloads (PROTOCOL.md §2.2, §4.1, §11).

Pure functions over JSON values; the transport turns their results into acks.
"""

from __future__ import annotations

import re
from typing import Any

MAX_CLIENT_ID = 128
MAX_IDENTITY = 128
MAX_CLIENT_TYPE = 64
MAX_DESC = 1024
MAX_KEY_BYTES = 72
MAX_ROOM_NAME = 128

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FORBIDDEN_IN_CLIENT_ID = re.compile(r'[/\\:*?"<>|]')


class PayloadError(ValueError):
    """A payload that is not of the event's shape; the message is the wire error string."""


def has_control_chars(text: str) -> bool:
    return _CONTROL.search(text) is not None


def is_valid_client_id(client_id: str) -> bool:
    """§4.1: it becomes part of a file name (`settings/<clientId>-settings.json`)."""
    return (
        1 <= len(client_id) <= MAX_CLIENT_ID
        and not has_control_chars(client_id)
        and _FORBIDDEN_IN_CLIENT_ID.search(client_id) is None
        and not client_id.startswith(".")
        and not client_id.endswith((".", " "))
    )


def is_valid_identity_shape(identity: str, client_id: str) -> bool:
    """§4.1, the parts that need no knowledge of other clients."""
    return (
        1 <= len(identity) <= MAX_IDENTITY
        and not has_control_chars(identity)
        and identity.startswith(client_id)
    )


def is_valid_room_name(name: Any) -> bool:
    return isinstance(name, str) and 1 <= len(name) <= MAX_ROOM_NAME and not has_control_chars(name)


def key_too_long(key: str) -> bool:
    return len(key.encode("utf-8")) > MAX_KEY_BYTES


def payload_object(payload: Any) -> dict[str, Any]:
    """§2.2 rule 1: missing or null is `{}`, any other non-object is `Invalid payload.`."""
    if payload is None:
        return {}
    if isinstance(payload, dict):
        return payload
    raise PayloadError("Invalid payload.")
