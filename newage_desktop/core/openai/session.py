"""One API request's answer: the first output an extension gives it, as text pieces and an end.

A `CompletionSession` is the relay tap (`core/llm/taps.py`) of its tracked request. The answer
is the first output attributed to the request; it is complete at a `CLIENT_STREAM_END` with
`final: true`, at a non-stream `message`, or 0.5 s after an END when no new stream of the
output has started (the quiet completion of §7.5/§7.8). A failed stream, a time-out, a
disconnect, a deleted room or a cancel ends it with an `ApiError`. The reader (the HTTP
handler) takes what arrived with `take()` after `wait()`; nothing blocks the relay.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from newage_desktop.core.llm.updates import QUIET_COMPLETION
from newage_desktop.core.openai.errors import ApiError, timed_out, upstream
from newage_desktop.protocol import llm as wire

if TYPE_CHECKING:
    from newage_desktop.core.llm.relay import LlmRelay
    from newage_desktop.core.llm.tracking import Output


def error_for(reason: str | None) -> ApiError:
    """The API error of a request or stream that ended early, by the relay's wire reason."""
    if reason == wire.REQUEST_TIMED_OUT:
        return timed_out(
            "Request timed out: the extension sent nothing for requestTimeoutMs "
            f"({wire.REQUEST_TIMED_OUT})"
        )
    if reason == wire.EXTENSION_DISCONNECTED:
        return upstream(wire.EXTENSION_DISCONNECTED, "extension_disconnected")
    if reason == wire.REQUEST_CANCELLED:
        return upstream(wire.REQUEST_CANCELLED, "request_cancelled")
    if reason == wire.ROOM_DELETED:
        return upstream(wire.ROOM_DELETED, "room_deleted")
    return upstream(reason or wire.STREAM_FAILED, "extension_error")


class CompletionSession:
    def __init__(
        self,
        relay: LlmRelay,
        *,
        request_id: str,
        room: str,
        client_id: str,
        extension: str,
        queue_position: int,
    ) -> None:
        self.relay = relay
        self.request_id = request_id
        self.room = room
        self.client_id = client_id
        self.extension = extension
        self.queue_position = queue_position
        self.created = int(time.time())
        self.error: ApiError | None = None
        self.done = False
        self.delivered = 0  # characters handed to the reader
        self._pending: list[str] = []
        self._output: Output | None = None
        self._woken = asyncio.Event()
        self._quiet: asyncio.TimerHandle | None = None
        self.abandoned = False  # the HTTP client went away
        self.keepalive_due = False  # set by the HTTP side's watcher: send a comment line

    # --- the reader's side --------------------------------------------------------------------
    async def wait(self) -> None:
        """Until there is text to take, the answer ended, or `wake()` was called."""
        if self._pending or self.done:
            return
        self._woken.clear()
        await self._woken.wait()

    def take(self) -> list[str]:
        pieces, self._pending = self._pending, []
        self.delivered += sum(len(p) for p in pieces)
        return pieces

    def wake(self) -> None:
        self._woken.set()

    def abandon(self) -> None:
        """The HTTP client closed: no more text is wanted (the service cancels the request)."""
        self.abandoned = True
        self._close()

    # --- the relay's side (RequestTap) ---------------------------------------------------------
    def _ours(self, output: Output) -> bool:
        if self.done:
            return False
        if self._output is None:
            self._output = output
        return output is self._output

    def stream_started(self, output: Output) -> None:
        if self._ours(output) and self._quiet is not None:
            self._quiet.cancel()  # the output goes on in a new stream
            self._quiet = None

    def chunk(self, output: Output, text: str) -> None:
        if self._ours(output):
            self._pending.append(text)
            self._woken.set()

    def stream_ended(self, output: Output, final: bool) -> None:
        if not self._ours(output):
            return
        if final:
            self._finish()
            return
        if self._quiet is not None:
            self._quiet.cancel()
        loop = asyncio.get_running_loop()
        self._quiet = loop.call_later(QUIET_COMPLETION, self._quiet_over, output)

    def _quiet_over(self, output: Output) -> None:
        self._quiet = None
        if self.done or any(not s.closed for s in output.streams):
            return
        self._finish()

    def stream_failed(self, output: Output, reason: str) -> None:
        if self._ours(output):
            self._fail(error_for(reason))

    def message(self, output: Output, text: str) -> None:
        if not self._ours(output):
            return
        if text and not self.delivered and not self._pending:
            self._pending.append(text)
        self._finish()

    def request_ended(self, status: str, reason: str | None) -> None:
        if self.done:
            return
        # "completed" (every target's first response recorded, §7.8) says nothing of the
        # output's end: a final END, a `message` or the quiet completion decide that.
        if status == "failed":
            self._fail(error_for(reason))

    # --- ending --------------------------------------------------------------------------------
    def _finish(self) -> None:
        self._close()

    def fail(self, error: ApiError) -> None:
        """End the answer with `error` (unless it has ended already)."""
        self._fail(error)

    def _fail(self, error: ApiError) -> None:
        self.error = error
        self._close()

    def _close(self) -> None:
        if self.done:
            return
        self.done = True
        if self._quiet is not None:
            self._quiet.cancel()
            self._quiet = None
        if self.relay.taps.get(self.request_id) is self:
            del self.relay.taps[self.request_id]
        self._woken.set()
