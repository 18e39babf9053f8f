"""JSON for Socket.IO packets: orjson where it can, the standard library where it cannot.

python-socketio encodes and decodes every packet with the `json` module it is given; on the
token relay that is several packets per token, and orjson is several times faster (measured:
0.27 -> 0.21 ms server CPU per token at 4x4 max rate). orjson reads integers beyond 64 bits as
floats, so text with a run of 19 or more digits is left to the standard library, as is
anything orjson refuses: what is accepted and what it decodes to are exactly `json`'s, with three
exceptions, so that every packet decodes and the edge can refuse what is not JSON with the
event's own validation string (PROTOCOL.md §2.2 rule 6a) instead of the packet being lost:
`NaN`, `Infinity`, `-Infinity` and integers too long for Python to read decode to `NOT_JSON`,
and containers nested deeper than `MAX_DECODE_DEPTH` are replaced by `NOT_JSON` (the standard
library's decoder would raise `RecursionError`; python-socketio's binary reconstruction recurses).
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

import orjson

from newage_desktop.protocol.validation import MAX_DEPTH_CAP, NOT_JSON

JSONDecodeError = json.JSONDecodeError
# Deeper than the edge ever accepts (the packet's data array adds one level to the payload).
MAX_DECODE_DEPTH: Final = MAX_DEPTH_CAP + 8
_OPTIONS = orjson.OPT_NON_STR_KEYS
_LONG_NUMBER = re.compile(r"\d{19}")
_LONG_NUMBER_BYTES = re.compile(rb"\d{19}")
# A JSON string, or one bracket: what a nesting scan of JSON text needs to see.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


def dumps(obj: Any, **kwargs: Any) -> str:
    """Compact JSON text (python-socketio asks for `separators=(',', ':')`, orjson's default)."""
    try:
        return orjson.dumps(obj, option=_OPTIONS).decode("utf-8")
    except TypeError:
        return json.dumps(obj, **kwargs)


def loads(text: str | bytes, **kwargs: Any) -> Any:
    pattern = _LONG_NUMBER_BYTES if isinstance(text, bytes) else _LONG_NUMBER
    if pattern.search(text):  # type: ignore[arg-type]
        value = _loads_slowly(text, **kwargs)
    else:
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            value = _loads_slowly(text, **kwargs)  # raises json's error for text that is not JSON
    if _brackets(text) > MAX_DECODE_DEPTH:  # only then can it be that deep
        value = _cut_deep(value, MAX_DECODE_DEPTH)
    return value


def _brackets(text: str | bytes) -> int:
    if isinstance(text, bytes):
        return text.count(b"[") + text.count(b"{")
    return text.count("[") + text.count("{")


def _not_json(_: str) -> Any:
    return NOT_JSON


def _integer(digits: str) -> Any:
    try:
        return int(digits)
    except ValueError:  # more digits than sys.get_int_max_str_digits()
        return NOT_JSON


def _loads_slowly(text: str | bytes, **kwargs: Any) -> Any:
    kwargs.setdefault("parse_constant", _not_json)
    try:
        return _loads_cut(text, kwargs)
    except JSONDecodeError:
        raise
    except ValueError:  # an integer of more digits than Python reads (rare: not by default)
        kwargs.setdefault("parse_int", _integer)
        return _loads_cut(text, kwargs)


def _loads_cut(text: str | bytes, kwargs: dict[str, Any]) -> Any:
    try:
        return json.loads(text, **kwargs)
    except RecursionError:
        pass
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return json.loads(_cut_deep_text(text, MAX_DECODE_DEPTH), **kwargs)


def _cut_deep_text(text: str, limit: int) -> str:
    """`text` with every container nested deeper than `limit` replaced by `NaN` (which decodes
    to NOT_JSON). Strings are skipped whole, so brackets inside them do not count."""
    pieces: list[str] = []
    depth = 0
    kept_until = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token[0] == '"':
            continue
        if token in "[{":
            depth += 1
            if depth == limit + 1:
                pieces.append(text[kept_until : match.start()])
        else:
            if depth == limit + 1:
                pieces.append("NaN")
                kept_until = match.end()
            depth -= 1
    if depth > limit:  # unbalanced: not JSON, and the decoder will say so
        pieces.append("NaN")
    else:
        pieces.append(text[kept_until:])
    return "".join(pieces)


def _cut_deep(value: Any, limit: int) -> Any:
    """`value` with every container nested deeper than `limit` replaced by NOT_JSON, in place.
    Iterative: orjson reads up to 1024 levels, the standard library's decoder nearly 1000."""
    if not isinstance(value, dict | list):
        return value
    if limit < 1:
        return NOT_JSON
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        container, depth = stack.pop()
        keys = container.keys() if isinstance(container, dict) else range(len(container))
        for key in keys:
            child = container[key]
            if isinstance(child, dict | list):
                if depth >= limit:
                    container[key] = NOT_JSON
                else:
                    stack.append((child, depth + 1))
    return value
