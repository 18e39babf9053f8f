"""Brute-force protection (PROTOCOL.md §4.9): sliding-window failure counters in memory."""

from __future__ import annotations

import contextlib
import logging
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_TRACKED_PAIRS = 10000  # authTrackedPairs (§11)


Pair = tuple[str, str]  # (remote address, clientId)


class FailureThrottle:
    """Counts authentication failures per pair (remote address, clientId) (§4.9).

    Every local program shares 127.0.0.1, so counting per address alone would let one page lock
    out every other program; a pair's lockout affects only that clientId from that address.
    """

    def __init__(
        self,
        *,
        max_failures: Callable[[], int],
        window_ms: Callable[[], int],
        clock: Callable[[], float],
        tracked_pairs: Callable[[], int] = lambda: DEFAULT_TRACKED_PAIRS,
    ) -> None:
        # Settings are read through callables so a settings change applies at once.
        self._max_failures = max_failures
        self._window_ms = window_ms
        self._clock = clock
        self._tracked_pairs = tracked_pairs
        # Least recently failed pair first: that is the one dropped when the table is full.
        self._pairs: OrderedDict[Pair, deque[float]] = OrderedDict()

    def tracked(self) -> int:
        """How many pairs have counters (expired ones may linger until looked at)."""
        return len(self._pairs)

    def _count(self, pair: Pair) -> int:
        times = self._pairs.get(pair)
        if times is None:
            return 0
        horizon = self._clock() - self._window_ms() / 1000.0
        while times and times[0] <= horizon:
            times.popleft()
        if not times:
            del self._pairs[pair]
            return 0
        return len(times)

    def is_locked(self, address: str, client_id: str) -> bool:
        return self._count((address, client_id)) >= self._max_failures()

    def record_failure(self, address: str, client_id: str) -> None:
        self._add((address, client_id))

    def reserve(self, address: str, client_id: str) -> float | None:
        """Count a failure *before* the expensive check; None when the pair is locked out.

        Concurrent attempts each take a slot, so a burst is cut at `authMaxFailures` without
        further bcrypt work. On success the caller gives the slot back with `release`.
        """
        if self.is_locked(address, client_id):
            return None
        return self._add((address, client_id))

    def release(self, address: str, client_id: str, token: float) -> None:
        """Undo one `reserve` (the attempt succeeded, so it was no failure)."""
        pair = (address, client_id)
        times = self._pairs.get(pair)
        if times is None:
            return
        with contextlib.suppress(ValueError):  # already aged out of the window
            times.remove(token)
        if not times:
            del self._pairs[pair]

    def _add(self, pair: Pair) -> float:
        now = self._clock()
        times = self._pairs.get(pair)
        if times is None:
            times = self._pairs[pair] = deque()
        else:
            self._pairs.move_to_end(pair)
        times.append(now)
        limit = max(1, self._tracked_pairs())
        while len(self._pairs) > limit:
            self._pairs.popitem(last=False)
        return now


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
