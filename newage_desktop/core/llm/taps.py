"""In-process listeners on one tracked request's output (the OpenAI-compatible API's sessions).

The Socket.IO side receives output through forwarded streams, one per socket; an in-process
requester has no socket, so it registers a `RequestTap` under the request id instead
(`LlmRelay.taps`). The relay calls it synchronously, on the server loop, at each step of the
request's outputs (§7.5–§7.9): one dict lookup per step, nothing for requests without a tap.
A tap must not raise and must not await: it records what happened and wakes its reader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from newage_desktop.core.llm.tracking import Output


class RequestTap(Protocol):
    def stream_started(self, output: Output) -> None:
        """A `CLIENT_STREAM_START` was attributed to the request (a new or continued output)."""

    def chunk(self, output: Output, text: str) -> None:
        """Text written to the output, in order (after reordering by chunkIndex)."""

    def stream_ended(self, output: Output, final: bool) -> None:
        """A `CLIENT_STREAM_END`; `final` when it completes the output (§7.5)."""

    def stream_failed(self, output: Output, reason: str) -> None:
        """A stream of the output failed: `CLIENT_STREAM_DATA_FAILED`, a time-out, a
        disconnect, a deleted room or a cancel (the reason is the wire string)."""

    def message(self, output: Output, text: str) -> None:
        """A non-stream `message`: the whole output at once."""

    def request_ended(self, status: str, reason: str | None) -> None:
        """The tracked request completed or failed (`LlmRequestEnded`)."""
