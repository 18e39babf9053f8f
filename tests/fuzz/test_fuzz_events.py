"""Every event of every namespace, with generated payloads, from an admin, a plain client and
an extension, with and without acks (issue 8; PROTOCOL.md §2.2, §6–§9).

Per event and sender, Hypothesis draws the data arguments and whether to ask for an ack.
Checked per example: an asked-for ack arrives exactly once with one argument of the event's
shape and is never `Internal server error.`; no ack arrives unasked; every sender is still
connected on every namespace. Checked at the end of the module: no ERROR record or traceback
from any logger, none in the log files, no `Internal server error.` in an `ERROR` event, and
the server still relays a request and answers /healthz.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newage_desktop.protocol import errors as err
from tests.fuzz import harness
from tests.fuzz.catalogue import ALL_EVENTS, CATALOGUE, STREAM_CONTROL
from tests.fuzz.harness import FUZZ_SETTINGS, examples
from tests.fuzz.strategies import arguments, too_deep
from tests.server.conftest import Client

pytestmark = pytest.mark.asyncio(loop_scope="module")

ROLES = ("admin", "plain", "ext")
# /debug admits admins only (§4.2 step 10).
CASES = [
    (role, ns, event)
    for ns, event in ALL_EVENTS
    for role in ROLES
    if ns in harness.namespaces_of(role)
]


@pytest.mark.parametrize(
    ("role", "namespace", "event"), CASES, ids=[f"{ns}:{e}-{r}" for r, ns, e in CASES]
)
@FUZZ_SETTINGS
@given(data=st.data(), ack=st.booleans())
async def test_event(
    fuzz: harness.FuzzServer, role: str, namespace: str, event: str, data: Any, ack: bool
) -> None:
    fields = CATALOGUE[namespace][event]
    args = data.draw(arguments(fields, positional=event in STREAM_CONTROL), label="args")
    await harness.fuzz_one(fuzz, role, namespace, event, args, ack)


# Deep payloads: extension events from the extension (so they pass the permission check), the
# rest from the admin; socket.io-stream control events take positional arguments of their own
# shapes (§8) and are left out.
EXTENSION_EVENTS = frozenset(
    {e for e in CATALOGUE["/llm"] if e.startswith("CLIENT_STREAM_")}
    | {"message", "IDENTIFY_SILLYTAVERN"}
)
DEEP_CASES = [
    ("ext" if event in EXTENSION_EVENTS else "admin", ns, event)
    for ns, event in ALL_EVENTS
    if event not in STREAM_CONTROL and event != "$stream"
]


@pytest.mark.parametrize(
    ("role", "namespace", "event"), DEEP_CASES, ids=[f"{ns}:{e}-{r}" for r, ns, e in DEEP_CASES]
)
@settings(FUZZ_SETTINGS, max_examples=examples(2))
@given(data=st.data())
async def test_payload_nested_past_the_limit_is_refused(
    fuzz: harness.FuzzServer, role: str, namespace: str, event: str, data: Any
) -> None:
    """§2.2 rule 6a: nesting deeper than `maxPayloadDepth` anywhere in the payload is refused
    with an error answer (the event's own validation string, else `Invalid payload.`)."""
    sender = fuzz.senders[role]
    payload = data.draw(too_deep(CATALOGUE[namespace][event]), label="payload")
    acks = await sender.send(namespace, event, (payload,), ack=True)
    harness.check_answer(namespace, event, acks)
    answer = acks[0][0]
    if event == "FUNCTION_CALL":
        assert answer["success"] is False, answer
    else:
        assert answer["status"] == "error", answer


async def test_client_disconnected_closes_only_that_namespace(fuzz: harness.FuzzServer) -> None:
    """§6.1, sent on its own: it ends the sender's socket of that namespace, with any payload."""
    client = Client(fuzz.url)
    auth = {"clientId": "fuzz-check-app", "key": fuzz.spare_keys["fuzz-check-app"]}
    await client.connect(["/rooms", "/auth"], auth)
    try:
        await client.sio.emit("CLIENT_DISCONNECTED", {"x": [[["\ud800"]]]}, namespace="/rooms")
        await asyncio.wait_for(client.disconnects["/rooms"].get(), 5)
        answer = await client.call("/auth", "GET_SILLYTAVERN_EXTENSION")
        assert answer["status"] == "ok"
    finally:
        await client.close()


async def test_zz_server_is_healthy_afterwards(fuzz: harness.FuzzServer) -> None:
    """Runs last in this module (pytest keeps file order)."""
    await harness.still_serves(fuzz)
    assert harness.log_failures(fuzz) == []
    internal = [
        (role, ns, payload)
        for role, sender in fuzz.senders.items()
        for ns, payload in sender.errors
        if isinstance(payload, dict) and payload.get("message") == err.INTERNAL_ERROR
    ]
    assert internal == []
