"""`MESSAGE_UPDATED` of responses (PROTOCOL.md §7.8): at most one per response every
`messageUpdateIntervalMs`, the latest text wins.

Every later END (or `message`) of an output updates its stored response at once; the update is
*sent* at once only if the response's text has not gone out within the interval (its
`NEW_MESSAGE` counts). Otherwise it waits, and the latest text goes out when the interval
ends, when the output is complete (a `final` END, or 0.5 s after an END with no new stream,
§7.5) or when its request ends; a stop sends whatever waits. So the bytes sent grow with the
output's length and its duration, not with its number of streams.

Time is `core.clock` (tests inject a fake one and call `flush_due`). One loop timer merely
wakes `flush_due`, which decides by that clock and re-arms itself for what is not due yet.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from newage_desktop.core.llm.tracking import Output, TrackedRequest

if TYPE_CHECKING:
    from newage_desktop.core.llm.relay import LlmRelay

# §7.5: without `final`, an output is complete when no new stream of it starts within 0.5 s of
# an END. Here that only decides when its last update is sent; later streams still extend it.
QUIET_COMPLETION = 0.5


class ResponseUpdates:
    def __init__(self, relay: LlmRelay) -> None:
        self.relay = relay
        self.deps = relay.deps
        self._pending: dict[Output, None] = {}  # insertion-ordered set
        self._timer: asyncio.TimerHandle | None = None
        self._timer_due: float | None = None

    def _interval(self) -> float:
        return self.deps.settings().message_update_interval_ms / 1000.0

    # --- what the output relay reports ---------------------------------------------------------
    def created(self, output: Output) -> None:
        """Its NEW_MESSAGE just went out with the whole text so far."""
        output.sent_at = self.deps.clock()

    def stream_started(self, output: Output) -> None:
        output.quiet_since = None

    async def changed(self, output: Output) -> None:
        """An END or `message` updated the stored response of `output`."""
        now = self.deps.clock()
        output.quiet_since = now
        interval = self._interval()
        if (
            output.complete
            or interval <= 0
            or output.sent_at is None
            or now - output.sent_at >= interval
        ):
            await self._send(output)
            return
        self._pending[output] = None
        self._wake_at(self._next_due(output, now))

    # --- sending -------------------------------------------------------------------------------
    def _is_quiet(self, output: Output, now: float) -> bool:
        return (
            output.quiet_since is not None
            and now - output.quiet_since >= QUIET_COMPLETION
            and all(s.closed for s in output.streams)
        )

    def _is_due(self, output: Output, now: float) -> bool:
        assert output.sent_at is not None  # set by `created` before any update is pending
        return now - output.sent_at >= self._interval() or self._is_quiet(output, now)

    def _next_due(self, output: Output, now: float) -> float:
        assert output.sent_at is not None
        due = output.sent_at + self._interval()
        if output.quiet_since is not None and output.quiet_since + QUIET_COMPLETION > now:
            due = min(due, output.quiet_since + QUIET_COMPLETION)
        return due

    async def _send(self, output: Output) -> None:
        self._pending.pop(output, None)
        output.sent_at = self.deps.clock()
        message = output.response
        if message is None:
            return
        # A copy: the stored message keeps changing in place after this event is sent.
        await self.relay.announce_message(output.request.room, dict(message), created=False)

    async def flush_due(self) -> None:
        """Send every update whose time has come; wake again for the next one."""
        self._cancel_timer()
        now = self.deps.clock()
        for output in list(self._pending):
            if output in self._pending and self._is_due(output, now):
                await self._send(output)
        now = self.deps.clock()
        wake = min((self._next_due(o, now) for o in self._pending), default=None)
        if wake is not None:
            self._wake_at(wake)

    async def flush(
        self, request: TrackedRequest | None = None, extension: str | None = None
    ) -> None:
        """Send what waits now: everything, or the outputs of a request or of an extension
        (its request ends, the extension left, the server stops)."""
        for output in list(self._pending):
            if request is not None and output.request is not request:
                continue
            if extension is not None and output.extension != extension:
                continue
            if output in self._pending:
                await self._send(output)
        if not self._pending:
            self._cancel_timer()

    def discard(self, request: TrackedRequest) -> None:
        """The request is forgotten (its room deleted, or flushed already): nothing to send."""
        for output in [o for o in self._pending if o.request is request]:
            del self._pending[output]
        if not self._pending:
            self._cancel_timer()

    async def stop(self) -> None:
        self._cancel_timer()
        await self.flush()

    # --- the wake-up timer ---------------------------------------------------------------------
    def _wake_at(self, due: float) -> None:
        if self._timer is not None and self._timer_due is not None and self._timer_due <= due:
            return
        self._cancel_timer()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop: `flush` at the request's end or the stop sends it
            return
        self._timer_due = due
        self._timer = loop.call_later(max(0.0, due - self.deps.clock()), self._wake)

    def _wake(self) -> None:
        self._timer = None
        self._timer_due = None
        if not self.deps.stopping():  # a stop flushes (`stop`); the store may be closing
            self.deps.spawn(self.flush_due())

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None
        self._timer_due = None
