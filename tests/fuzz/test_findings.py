"""Failures the fuzz suite found, as plain regression tests with the exact payloads.

Found on commit a17cd6b (HEAD when the suite was written); the working tree's payload bounds
(§2.2 rule 6a, issue 8) make them pass. Each sends one event and checks the one ack.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.fuzz import harness

pytestmark = pytest.mark.asyncio(loop_scope="module")


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("namespace", "event"),
    [
        ("/rooms", "GET_ROOMS"),
        ("/clients", "GET_CLIENT_LIST"),
        ("/clients", "GET_ALL_CLIENT_KEYS"),
        ("/llm", "UNWATCH_ROOM"),
        ("/llm", "GET_SILLYTAVERN_EXTENSION"),
        ("/debug", "TOGGLE_DEBUG_MODE"),
        ("/debug", "SERVER_STATUS"),
    ],
)
async def test_admin_event_with_a_field_nested_40_deep_is_refused(
    fuzz: harness.FuzzServer, namespace: str, event: str
) -> None:
    """On a17cd6b these were answered `{status:'ok', …}` (the payload was never looked at)."""
    acks = await fuzz.senders["admin"].send(namespace, event, ({"extra": nested(40)},), ack=True)
    harness.check_answer(namespace, event, acks)
    assert acks[0][0]["status"] == "error", acks


async def test_function_call_with_args_nested_40_deep_is_refused(fuzz: harness.FuzzServer) -> None:
    """On a17cd6b: `{requestId: None, success: True, result: {success: True, result: [...]}}`."""
    payload = {"functionName": "listFunctions", "args": nested(40)}
    acks = await fuzz.senders["plain"].send("/function_call", "FUNCTION_CALL", (payload,), True)
    harness.check_answer("/function_call", "FUNCTION_CALL", acks)
    assert acks[0][0]["success"] is False, acks


async def test_request_nested_40_deep_is_not_forwarded(fuzz: harness.FuzzServer) -> None:
    """On a17cd6b a request with a 40-deep extra field was recorded and forwarded."""
    payload = {"requestId": "deep-1", "message": "hi", "target": "fuzz-ext", "x": nested(40)}
    acks = await fuzz.senders["plain"].send("/llm", "LLM_REQUEST", (payload,), True)
    assert acks == [[{"status": "error", "message": "Invalid LLM request data."}]]
    assert "deep-1" not in fuzz.server.core.relay.requests


async def test_zz_server_is_healthy_afterwards(fuzz: harness.FuzzServer) -> None:
    await harness.still_serves(fuzz)
    assert harness.log_failures(fuzz) == []
