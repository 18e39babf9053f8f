"""Bounded payloads (PROTOCOL.md §2.2 rule 6a): the edge check, the decoder, and the property
that no request the server accepts can make a later emit fail."""

from __future__ import annotations

import asyncio
import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest
import socketio
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newage_desktop.core.app import Core
from newage_desktop.core.store.datadir import DataDir
from newage_desktop.protocol import llm
from newage_desktop.protocol.validation import MAX_DEPTH_CAP, NOT_JSON, is_bounded
from newage_desktop.transport import fastjson
from tests.core.conftest import RecordingGateway
from tests.core.test_relay import join


def nest(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


def depth_of(value: Any) -> int:
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        stack.extend((child, depth + 1) for child in children)
    return deepest


# --- the edge check -----------------------------------------------------------------------------
def test_depth_counts_containers() -> None:
    assert is_bounded(1, 0) and is_bounded("x", 0) and not is_bounded([], 0)
    assert is_bounded({"a": [1]}, 2) and not is_bounded({"a": [1]}, 1)
    assert is_bounded(nest(32), 32) and not is_bounded(nest(33), 32)
    assert not is_bounded({"a": 1, "b": [[[[{}]]]]}, 4)  # any branch


def test_a_hundred_thousand_levels_do_not_recurse() -> None:
    assert not is_bounded(nest(100_000), 32)


@pytest.mark.parametrize(
    "value",
    [math.nan, math.inf, -math.inf, [1, {"x": math.nan}], NOT_JSON, {"k": NOT_JSON}, {1: "x"},
     {"\ud800": 1}, ["a\udc00"], object()],
)  # fmt: skip
def test_what_is_not_json_is_not_bounded(value: Any) -> None:
    assert not is_bounded(value, 32)


@pytest.mark.parametrize("value", [None, True, 0, 10**40, 1e308, -5e-324, "é😀", b"\x00", [], {}])
def test_json_values_are_bounded(value: Any) -> None:
    assert is_bounded(value, 32)


# --- the decoder --------------------------------------------------------------------------------
@pytest.mark.parametrize("depth", [200, 1000, 1100, 100_000])
def test_deep_text_decodes_to_something_the_edge_refuses(depth: int) -> None:
    for text in ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth):
        for form in (text, text.encode()):
            value = fastjson.loads(form)
            assert depth_of(value) <= fastjson.MAX_DECODE_DEPTH
            assert not is_bounded(value, 128)
    # the slow path (a 19-digit run goes to the standard library) too
    value = fastjson.loads("[" * depth + "1234567890123456789" + "]" * depth)
    assert not is_bounded(value, 128)


def test_the_decoder_keeps_what_is_not_too_deep() -> None:
    text = json.dumps({"s": "[[[[{{{{" * 100, "deep": nest(100), "n": 123456789012345678901234})
    assert fastjson.loads(text) == json.loads(text)
    deep = fastjson.loads(json.dumps({"a": nest(300), "b": [1, 2]}))
    assert deep["b"] == [1, 2] and depth_of(deep) == fastjson.MAX_DECODE_DEPTH


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"x":-Infinity}', "1e400", "9" * 5000])
def test_numbers_json_does_not_have_decode_to_something_the_edge_refuses(text: str) -> None:
    assert not is_bounded(fastjson.loads(text), 32)


def test_text_that_is_not_json_still_raises() -> None:
    for text in ('{"unterminated": "x', "[" * 5000, "[" * 5000 + "}" * 5000):
        with pytest.raises(fastjson.JSONDecodeError):
            fastjson.loads(text)


