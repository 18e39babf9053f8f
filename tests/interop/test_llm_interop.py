"""The LLM relay (PROTOCOL.md §7, §8) driven by the real socket.io-client and
@sap_oss/node-socketio-stream: an emulated SillyTavern extension in Node answers LLM_REQUEST the
way the shipped extension does, clients read the forwarded streams with ``ss(socket)``.

The module runs its own server (``llm_server``) so that extension availability, which decides
default targets and ``No extension available for this room.``, is not shared with other tests;
small context pages make GET_FULL_CONTEXT paging visible after a few requests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from interop_support import NewAgeServer, missing_requirements, run_scenario

# role -> (clientId, provisioning options)
LLM_ROSTER: dict[str, tuple[str, dict[str, Any]]] = {
    "ext": ("interop-llm-ext", {}),
    "ext_dc": ("interop-llm-ext-dc", {}),
    "ext_bad": ("interop-llm-ext-bad", {}),
    "client": ("interop-llm-client", {}),
    "other": ("interop-llm-other", {}),
    "multi": ("interop-llm-multi", {}),  # connects under several identities (§4.1)
    "ctx": ("interop-llm-ctx", {}),
    "canceller": ("interop-llm-canceller", {}),
    "ext_cancel": ("interop-llm-ext-cancel", {}),
}

LLM_SETTINGS = {"authMaxFailures": 1000, "contextPageSize": 4, "contextSendDelay": 20}


class LlmServer:
    def __init__(self, server: NewAgeServer) -> None:
        self.server = server

    @property
    def url(self) -> str:
        return self.server.url

    def js(self, role: str) -> dict[str, str]:
        return self.server.creds[LLM_ROSTER[role][0]].js()


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlmServer]:
    if missing_requirements() is not None:
        pytest.skip(missing_requirements() or "")
    server = NewAgeServer(tmp_path_factory.mktemp("llm-server"), "llm", settings=LLM_SETTINGS)
    for client_id, opts in LLM_ROSTER.values():
        server.provision(client_id, **opts)
    server.start()
    try:
        yield LlmServer(server)
    finally:
        server.stop()


def test_streamed_and_message_replies(llm_server: LlmServer) -> None:
    """§7.4–§7.8, §7.10 rules 1–4, §8: one client, streamed replies with and without requestId
    (attribution §7.6), chunks out of order, default targets; non-stream replies; the
    `Connection active?` echo."""
    (res,) = run_scenario(
        "llm_stream",
        {"url": llm_server.url, "client": llm_server.js("client"), "ext": llm_server.js("ext")},
    )
    assert len(res["summary"]) == 6, res


@pytest.mark.parametrize(
    ("n", "send_request_id"),
    [(1, True), (10, True), (10, False)],
    ids=["1-request", "10-concurrent", "10-without-requestId"],
)
def test_concurrent_requests_each_read_in_arrival_order(
    llm_server: LlmServer, n: int, send_request_id: bool
) -> None:
    """§7.10 rule 3: n clients, each reading its reply with ss(socket) and appending in arrival
    order, get exactly the extension's text (the Node upstream design interleaves consecutive
    mini-streams here). With requestIds the extension answers all requests at once; without,
    one after the other (attribution fallback, §7.6)."""
    (res,) = run_scenario(
        "llm_concurrent",
        {
            "url": llm_server.url,
            "multi": llm_server.js("multi"),
            "ext": llm_server.js("ext"),
            "n": n,
            "sendRequestId": send_request_id,
            "reps": 4,
        },
    )
    assert res["n"] == n and res["streams"] == n * 9


def test_extension_disconnect_mid_stream(llm_server: LlmServer) -> None:
    """§7.9: the open stream emits 'error' `Extension disconnected.`, the requester gets ERROR
    with requestId and target for the streaming and for the unanswered request, then 'failed'."""
    run_scenario(
        "llm_disconnect",
        {"url": llm_server.url, "client": llm_server.js("other"), "ext": llm_server.js("ext_dc")},
    )


def test_cancel_mid_stream(llm_server: LlmServer) -> None:
    """§7.14: CANCEL_REQUEST while the extension streams: ack ok, CANCEL_REQUEST at the
    extension, the client's stream emits 'error' `Request cancelled.`, status 'failed', no ERROR
    on the cancelling socket; the extension's late END and a second cancel are refused
    (`No matching request.`, `Request not found.`); the request message stays in the history."""
    run_scenario(
        "llm_cancel",
        {
            "url": llm_server.url,
            "client": llm_server.js("canceller"),
            "ext": llm_server.js("ext_cancel"),
        },
    )


def test_request_rejections(llm_server: LlmServer) -> None:
    """§7.2, §2.2 item 4: error ack + ERROR before it (ERROR alone without an ack) for every
    rejection; §7.5: output events from a non-extension socket → `Permission denied.`."""
    run_scenario(
        "llm_rejections",
        {
            "url": llm_server.url,
            "client": llm_server.js("client"),
            "other": llm_server.js("other"),
            "ext": llm_server.js("ext"),
        },
    )


def test_bad_extension_output_events(llm_server: LlmServer) -> None:
    """§7.5: `Invalid stream event.` / `Unknown stream.` / `No matching request.` with an ack,
    silence without; the valid stream among the garbage arrives intact; DATA_FAILED (§7.7)."""
    run_scenario(
        "llm_bad_events",
        {"url": llm_server.url, "client": llm_server.js("client"), "ext": llm_server.js("ext_bad")},
    )


def test_full_context_paging(llm_server: LlmServer) -> None:
    """§7.11: GET_FULL_CONTEXT / UPDATE_CONTEXT_PAGE paging after a few requests."""
    run_scenario(
        "llm_context",
        {
            "url": llm_server.url,
            "client": llm_server.js("ctx"),
            "other": llm_server.js("other"),
            "ext": llm_server.js("ext"),
            "pageSize": LLM_SETTINGS["contextPageSize"],
        },
    )


def test_receiver_that_never_reads_is_bounded(
    server_factory: Callable[..., NewAgeServer],
) -> None:
    """§8.3 rule 4: with a small streamMaxPendingBytes, a client that registers no
    SERVER_STREAM_DATA listener, and one that never reads its streams, get `$stream-error`
    `Receiver too slow.` for every stream; the server stays responsive.

    autoPushContext off and forwardContextLimit 1 keep the large outputs of this test from being
    re-sent in every context push and every forwarded request (both legitimate, §7.4, §7.11)."""
    bound = 4096
    srv = server_factory(
        "slow-receiver",
        {
            "authMaxFailures": 1000,
            "streamMaxPendingBytes": bound,
            "autoPushContext": False,
            "forwardContextLimit": 1,
        },
    )
    creds = {role: srv.provision(f"slow-{role}").js() for role in ("ext", "raw", "lazy", "fast")}
    srv.start()
    assert srv.proc is not None
    (res,) = run_scenario(
        "llm_slow_receiver",
        {
            "url": srv.url,
            **creds,
            "bound": bound,
            "chunkBytes": 3000,
            "batches": 3,
            "serverPid": srv.proc.pid,
            "bulkRequests": 10,
            "bulkChunkBytes": 250_000,
        },
    )
    assert res["raw"] == {"streams": 3, "errors": 3} and res["lazy"] == {"streams": 3, "errors": 3}
    assert srv.healthz()["status"] == "ok"
