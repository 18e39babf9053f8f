"""What the relay remembers of requests, outputs and extension streams (PROTOCOL.md §7.6–§7.9)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from newage_desktop.core.llm.sstream import ForwardedStream


@dataclass(eq=False)
class TrackedRequest:
    request_id: str
    room: str
    mode: str
    requester: str | None  # identity; None for think requests (no status, no ERROR)
    targets: list[str]
    forwarded_at: float
    last_event: float
    answered: set[str] = field(default_factory=set)
    given_up: set[str] = field(default_factory=set)
    completed: bool = False
    first_response_id: str | None = None

    def remaining(self) -> list[str]:
        done = self.answered | self.given_up
        return [t for t in self.targets if t not in done]


@dataclass(eq=False)
class Output:
    """One generation by one extension for one request, across all its streams."""

    extension: str
    output_id: str
    request: TrackedRequest
    streams: list[ExtensionStream] = field(default_factory=list)
    # The last forwarded stream per recipient socket, so the next one waits for it (§7.10 r.3).
    last_forward: dict[str, ForwardedStream] = field(default_factory=dict)
    message_text: str | None = None  # set by a non-stream `message`
    response: dict[str, Any] | None = None  # the stored response message, once created
    complete: bool = False  # a `final` END came: later streams of it are unknown (§7.5)
    # Its response was deleted or cleared (§7.11): the rest of the output is still relayed
    # live but no longer recorded, so a deleted message never comes back.
    deleted: bool = False
    # MESSAGE_UPDATED throttle (§7.8, `updates.ResponseUpdates`): when the response's text
    # last went out (its NEW_MESSAGE counts), and when its last END (or `message`) came, unless
    # a stream of it started since.
    sent_at: float | None = None
    quiet_since: float | None = None

    def text(self) -> str:
        if self.message_text is not None:
            return self.message_text
        return "".join("".join(s.written) for s in self.streams)


@dataclass(eq=False)
class ExtensionStream:
    """`CLIENT_STREAM_START` … `CLIENT_STREAM_END` of one extension."""

    extension: str
    stream_id: str
    output: Output
    forwards: list[ForwardedStream]
    waiting: dict[int, str] = field(default_factory=dict)  # early chunks, by chunkIndex
    next_index: int = 0
    highest: int = -1
    written: list[str] = field(default_factory=list)
    closed: bool = False


Remnant = Literal["request", "output", "stream"]


class Tombstones:
    """What a cancelled request leaves behind (§7.14): its id, its outputs and the streams open
    when it was cancelled. The extension's late output for it then answers `No matching
    request.` instead of being attributed to another request (§7.6 step 3). Each entry lives
    until `requestTimeoutMs` pass without an event hitting it, as a tracked request would."""

    def __init__(self) -> None:
        self._last_hit: dict[tuple[str, ...], float] = {}

    def bury(self, kind: Remnant, key: Iterable[str], now: float) -> None:
        self._last_hit[(kind, *key)] = now

    def hit(self, kind: Remnant, key: Iterable[str], now: float) -> bool:
        """Whether `key` is a remnant of a cancelled request; a hit keeps it alive."""
        entry = (kind, *key)
        if entry not in self._last_hit:
            return False
        self._last_hit[entry] = now
        return True

    def expire(self, now: float, timeout: float) -> None:
        if self._last_hit:
            self._last_hit = {k: t for k, t in self._last_hit.items() if now - t < timeout}
