"""Failures are counted per (remote address, clientId) pair (PROTOCOL.md §4.9, issue 8)."""

from __future__ import annotations

from typing import Any

from newage_desktop.core.app import Core
from newage_desktop.core.auth.admission import (
    Accepted,
    Handshake,
    Pending,
    Refused,
    admit,
    after_connect,
)
from newage_desktop.core.auth.throttle import FailureThrottle

LOCKED = Refused("Too many failed attempts. Try again later.")


class FakeClock:
    def __init__(self) -> None:
        self.t = 1_000.0

    def __call__(self) -> float:
        return self.t


def throttle(clock: FakeClock, *, limit: int = 2, pairs: int = 10000) -> FailureThrottle:
    return FailureThrottle(
        max_failures=lambda: limit,
        window_ms=lambda: 60_000,
        clock=clock,
        tracked_pairs=lambda: pairs,
    )


def hs(sid: str, namespace: str = "/", address: str = "127.0.0.1", **auth: Any) -> Handshake:
    return Handshake(sid=sid, namespace=namespace, auth=auth, address=address, origin=None)


def test_a_pair_at_the_limit_locks_only_that_pair() -> None:
    clock = FakeClock()
    t = throttle(clock)
    t.record_failure("127.0.0.1", "page")
    t.record_failure("127.0.0.1", "page")
    assert t.is_locked("127.0.0.1", "page")
    assert not t.is_locked("127.0.0.1", "SillyTavern")
    assert not t.is_locked("10.0.0.2", "page")


def test_failures_leave_the_sliding_window() -> None:
    clock = FakeClock()
    t = throttle(clock)
    t.record_failure("127.0.0.1", "page")
    clock.t += 30
    t.record_failure("127.0.0.1", "page")
    assert t.is_locked("127.0.0.1", "page")
    clock.t += 31  # the first failure is now older than the window
    assert not t.is_locked("127.0.0.1", "page")


def test_at_most_tracked_pairs_are_kept_oldest_dropped() -> None:
    clock = FakeClock()
    t = throttle(clock, limit=1, pairs=3)
    for client_id in ("a", "b", "c"):
        t.record_failure("127.0.0.1", client_id)
        clock.t += 1
    assert t.tracked() == 3
    t.record_failure("127.0.0.1", "d")
    assert t.tracked() == 3
    assert not t.is_locked("127.0.0.1", "a")  # the oldest pair was dropped
    assert all(t.is_locked("127.0.0.1", c) for c in ("b", "c", "d"))


def test_a_new_failure_makes_a_pair_young_again() -> None:
    clock = FakeClock()
    t = throttle(clock, limit=1, pairs=2)
    t.record_failure("127.0.0.1", "a")
    t.record_failure("127.0.0.1", "b")
    t.record_failure("127.0.0.1", "a")
    t.record_failure("127.0.0.1", "c")
    assert t.is_locked("127.0.0.1", "a") and t.is_locked("127.0.0.1", "c")
    assert not t.is_locked("127.0.0.1", "b")


def test_a_released_reservation_is_no_failure() -> None:
    clock = FakeClock()
    t = throttle(clock, limit=1)
    slot = t.reserve("127.0.0.1", "bot")
    assert slot is not None
    assert t.reserve("127.0.0.1", "bot") is None  # the burst is cut at the limit
    assert t.reserve("127.0.0.1", "other") is not None
    t.release("127.0.0.1", "bot", slot)
    assert not t.is_locked("127.0.0.1", "bot")


async def test_a_page_locking_itself_out_does_not_lock_the_extension(core: Core) -> None:
    core.settings_store.update({"authMaxFailures": 3})
    await core.trust_client("SillyTavern")
    key = await core.generate_key("SillyTavern")
    for i in range(3):
        assert await admit(core, hs(f"w{i}", clientId="page", key="x")) == Refused(
            "Client is not trusted."
        )
    assert await admit(core, hs("w9", clientId="page", key="x")) == LOCKED
    ok = await admit(core, hs("st", "/sillytavern", clientId="SillyTavern", key=key))
    assert isinstance(ok, Accepted)


async def test_denied_pairing_requests_count_for_their_pair(core: Core) -> None:
    core.settings_store.update({"authMaxFailures": 2})
    for i in range(2):
        pending = await admit(core, hs(f"p{i}", "/auth", clientId="page", key="getKey"))
        assert isinstance(pending, Pending)
        await after_connect(core, pending)
        assert await core.deny_request(pending.request.room_id) == "page"
    assert await admit(core, hs("p9", "/auth", clientId="page", key="getKey")) == LOCKED
    other = await admit(core, hs("q", "/auth", clientId="tool", key="getKey"))
    assert isinstance(other, Pending)
