"""The socket.io-stream sender (PROTOCOL.md §8): one forwarded stream to one recipient socket.

Per stream: queued text, read credits, at most one write awaiting its ack, an end flag. Queued
text is coalesced into one `$stream-write` whenever a credit and no unacknowledged write allow
it, so a slow receiver costs fewer, larger writes instead of unbounded queues; past
`streamMaxPendingBytes` the stream is aborted with `Receiver too slow.`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from newage_desktop.protocol.events import NS_LLM, SERVER_STREAM_DATA

STREAM = "$stream"
STREAM_READ = "$stream-read"
STREAM_WRITE = "$stream-write"
STREAM_END = "$stream-end"
STREAM_ERROR = "$stream-error"

RECEIVER_TOO_SLOW = "Receiver too slow."
RECEIVER_TIMED_OUT = "Receiver timed out."


class StreamOut(Protocol):
    """What a forwarded stream needs from the transport."""

    async def send(
        self,
        sid: str,
        namespace: str,
        event: str,
        args: list[Any],
        on_ack: Callable[..., None] | None = None,
    ) -> None: ...


@dataclass(frozen=True)
class StreamEnv:
    """What every forwarded stream shares: the transport, a clock, a task spawner, the bound."""

    out: StreamOut
    clock: Callable[[], float]
    spawn: Callable[[Awaitable[Any]], Any]
    max_pending: Callable[[], int]
    on_close: Callable[[ForwardedStream], None]


class ForwardedStream:
    """One `SERVER_STREAM_DATA` stream from the server to one `/llm` socket."""

    __slots__ = (
        "_after",
        "_before",
        "_env",
        "_queue",
        "_queued_bytes",
        "closed",
        "credit",
        "end_pending",
        "id",
        "in_flight",
        "last_activity",
        "sid",
    )

    def __init__(self, env: StreamEnv, sid: str, *, after: ForwardedStream | None = None) -> None:
        self._env = env
        self.sid = sid
        self.id = str(uuid.uuid4())  # never the extension's streamId (§8.1)
        self._queue: list[str] = []
        self._queued_bytes = 0
        self.credit = 0
        self.in_flight = False
        self.end_pending = False
        self.closed = False
        self.last_activity = env.clock()
        # §7.10 rule 3: a later stream of the same output to the same socket writes only after
        # the earlier one has ended or failed.
        self._before = after if after is not None and not after.closed else None
        self._after: ForwardedStream | None = None
        if self._before is not None:
            self._before._after = self

    @property
    def idle(self) -> bool:
        """Nothing to send and nothing owed: a receiver that stops reading now is no stall."""
        return not self._queue and not self.end_pending

    async def announce(self, metadata: dict[str, Any]) -> None:
        await self._env.out.send(
            self.sid, NS_LLM, STREAM, [SERVER_STREAM_DATA, {STREAM: self.id}, metadata]
        )

    async def write(self, text: str) -> None:
        if self.closed or not text:
            return
        self._queue.append(text)
        self._queued_bytes += len(text.encode("utf-8"))
        if self._queued_bytes > self._env.max_pending():
            await self.abort(RECEIVER_TOO_SLOW)
            return
        await self._pump()

    async def end(self) -> None:
        if not self.closed:
            self.end_pending = True
            await self._pump()

    async def abort(self, message: str) -> None:
        """`$stream-error` at once, queued text discarded (§8.3 rule 8)."""
        if self.closed:
            return
        self._close()
        await self._env.out.send(self.sid, NS_LLM, STREAM_ERROR, [self.id, message])
        await self._release_next()

    def drop(self) -> None:
        """Forget the stream without telling the receiver (it closed its side, or left)."""
        if not self.closed:
            self._close()

    async def on_read(self) -> None:
        self.credit += 1
        self.last_activity = self._env.clock()
        await self._pump()

    def _on_write_ack(self, *args: Any) -> None:
        # Called by the transport outside any task: continue in one.
        if self.closed:
            return
        if args and args[0]:  # e.g. "invalid stream id: <id>": the receiver lost it (§8.3 rule 6)
            self.drop()
            self._env.spawn(self._release_next())
            return
        self.in_flight = False
        self.last_activity = self._env.clock()
        if self._queue or self.end_pending:  # a task only when there is something to send
            self._env.spawn(self._pump())

    async def _pump(self) -> None:
        if self.closed or self.in_flight or (self._before is not None and not self._before.closed):
            return
        if self._queue:
            if self.credit <= 0:
                return
            text = self._queue[0] if len(self._queue) == 1 else "".join(self._queue)
            self._queue.clear()
            self._queued_bytes = 0
            self.credit -= 1
            self.in_flight = True
            await self._env.out.send(
                self.sid, NS_LLM, STREAM_WRITE, [self.id, text, "utf8"], self._on_write_ack
            )
        elif self.end_pending:
            self._close()
            await self._env.out.send(self.sid, NS_LLM, STREAM_END, [self.id])
            await self._release_next()

    def _close(self) -> None:
        self.closed = True
        self._queue.clear()
        self._queued_bytes = 0
        self._env.on_close(self)

    async def _release_next(self) -> None:
        successor, self._after = self._after, None
        if successor is not None and successor._before is self:
            successor._before = None
            await successor._pump()
