"""Validation of handshake fields and payloads (PROTOCOL.md §2.2, §4.1, §11).

Pure functions over JSON values; the transport turns their results into acks.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Final

MAX_CLIENT_ID = 128
MAX_IDENTITY = 128
MAX_CLIENT_TYPE = 64
MAX_DESC = 1024
MAX_KEY_BYTES = 72
MAX_ROOM_NAME = 128
# §2.2 rule 6a: `maxPayloadDepth` applies up to this. Deeper values would come close to what
# python-socketio's recursive binary check can encode once wrapped in an emit (about 490 levels).
MAX_DEPTH_CAP: Final = 128

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FORBIDDEN_IN_CLIENT_ID = re.compile(r'[/\\:*?"<>|]')
# A JSON escape such as "\\ud800" decodes to a lone surrogate, which no encoder can write out.
_SURROGATE = re.compile("[\ud800-\udfff]")


class NotJson:
    """Stands in, in a decoded payload, for what the wire text held but JSON cannot: `NaN`,
    `Infinity`, an integer too long to read, a value nested too deep to read at all."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_JSON"


NOT_JSON: Final = NotJson()


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
    """Over bcrypt's 72 bytes, or not encodable at all (a lone surrogate: no real key)."""
    try:
        return len(key.encode("utf-8")) > MAX_KEY_BYTES
    except UnicodeEncodeError:
        return True


def payload_object(payload: Any) -> dict[str, Any]:
    """§2.2 rule 1: missing or null is `{}`, any other non-object is `Invalid payload.`."""
    if payload is None:
        return {}
    if isinstance(payload, dict):
        return payload
    raise PayloadError("Invalid payload.")


def has_lone_surrogate(value: Any) -> bool:
    """§2.2 rule 6a: whether any string in a JSON value (object keys included) holds a UTF-16
    surrogate code point (U+D800–U+DFFF). Decoded JSON text never holds a valid pair as two code
    points, so any surrogate is a lone one. Iterative: the payload's depth is not bounded yet."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not item.isascii() and _SURROGATE.search(item) is not None:
                return True
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and not key.isascii() and _SURROGATE.search(key):
                    return True
                stack.append(child)
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


def is_bounded(value: Any, max_depth: int) -> bool:
    """§2.2 rule 6a: whether a decoded payload may be stored and relayed: JSON nesting at most
    `max_depth` (a scalar is 0 deep, `{}` and `[]` 1, `{"a": [1]}` 2), every float finite, every
    string (object keys included) free of lone surrogates, and nothing but JSON values (binary
    attachments, `bytes`, count as leaves). Iterative, so any depth can be checked."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not item.isascii() and _SURROGATE.search(item) is not None:
                return False
        elif isinstance(item, dict):
            if depth >= max_depth:
                return False
            for key, child in item.items():
                if not isinstance(key, str):
                    return False
                if not key.isascii() and _SURROGATE.search(key) is not None:
                    return False
                stack.append((child, depth + 1))
        elif isinstance(item, list | tuple):
            if depth >= max_depth:
                return False
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, float):
            if not math.isfinite(item):
                return False
        elif not (item is None or isinstance(item, int | bytes | bytearray)):
            return False  # NOT_JSON, or anything else no encoder is known to write
    return True


def json_size(value: Any) -> int | None:
    """UTF-8 bytes of `value` as compact JSON (what the history stores), or None if it is not
    JSON. The value must be bounded (`is_bounded`): the encoder recurses."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return None
    return len(text.encode("utf-8", "surrogatepass"))
