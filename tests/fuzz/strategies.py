"""Hypothesis strategies for hostile payloads (PROTOCOL.md §2.2 rules 1, 6, 6a, 7).

Values are JSON values a Socket.IO client can send: wrong types, missing and extra fields,
nesting past `maxPayloadDepth` (32), odd Unicode (lone surrogates, NUL, bidi controls,
emoji, combining marks), extreme numbers. Known field names get plausible values part of the
time, so handlers get past their first check. Client ids that the fuzzing sockets themselves
use are never generated as `clientId`/`targetClientId`: re-keying or revoking a sender would
disconnect it by design (§4.10) and end the run without finding anything.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

ODD_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",  # lone high surrogate
    "\udfff",  # lone low surrogate
    "x\ud83d",  # half of an emoji pair
    "\u202eRTL override",
    "\u200f\u061c",
    "🙂",
    "👩\u200d👩\u200d👧",
    "e\u0301\u0301\u0301",
    "\ufeff",
    "\uffff",
    "\U0010ffff",
    "\n\r\t",
    "[error] forged",
    "null",
    "../../etc/passwd",
    "*",
]
NUMBERS: list[Any] = [0, -1, 1, 1e308, -1e308, -0.0, 5e-324, 2**53 + 1, 2**63, -(2**63) - 1, 10**40]

PLAIN_IDS = ["fuzz-victim", "fuzz-other", "", "x" * 129, "bad/id", ".hidden"]
IDENTITIES = ["fuzz-plain", "fuzz-ext", "fuzz-admin", "fuzz-victim", "fuzz-room", ""]
ROOMS = ["fuzz-room", "fuzz-plain", "fuzz-admin", "fuzz-ext", "*", "", "r" * 129, "a\x01b"]
PATHS = [
    "fuzz.json",
    "./sub/fuzz.json",
    "../outside.json",
    "/etc/passwd",
    "keys/clients.json",
    "logs/error.log",
    "settings/fuzz-victim-settings.json",
    "settings/server_settings.json",
    "chat_history.sqlite3",
    "fuzz.txt",
    "",
]

text = st.one_of(st.sampled_from(ODD_TEXT), st.text(max_size=40))
numbers = st.one_of(
    st.sampled_from(NUMBERS),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
)
leaves = st.one_of(st.none(), st.booleans(), numbers, text)
keys = st.one_of(st.sampled_from(["type", "data", "roomName", "requestId", "", "\ud800"]), text)


def json_values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4)
        ),
        max_leaves=max_leaves,
    )


MAX_DEPTH = 32  # maxPayloadDepth (§2.2 rule 6a, §11)


@st.composite
def deep(draw: st.DrawFn, min_depth: int = 25, max_depth: int = 42) -> Any:
    """A value nested 25–42 levels deep (the limit is 32), in lists, objects or both."""
    depth = draw(st.integers(min_value=min_depth, max_value=max_depth))
    value: Any = draw(leaves)
    kinds = draw(st.sampled_from(["list", "dict", "mixed"]))
    for level in range(depth):
        as_list = kinds == "list" or (kinds == "mixed" and level % 2 == 0)
        value = [value] if as_list else {"a": value}
    return value


def plausible(field: str) -> st.SearchStrategy[Any]:
    """Values that look right for `field`, or nearly."""
    table: dict[str, st.SearchStrategy[Any]] = {
        "clientId": st.sampled_from(PLAIN_IDS),
        "targetClientId": st.sampled_from(PLAIN_IDS),
        "identity": st.sampled_from(IDENTITIES),
        "targetIdentity": st.sampled_from(IDENTITIES),
        "roomName": st.sampled_from(ROOMS),
        "targetRoom": st.sampled_from(ROOMS),
        "clientRoom": st.sampled_from(ROOMS),
        "roomId": st.sampled_from(["", "temp-room", "x" * 300]),
        "role": st.sampled_from(["master", "manager", "guest", "owner", "", "Guest"]),
        "requestId": st.one_of(
            st.sampled_from(["r1", "", "x" * 257, "think_x"]), st.uuids().map(str)
        ),
        "message": text,
        "data": st.one_of(text, st.sampled_from(["Connection active?"])),
        "requestType": st.sampled_from(["newMessage", "regenerateMessage", "", "other"]),
        "target": st.one_of(
            st.sampled_from(["server", "fuzz-ext", "fuzz-admin", "fuzz-plain", "", "nobody"]),
            st.lists(st.sampled_from(["fuzz-ext", "", "nobody"]), max_size=3),
        ),
        "functionName": st.sampled_from(
            ["listFunctions", "readJsonFromFile", "saveJsonToFile", "addStaticResources", "", "x"]
        ),
        "args": st.one_of(
            st.lists(st.one_of(st.sampled_from(PATHS), json_values(6)), max_size=3),
            st.dictionaries(
                st.sampled_from(["/fuzz", "/", "/socket.io/x", "x"]), st.sampled_from(PATHS)
            ),
            leaves,
        ),
        "filename": st.sampled_from(
            ["combined.log", "error.log", "warn.log", "info.log", "x.log", ""]
        ),
        "level": st.sampled_from(["all", "error", "warn", "info", "debug", "ALL", ""]),
        "page": st.one_of(numbers, st.sampled_from(["2", "-1", "abc", " 3x"])),
        "pageSize": st.one_of(numbers, st.sampled_from(["100", "101", "0", ""])),
        "type": st.sampled_from([0, 1, 3, 4, 5, 6, 7, 8, "1", 1.0, True]),
        "streamId": st.sampled_from(["s1", "s2", "", "fuzz-stream"]),
        "outputId": st.sampled_from(["o1", "", "fuzz-output"]),
        "chunkIndex": st.one_of(st.integers(min_value=-2, max_value=5), st.sampled_from(NUMBERS)),
        "final": st.booleans(),
        "policy": st.sampled_from(["Free", "Manual", "Balanced", "Broadcast", "Random", "free"]),
        "mode": st.sampled_from(["Immediate", "HostSubmit", "MasterOnly", "Conversational", ""]),
        "duration": numbers,
        "extensions": st.lists(st.sampled_from(["fuzz-ext", "nobody", ""]), max_size=3),
        "messageId": st.sampled_from(["m1", ""]),
        "messageIds": st.lists(st.sampled_from(["m1", ""]), max_size=3),
    }
    return table.get(field, leaves)


def field_values(field: str) -> st.SearchStrategy[Any]:
    return st.one_of(plausible(field), plausible(field), leaves, json_values(6), deep())


@st.composite
def shaped(draw: st.DrawFn, fields: tuple[str, ...]) -> dict[str, Any]:
    """An object with some of the event's fields (any of them missing) and maybe extra ones."""
    payload: dict[str, Any] = {}
    for field in fields:
        if draw(st.booleans()):
            payload[field] = draw(field_values(field))
    payload.update(draw(st.dictionaries(keys, json_values(4), max_size=2)))
    return payload


