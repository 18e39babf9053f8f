"""Refused handshakes are logged at most once per (reason, address) and minute (issue 8):
a flood of refusals must not write one log line each, through the real server."""

from __future__ import annotations

import logging

import pytest

from newage_desktop.transport.server import RelayServer
from tests.server.conftest import refusal


async def test_a_flood_of_refused_handshakes_logs_a_line_not_one_each(
    server: RelayServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for _ in range(8):  # under authMaxFailures (10): each is refused as not trusted
        data = await refusal(server.url, "/llm", {"clientId": "nobody-knows-me", "key": "x" * 36})
        assert data["message"] == "Client is not trusted."
    lines = [r.getMessage() for r in caplog.records if "Client is not trusted." in r.getMessage()]
    assert len(lines) == 1, lines
    assert "nobody-knows-me" in lines[0] and "127.0.0.1" in lines[0]
