"""Packet JSON: orjson's speed, the standard library's acceptance."""

from __future__ import annotations

import json

import pytest

from newage_desktop.transport import fastjson


@pytest.mark.parametrize(
    "value",
    [{"a": [1, 2.5, None, True]}, "世界 🙂", {"n": 2**70}, [], {"nested": {"x": "y"}}],
)
def test_round_trip_matches_the_standard_library(value: object) -> None:
    text = fastjson.dumps(value, separators=(",", ":"))
    assert json.loads(text) == value
    assert fastjson.loads(text) == value


def test_big_integers_and_bad_text() -> None:
    assert fastjson.loads('{"n": 123456789012345678901234567890}') == {
        "n": 123456789012345678901234567890
    }
    with pytest.raises(json.JSONDecodeError):
        fastjson.loads('{"unterminated": "x')