def payloads(fields: tuple[str, ...]) -> st.SearchStrategy[Any]:
    """The first data argument: an object of roughly the right shape, or anything else."""
    return st.one_of(
        shaped(fields),
        shaped(fields),
        shaped(fields),
        leaves,
        json_values(),
        deep(),
        st.lists(shaped(fields), min_size=1, max_size=2),  # a list where an object goes
    )


def arguments(fields: tuple[str, ...], positional: bool) -> st.SearchStrategy[tuple[Any, ...]]:
    """Every data argument of the event: none, one payload, or several (the rest ignored).
    socket.io-stream control events (`positional`) take `<ssId>, <size|message>`."""
    first = payloads(fields)
    if positional:
        first = st.one_of(st.uuids().map(str), text, leaves, json_values(4))
    return st.one_of(
        st.just(()),
        st.tuples(first),
        st.tuples(first),
        st.tuples(first, leaves),
        st.tuples(first, json_values(4), deep()),
    )


@st.composite
def too_deep(draw: st.DrawFn, fields: tuple[str, ...]) -> dict[str, Any]:
    """An object of the event's shape with one value nested well past the limit (≥ 34 levels
    counting the object itself, so no reading of "deeper than 32" lets it through)."""
    payload = draw(shaped(fields))
    where = draw(st.sampled_from([*fields, "extra"])) if fields else "extra"
    payload[where] = draw(deep(min_depth=MAX_DEPTH + 1))
    return payload
