"""Lone surrogates in decoded JSON (PROTOCOL.md §2.2 rule 6a)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from newage_desktop.protocol.validation import has_lone_surrogate, key_too_long


@pytest.mark.parametrize(
    "text",
    [
        '"\\ud800"',
        '"a\\udfffb"',
        '{"x": [1, {"y": "\\udc00"}]}',
        '{"\\ud800": 1}',
        '[[[["\\ud83d"]]]]',  # a high surrogate without its low half
    ],
)
def test_lone_surrogates_are_found_anywhere(text: str) -> None:
    assert has_lone_surrogate(json.loads(text))


@pytest.mark.parametrize(
    "value",
    [
        None,
        5,
        1.5,
        True,
        "",
        "plain",
        "é漢字",
        "\U0001f600",
        {"a": ["b", {"c": "😀"}]},
    ],
)
def test_valid_text_and_other_values_pass(value: Any) -> None:
    assert not has_lone_surrogate(value)
    assert not has_lone_surrogate(json.loads(json.dumps(value)))  # what arrives as JSON


def test_deep_nesting_does_not_recurse() -> None:
    value: Any = "\ud800"
    for _ in range(100_000):
        value = [value]
    assert has_lone_surrogate(value)


def test_a_key_that_cannot_be_encoded_counts_as_too_long() -> None:
    assert key_too_long("\ud800")
    assert not key_too_long("k" * 72)
    assert key_too_long("k" * 73)
