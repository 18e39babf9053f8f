"""Brute-force protection (PROTOCOL.md §4.9): sliding-window failure counters in memory."""

from __future__ import annotations

import contextlib
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


class FailureThrottle:
    """Counts authentication failures per remote address and per clientId."""

    def __init__(
        self,
        *,
        max_failures: Callable[[], int],
        window_ms: Callable[[], int],
        clock: Callable[[], float],
    ) -> None:
        # Settings are read through callables so a settings change applies at once.
        self._max_failures = max_failures
        self._window_ms = window_ms
        self._clock = clock
        self._by_address: dict[str, deque[float]] = {}
        self._by_client: dict[str, deque[float]] = {}

    def _count(self, table: dict[str, deque[float]], name: str) -> int:
        times = table.get(name)
        if times is None:
            return 0
        horizon = self._clock() - self._window_ms() / 1000.0
        while times and times[0] <= horizon:
            times.popleft()
        if not times:
            del table[name]
            return 0
        return len(times)

    def is_locked(self, address: str, client_id: str) -> bool:
        limit = self._max_failures()
        return (
            self._count(self._by_address, address) >= limit
            or self._count(self._by_client, client_id) >= limit
        )

    def record_failure(self, address: str, client_id: str) -> None:
        now = self._clock()
        self._by_address.setdefault(address, deque()).append(now)
        self._by_client.setdefault(client_id, deque()).append(now)

    def reserve(self, address: str, client_id: str) -> float | None:
        """Count a failure *before* the expensive check; None when the pair is locked out.

        Concurrent attempts each take a slot, so a burst is cut at `authMaxFailures` without
        further bcrypt work. On success the caller gives the slot back with `release`.
        """
        if self.is_locked(address, client_id):
            return None
        now = self._clock()
        self._by_address.setdefault(address, deque()).append(now)
        self._by_client.setdefault(client_id, deque()).append(now)
        return now

    def release(self, address: str, client_id: str, token: float) -> None:
        """Undo one `reserve` (the attempt succeeded, so it was no failure)."""
        for table, name in ((self._by_address, address), (self._by_client, client_id)):
            times = table.get(name)
            if times is None:
                continue
            with contextlib.suppress(ValueError):  # already aged out of the window
                times.remove(token)
            if not times:
                del table[name]


@dataclass
class _Window:
    start: float
    level: int
    summary: str
    suppressed: int = 0


class RefusalLog:
    """Rate-limited log lines for refusals, per (reason, remote address) (§3.4).

    The first refusal of a key logs its line; further refusals of that key within `window_s`
    are only counted. The count is logged as `<summary> ... and N more in the last minute`
    at the next refusal of that key after the window, or by `flush_due` (a timer).
    """

    def __init__(
        self, logger: logging.Logger, *, clock: Callable[[], float], window_s: float = 60.0
    ) -> None:
        self._log = logger
        self._clock = clock
        self.window_s = window_s
        self._open: dict[tuple[str, str], _Window] = {}

    def refused(self, reason: str, address: str, level: int, line: str, summary: str) -> bool:
        """Record one refusal; returns True if a new window was opened (a timer is wanted)."""
        key = (reason, address)
        now = self._clock()
        window = self._open.get(key)
        if window is not None and now - window.start < self.window_s:
            window.suppressed += 1
            return False
        if window is not None:
            self._summarize(window)
        self._log.log(level, line)
        self._open[key] = _Window(now, level, summary)
        return True

    def flush_due(self) -> None:
        """Log and close every window that has ended."""
        now = self._clock()
        for key, window in list(self._open.items()):
            if now - window.start >= self.window_s:
                self._summarize(window)
                del self._open[key]

    def _summarize(self, window: _Window) -> None:
        if window.suppressed:
            self._log.log(
                window.level,
                f"{window.summary} ... and {window.suppressed} more in the last minute",
            )
