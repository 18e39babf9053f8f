"""Strings up to the payload limit (`maxPayloadBytes`, 1 MiB by default; PROTOCOL.md §2.1,
§2.2 rule 6a), in the fields that are stored, relayed or used as names, and one message past
the limit. Few examples: each is a megabyte each way. Same checks as test_fuzz_events."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newage_desktop.core.store.settings import Settings
from tests.fuzz import harness
from tests.fuzz.harness import FUZZ_SETTINGS, examples
from tests.fuzz.strategies import ODD_TEXT
from tests.server.conftest import Client

pytestmark = pytest.mark.asyncio(loop_scope="module")

LIMIT = Settings().max_payload_bytes
# The Socket.IO packet around the payload (`42/function_call,17["FUNCTION_CALL",…]`) and the
# other fields of the payload fit in this; non-ASCII tails go out as `\\uXXXX` (6 bytes each).
HEADROOM = 1024

# (role, namespace, event, payload with HUGE where the string goes)
HUGE = "\0HUGE\0"
CASES: list[tuple[str, str, str, Any]] = [
    ("plain", "/llm", "LLM_REQUEST", {"requestId": "big", "message": HUGE, "target": "fuzz-ext"}),
    ("plain", "/llm", "LLM_REQUEST", {"requestId": HUGE, "message": "x"}),
    ("plain", "/llm", "LLM_REQUEST", {"requestId": "big2", "message": "x", "extra": HUGE}),
    ("ext", "/llm", "message", {"type": 0, "data": HUGE}),
    ("ext", "/llm", "CLIENT_STREAM_START", {"type": 1, "streamId": HUGE, "outputId": HUGE}),
    ("ext", "/llm", "CLIENT_STREAM_DATA_FIRST", {"type": 4, "streamId": "s", "data": HUGE}),
    ("admin", "/rooms", "CREATE_ROOM", {"roomName": HUGE}),
    ("admin", "/clients", "GENERATE_CLIENT_KEY", {"targetClientId": HUGE}),
    ("plain", "/auth", "GET_CLIENT_KEY", {"clientId": HUGE}),
    ("admin", "/debug", "READ_LOG", {"filename": HUGE}),
    (
        "admin",
        "/function_call",
        "FUNCTION_CALL",
        {"functionName": "saveJsonToFile", "args": ["big.json", {"k": HUGE}]},
    ),
    ("plain", "/function_call", "FUNCTION_CALL", {"functionName": HUGE}),
    (
        "plain",
        "/function_call",
        "FUNCTION_CALL",
        {"functionName": "x", "target": "fuzz-admin", "a": HUGE},
    ),
]


def fill(payload: Any, text: str) -> Any:
    if payload == HUGE:
        return text
    if isinstance(payload, dict):
        return {fill(k, text): fill(v, text) for k, v in payload.items()}
    if isinstance(payload, list):
        return [fill(v, text) for v in payload]
    return payload


@st.composite
def huge_text(draw: st.DrawFn, budget: int) -> str:
    tail = draw(st.sampled_from(ODD_TEXT))
    size = draw(st.one_of(st.just(budget), st.integers(min_value=budget // 2, max_value=budget)))
    return "x" * (size - 6 * len(tail)) + tail


@pytest.mark.parametrize(("role", "namespace", "event", "template"), CASES)
@settings(FUZZ_SETTINGS, max_examples=examples(2))
@given(data=st.data(), ack=st.booleans())
async def test_huge_string(
    fuzz: harness.FuzzServer,
    role: str,
    namespace: str,
    event: str,
    template: Any,
    data: Any,
    ack: bool,
) -> None:
    holes = json.dumps(template).count(json.dumps(HUGE)[1:-1])
    text = data.draw(huge_text((LIMIT - HEADROOM) // holes), label="text")
    payload = fill(template, text)
    await harness.fuzz_one(fuzz, role, namespace, event, (payload,), ack)


async def test_message_past_the_limit_closes_only_that_connection(
    fuzz: harness.FuzzServer,
) -> None:
    """§2.1: the server closes that Engine.IO connection, sends no ack, and goes on serving."""
    client = Client(fuzz.url)
    auth = {"clientId": "fuzz-check-app", "key": fuzz.spare_keys["fuzz-check-app"]}
    await client.connect(["/rooms"], auth)
    try:
        acked: list[Any] = []
        await client.sio.emit(
            "GET_ROOMS", {"x": "y" * (LIMIT + 1)}, namespace="/rooms", callback=acked.append
        )
        await asyncio.wait_for(client.disconnects["/rooms"].get(), 10)
        assert acked == []
    finally:
        await client.close()


async def test_zz_server_is_healthy_afterwards(fuzz: harness.FuzzServer) -> None:
    await harness.still_serves(fuzz)
    assert harness.log_failures(fuzz) == []
