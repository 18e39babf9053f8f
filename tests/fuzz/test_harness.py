"""The fuzz checks themselves can fail: each bad answer shape is caught (no server needed)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.fuzz.harness import ErrorRecords, check_answer

GOOD: list[tuple[str, list[list[Any]]]] = [
    ("GET_ROOMS", [[{"status": "ok", "rooms": []}]]),
    ("CREATE_ROOM", [[{"status": "error", "message": "Invalid room name"}]]),
    ("FUNCTION_CALL", [[{"requestId": None, "success": True, "result": None}]]),
    ("FUNCTION_CALL", [[{"requestId": 1, "success": False, "error": {"message": "Nope."}}]]),
    ("$stream-write", [["invalid stream id: x"]]),
    ("$stream-read", [[{"status": "ok"}]]),
]
BAD: list[tuple[str, list[list[Any]]]] = [
    ("GET_ROOMS", []),  # no ack
    ("GET_ROOMS", [[{"status": "ok"}], [{"status": "ok"}]]),  # two acks
    ("GET_ROOMS", [[]]),  # an ack without argument
    ("GET_ROOMS", [[{"status": "ok"}, 1]]),  # two arguments
    ("GET_ROOMS", [[None]]),
    ("GET_ROOMS", [[{"rooms": []}]]),  # no status
    ("GET_ROOMS", [[{"status": "error"}]]),  # no message
    ("GET_ROOMS", [[{"status": "error", "message": "Internal server error."}]]),
    ("FUNCTION_CALL", [[{"status": "ok"}]]),
    ("FUNCTION_CALL", [[{"requestId": None, "success": True}]]),
    (
        "FUNCTION_CALL",
        [[{"requestId": None, "success": False, "error": {"message": "Internal server error."}}]],
    ),
    ("$stream-write", [["ok"]]),
    ("$stream-read", [[{"status": "error", "message": "x"}]]),
]


@pytest.mark.parametrize(("event", "acks"), GOOD)
def test_good_answers_pass(event: str, acks: list[list[Any]]) -> None:
    check_answer("/x", event, acks)


@pytest.mark.parametrize(("event", "acks"), BAD)
def test_bad_answers_are_caught(event: str, acks: list[list[Any]]) -> None:
    with pytest.raises((AssertionError, KeyError, TypeError)):
        check_answer("/x", event, acks)


def test_error_records_keep_errors_and_tracebacks_only() -> None:
    records = ErrorRecords()
    logger = logging.getLogger("newage.fuzz-selftest")
    logger.addHandler(records)
    logger.setLevel(logging.DEBUG)
    try:
        logger.warning("refused")
        logger.error("broken")
        try:
            raise ValueError("boom")
        except ValueError:
            logger.info("handled", exc_info=True)
    finally:
        logger.removeHandler(records)
    assert records.describe() == [
        "newage.fuzz-selftest ERROR: broken",
        "newage.fuzz-selftest INFO: handled | ValueError: boom",
    ]
