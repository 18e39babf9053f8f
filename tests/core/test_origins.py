"""Which `Origin` headers pass `corsAllowedOrigins` (PROTOCOL.md §2.1)."""

from __future__ import annotations

import pytest

from newage_desktop.core.auth.origins import is_local_origin, origin_allowed


@pytest.mark.parametrize(
    "origin",
    [
        "http://127.0.0.1:8000",  # SillyTavern's page
        "http://localhost:5173",
        "https://localhost",
        "http://127.8.9.10",
        "http://[::1]:8000",
        "file://localhost",
        "app://127.0.0.1:3000",
    ],
)
def test_local_origins(origin: str) -> None:
    assert is_local_origin(origin)
    assert origin_allowed(origin, "local")
    assert origin_allowed(origin, ["https://example.org", "local"])


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "http://localhost.evil.example",
        "http://127.0.0.1.evil.example",
        "http://192.168.1.5:8000",
        "http://[::2]",
        "http://0.0.0.0:8000",
        "null",  # sandboxed frames and file: pages
        "",
        "localhost:8000",  # no scheme
        "http://localhost:99999",
        "http://[::1",
    ],
)
def test_other_origins_are_not_local(origin: str) -> None:
    assert not is_local_origin(origin)
    assert not origin_allowed(origin, "local")
    assert not origin_allowed(origin, ["local", "http://friend.example"])


def test_exact_list_and_star() -> None:
    assert origin_allowed("http://friend.example", ["http://friend.example"])
    assert not origin_allowed("http://friend.example:81", ["http://friend.example"])
    assert not origin_allowed("http://127.0.0.1:8000", ["http://friend.example"])  # no "local"
    assert origin_allowed("http://evil.example", "*")
    assert origin_allowed("http://evil.example", ["http://a", "*"])
