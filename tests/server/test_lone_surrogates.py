"""Strings are valid Unicode at the edge (PROTOCOL.md §2.2 rule 6a, §4.2 step 1).

python-socketio's client writes JSON with `ensure_ascii`, so a Python string holding a lone
surrogate goes out as the escape `"\\ud800"`: valid JSON that decodes to a lone surrogate on the
server. Such text cannot be encoded as UTF-8, so it must be refused before any handler sees it.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.transport.server import RelayServer
from tests.server.conftest import provision, refusal

LONE = "\ud800"
LOW = "\udc00"


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    bad = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not bad, [r.getMessage() for r in bad]


@pytest.fixture
async def admin(datadir: DataDir, make_client: Any) -> Any:
    key = provision(datadir, "admin", monitor=True)
    return await make_client(
        ["/llm", "/rooms", "/function_call", "/clients"],
        {"clientId": "admin", "key": key, "clientType": "monitor"},
        subscribe=(("/llm", "ERROR"), ("/rooms", "ERROR")),
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"requestId": "r1", "message": LONE},
        {"requestId": "r2", "message": "hi", "extra": {"deep": [1, {"x": LOW}]}},
        {"requestId": "r3", "message": "hi", LONE: 1},  # a key is a string too
        {"requestId": LONE, "message": "hi"},
    ],
)
async def test_llm_request_with_a_lone_surrogate_is_invalid(
    server: RelayServer, admin: Any, payload: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    answer = await admin.call("/llm", "LLM_REQUEST", payload)
    assert answer == {"status": "error", "message": "Invalid LLM request data."}
    # §2.2 rule 4: also an ERROR event (emitted before the ack)
    notice = await admin.next("/llm", "ERROR")
    assert notice["message"] == "Invalid LLM request data."
    assert not server.core.relay.requests
    no_tracebacks(caplog)


@pytest.mark.parametrize(
    "payload",
    [
        {"roomName": LONE},
        {"roomName": "ab" + LONE + "cd"},
        {"roomName": "lobby", "nested": {"list": ["ok", [LOW]]}},
    ],
)
async def test_rooms_event_with_a_lone_surrogate_is_invalid(
    server: RelayServer, admin: Any, payload: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    answer = await admin.call("/rooms", "CREATE_ROOM", payload)
    assert answer == {"status": "error", "message": "Invalid payload."}
    # without an ack: an ERROR event (§2.2 rule 3)
    await admin.sio.emit("CREATE_ROOM", payload, namespace="/rooms")
    assert await admin.next("/rooms", "ERROR") == {"type": "ERROR", "message": "Invalid payload."}
    rooms = await admin.call("/rooms", "GET_ROOMS")
    assert rooms["status"] == "ok"
    assert "lobby" not in str(rooms)
    no_tracebacks(caplog)


async def test_valid_non_bmp_text_still_passes(server: RelayServer, admin: Any) -> None:
    # "\ud83d\ude00" on the wire is a surrogate *pair*: one valid code point.
    answer = await admin.call("/rooms", "CREATE_ROOM", {"roomName": "room\U0001f600"})
    assert answer["status"] == "ok", answer


@pytest.mark.parametrize(
    "payload",
    [
        {"requestId": "x", "functionName": "listFunctions", "args": [{"k": LONE}]},
        {"requestId": "x", "functionName": LONE},
        {"requestId": "x", "functionName": "listFunctions", "target": "bot" + LOW},
    ],
)
async def test_function_call_with_a_lone_surrogate_is_invalid(
    server: RelayServer, admin: Any, payload: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    answer = await admin.call("/function_call", "FUNCTION_CALL", payload)
    assert answer == {
        "requestId": None,
        "success": False,
        "error": {"message": "Invalid function call."},
    }
    no_tracebacks(caplog)


async def test_stream_write_does_not_echo_a_lone_surrogate(
    server: RelayServer, admin: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    answer = await admin.call("/llm", "$stream-write", LONE)
    assert isinstance(answer, str) and LONE not in answer
    assert (await admin.call("/clients", "GET_CLIENT_LIST"))["status"] == "ok"
    no_tracebacks(caplog)


@pytest.mark.parametrize("field", ["identity", "clientId", "key", "desc", "clientType"])
async def test_auth_field_with_a_lone_surrogate_is_invalid_auth_data(
    server: RelayServer,
    datadir: DataDir,
    make_client: Any,
    field: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    key = provision(datadir, "bot")
    auth: dict[str, Any] = {"clientId": "bot", "key": key}
    auth[field] = "bot" + LONE if field in ("identity", "clientId") else LONE
    reason = "Invalid auth data."
    expected = {"message": reason, "data": {"type": "ERROR", "message": reason}}
    assert await refusal(server.url, "/clients", auth) == expected
    assert server.core.registry.registration("bot" + LONE) is None
    # the server is fine afterwards, and the client can connect properly
    bot = await make_client(["/clients"], {"clientId": "bot", "key": key})
    assert (await bot.call("/clients", "GET_CLIENT_LIST"))["status"] == "ok"
    no_tracebacks(caplog)


async def test_identity_that_is_only_a_lone_surrogate_is_invalid_auth_data(
    server: RelayServer, datadir: DataDir
) -> None:
    key = provision(datadir, "bot")
    reason = "Invalid auth data."
    assert await refusal(server.url, "/llm", {"clientId": "bot", "key": key, "identity": LONE}) == {
        "message": reason,
        "data": {"type": "ERROR", "message": reason},
    }
