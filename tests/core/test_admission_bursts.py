"""Bursts of refused handshakes (issue 8 item 11; PROTOCOL.md §4.2 step 5, §4.9, §3.4)."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from newage_desktop.core.app import Core
from newage_desktop.core.auth import admission as admission_module
from newage_desktop.core.auth.admission import Accepted, Handshake, Refused, admit
from newage_desktop.core.auth.keys import check_key
from newage_desktop.core.store.datadir import DataDir
from tests.core.conftest import RecordingGateway

LOCKED = Refused("Too many failed attempts. Try again later.")


def hs(sid: str, namespace: str = "/", address: str = "10.0.0.1", **auth: Any) -> Handshake:
    return Handshake(sid=sid, namespace=namespace, auth=auth, address=address, origin=None)


class FakeClock:
    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
async def clocked(tmp_path: Path) -> AsyncIterator[tuple[Core, FakeClock]]:
    clock = FakeClock()
    c = Core(DataDir(tmp_path / "data"), clock=clock)
    c.open()
    c.attach(RecordingGateway())
    yield c, clock
    c.close()


class CountingVerify:
    """Stands in for bcrypt: counts calls, and holds each one briefly so they overlap."""

    def __init__(self, result: bool | None = None, delay: float = 0.0) -> None:
        self.calls = 0
        self._lock = threading.Lock()
        self._result = result
        self._delay = delay

    def __call__(self, plaintext: str, hashed: str) -> bool:
        with self._lock:
            self.calls += 1
        if self._delay:
            threading.Event().wait(self._delay)
        return check_key(plaintext, hashed) if self._result is None else self._result


async def test_parallel_wrong_keys_are_cut_at_the_limit_before_bcrypt(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    core.settings_store.update({"authMaxFailures": 10})
    await core.trust_client("bot")
    await core.generate_key("bot")
    verify = CountingVerify(result=False, delay=0.05)
    monkeypatch.setattr(admission_module, "check_key", verify)
    results = await asyncio.gather(
        *(admit(core, hs(f"s{i}", clientId="bot", key=f"wrong{i}")) for i in range(30))
    )
    assert verify.calls <= 10
    assert results.count(Refused("Invalid key.")) == verify.calls
    assert results.count(LOCKED) == 30 - verify.calls
    assert core.throttle.is_locked("10.0.0.1", "bot")


async def test_a_correct_key_in_a_burst_under_the_limit_is_accepted(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    core.settings_store.update({"authMaxFailures": 10})
    await core.trust_client("bot")
    key = await core.generate_key("bot")
    verify = CountingVerify(delay=0.02)
    monkeypatch.setattr(admission_module, "check_key", verify)
    wrong = [admit(core, hs(f"w{i}", clientId="bot", key=f"wrong{i}")) for i in range(5)]
    results = await asyncio.gather(*wrong, admit(core, hs("ok", clientId="bot", key=key)))
    assert isinstance(results[-1], Accepted)
    assert results[:-1] == [Refused("Invalid key.")] * 5
    # the successful attempt gave its reserved slot back: exactly five failures are counted
    for i in range(4):
        assert await admit(core, hs(f"x{i}", clientId="bot", key="bad")) == Refused("Invalid key.")
    assert not core.throttle.is_locked("10.0.0.1", "bot")
    assert await admit(core, hs("x9", clientId="bot", key="bad")) == Refused("Invalid key.")
    assert core.throttle.is_locked("10.0.0.1", "bot")


def _lines(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if text in r.getMessage()]


async def test_a_thousand_wrong_keys_log_a_few_lines_with_the_count(
    clocked: tuple[Core, FakeClock],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    core, clock = clocked
    caplog.set_level(logging.DEBUG, logger="newage")
    core.settings_store.update({"authMaxFailures": 100000})
    await core.trust_client("bot")
    await core.generate_key("bot")
    monkeypatch.setattr(admission_module, "check_key", CountingVerify(result=False))
    for i in range(1000):
        refused = await admit(core, hs(f"s{i}", clientId="bot", key="wrong"))
        assert refused == Refused("Invalid key.")
        clock.t += 0.01
    clock.t += 61
    assert await admit(core, hs("late", clientId="bot", key="wrong")) == Refused("Invalid key.")
    lines = _lines(caplog, "Invalid key.")
    assert len(lines) <= 3, lines
    assert any("999 more" in line for line in lines), lines
    # a refusal with another reason from the same address still logs at once
    assert await admit(core, hs("u", clientId="stranger", key="k")) == Refused(
        "Client is not trusted."
    )
    assert len(_lines(caplog, "Client is not trusted.")) == 1


async def test_a_thousand_locked_out_attempts_log_a_few_lines_with_the_count(
    clocked: tuple[Core, FakeClock],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    core, clock = clocked
    caplog.set_level(logging.DEBUG, logger="newage")
    core.settings_store.update({"authMaxFailures": 1, "authFailureWindowMs": 3_600_000})
    await core.trust_client("bot")
    await core.generate_key("bot")
    monkeypatch.setattr(admission_module, "check_key", CountingVerify(result=False))
    assert await admit(core, hs("first", clientId="bot", key="wrong")) == Refused("Invalid key.")
    for i in range(1000):
        assert await admit(core, hs(f"s{i}", clientId="bot", key="wrong")) == LOCKED
    clock.t += 61
    assert await admit(core, hs("late", clientId="bot", key="wrong")) == LOCKED
    lines = _lines(caplog, LOCKED.reason)
    assert 1 <= len(lines) <= 3, lines
    assert any("999 more" in line for line in lines), lines
    assert len(_lines(caplog, "Missing clientId.")) == 0
    assert await admit(core, hs("m")) == Refused("Missing clientId.")
    assert len(_lines(caplog, "Missing clientId.")) == 1