# --- request bounds (§7.2 step 1) ---------------------------------------------------------------
@pytest.mark.parametrize(
    "extra",
    [
        {"blob": "x" * (llm.MAX_STORED_FIELDS_BYTES - 10)},  # with {"blob":""} just over
        {"message": "m" * (llm.MAX_TEXT + 1)},
        {"data": "d" * (llm.MAX_TEXT + 1)},
        {"target": "t" * 129},
        {"target": ["ok", "t" * 129]},
        {"x": b"bytes"},  # the history stores JSON
        {"x": nest(32)},
    ],
)
def test_request_bounds(extra: dict[str, Any]) -> None:
    assert llm.parse_llm_request({"requestId": "r", "message": "hi", **extra}) is None


def test_request_at_the_bounds() -> None:
    blob = "x" * (llm.MAX_STORED_FIELDS_BYTES - len('{"blob":""}'))
    assert llm.parse_llm_request({"requestId": "r", "blob": blob}) is not None
    assert llm.parse_llm_request({"requestId": "r", "message": "m" * llm.MAX_TEXT}) is not None
    assert llm.parse_llm_request({"requestId": "r", "target": "t" * 128}) is not None
    assert llm.parse_llm_request({"requestId": "r", "x": nest(31)}) is not None
    assert llm.parse_llm_request({"requestId": "r", "x": nest(31)}, max_depth=8) is None


# --- the property: an accepted request never breaks an emit -------------------------------------
class FastJsonPacket(socketio.packet.Packet):  # type: ignore[misc]
    json = fastjson  # what the server's packets use


