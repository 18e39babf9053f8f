"""Brute-force protection (PROTOCOL.md §4.9): sliding-window failure counters in memory."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable


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