def strict(text: str) -> Any:
    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def encodes(namespace: str, event: str, data: Any) -> None:
    """The emit of `data` encodes with python-socketio's packet encoder (its own json and the
    server's), and what it writes is strict JSON; within Python's default recursion limit, which
    hypothesis raises while it runs a test (the server runs with the default)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(min(limit, 1000))
    try:
        _encodes(namespace, event, data)
    finally:
        sys.setrecursionlimit(limit)


def _encodes(namespace: str, event: str, data: Any) -> None:
    for packet_class in (socketio.packet.Packet, FastJsonPacket):
        encoded = packet_class(socketio.packet.EVENT, namespace=namespace, data=[event, data])
        text = encoded.encode()
        assert isinstance(text, str)
        strict(text[len(f"2{namespace},") :])
    strict(fastjson.dumps(data, separators=(",", ":")))


ODD_TEXT = st.sampled_from(
    ["", "\x00", "\x1f\x7f\x9f", "\u2028\u2029", "\ufeff", "\U0010ffff", "😀👍🏽", '"\\/', "é" * 3]
)
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([1e308, -1e308, 5e-324, -0.0, 2.0**53 + 1])
    | st.text(max_size=20)
    | ODD_TEXT
)
VALUES = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
EXTRAS = st.dictionaries(
    st.text(max_size=10).filter(lambda k: k not in ("requestId", "target", "targetRoom")),
    VALUES | st.builds(nest, st.integers(0, 34) | st.sampled_from([130, 600]), VALUES),
    max_size=4,
)


class Harness:
    """A core with an extension `st` and a client `app`, on its own loop (hypothesis runs the
    examples synchronously): `run(wire)` sends one LLM_REQUEST as JSON text, decoded as the
    server decodes packets, and checks every emit it caused and the stored history encode."""

    def __init__(self, tmp_path: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.gateway = RecordingGateway()
        self.core = Core(DataDir(tmp_path / "data"))
        self.core.open()
        self.core.attach(self.gateway)
        self.app = self.loop.run_until_complete(self._join())
        self.accepted = 0

    async def _join(self) -> Any:
        await join(self.core, "ext-sid", "st", "SillyTavern")
        return await join(self.core, "app-sid", "app")

    def close(self) -> None:
        self.loop.run_until_complete(self._drain())
        self.core.close()
        self.loop.close()

    async def _drain(self) -> None:
        """Cancel what is still running (context transfers sending their pages)."""
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def run(self, wire: str) -> bool:
        return self.loop.run_until_complete(self._run(wire))

    async def _run(self, wire: str) -> bool:
        payload = fastjson.loads(wire)  # what the edge sees
        self.gateway.sent.clear()
        relay = self.core.relay
        ack, plan = await relay.handle_request(self.app, payload)
        if ack["status"] != "ok":
            assert ack["message"] == llm.INVALID_LLM_REQUEST, ack
            for _, namespace, event, data in self.gateway.sent:  # the ERROR event
                encodes(namespace, event, data)
            return False
        self.accepted += 1
        assert plan is not None
        await relay.forward(plan)
        for _ in range(3):
            await asyncio.sleep(0)
        assert {event for _, _, event, _ in self.gateway.sent} >= {"NEW_MESSAGE", "LLM_REQUEST"}
        for _, namespace, event, data in self.gateway.sent:
            encodes(namespace, event, data)
        stored = relay.history.messages("app")  # as read back from the room store
        assert stored[-1]["requestId"] == payload["requestId"]
        for page in relay.history.pages("app", self.core.settings.context_page_size):
            encodes("/llm", "UPDATE_CONTEXT_PAGE", {"roomName": "app", "contextPage": page})
        return True


@pytest.fixture
def harness(tmp_path: Path) -> Any:
    h = Harness(tmp_path)
    yield h
    h.close()


def test_no_accepted_request_makes_an_emit_fail(harness: Harness) -> None:
    counter = iter(range(10**9))

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(extras=EXTRAS, text=st.text(max_size=50) | ODD_TEXT)
    @example(extras={"deep": nest(31, "😀")}, text="deep but allowed")
    @example(extras={"deep": nest(31, [1e308, -0.0, None])}, text="")
    @example(extras={"big": "é" * 30_000, "n": 10**1000}, text="x" * llm.MAX_TEXT)
    @example(extras={f"k{i}": "\U0010ffff" * 900 for i in range(4)}, text="\u2028")
    @example(extras={"role": nest(5), "float": 1e308, "neg": -1e308}, text="role is dropped")
    def accepted_requests_encode(extras: dict[str, Any], text: str) -> None:
        request = {**extras, "requestId": f"r{next(counter)}", "message": text}
        harness.run(json.dumps(request))

    accepted_requests_encode()
    assert harness.accepted >= 5  # the explicit examples alone


@pytest.mark.parametrize(
    "value",
    ["NaN", "[Infinity]", "-Infinity", "1e400", "9" * 5000, "[NaN, 123456789012345678901234]",
     "[" * 32 + "]" * 32, "[" * 490 + "]" * 490, "[" * 100_000 + "]" * 100_000],
)  # fmt: skip
def test_hostile_wire_text_is_refused(harness: Harness, value: str) -> None:
    wire = f'{{"requestId":"hostile","message":"hi","x":{value}}}'
    assert not harness.run(wire)
    assert harness.run('{"requestId":"after","message":"the room still works"}')


def test_a_raised_max_payload_depth_is_capped(harness: Harness) -> None:
    # A stored value ~490 deep already broke every emit: the setting stops at the cap.
    warnings = harness.core.settings_store.update({"maxPayloadDepth": 1000})
    assert harness.core.settings.max_payload_depth == 32 and "maxPayloadDepth" in warnings[0]
    harness.core.settings_store.update({"maxPayloadDepth": MAX_DEPTH_CAP})
    assert harness.core.settings.max_payload_depth == MAX_DEPTH_CAP
    top = MAX_DEPTH_CAP - 1  # the payload object is one level
    assert harness.run(json.dumps({"requestId": "cap", "x": nest(top)}))
    assert not harness.run(json.dumps({"requestId": "over", "x": nest(top + 1)}))
    assert not harness.run(json.dumps({"requestId": "poison", "x": nest(490)}))
    harness.core.settings_store.update({"maxPayloadDepth": 8})
    assert not harness.run(json.dumps({"requestId": "low", "x": nest(8)}))
    assert harness.run(json.dumps({"requestId": "ok", "x": nest(7)}))
