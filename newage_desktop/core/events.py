"""The core's event stream: what happened, for the GUI, the CLI and the tests.

Subscribers are plain callables invoked synchronously on the server's event loop, in publish
order. They must be quick and must not raise (a raising subscriber is logged and skipped):
the desktop app's subscriber only puts the event on a thread-safe queue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

log = logging.getLogger("newage.events")


@dataclass(frozen=True)
class ClientConnected:
    """An identity registered (its first accepted socket) or gained a namespace."""

    entry: dict[str, Any]  # a client list entry (PROTOCOL.md §5), never a key


@dataclass(frozen=True)
class ClientDisconnected:
    """An identity lost its last accepted socket."""

    entry: dict[str, Any]


@dataclass(frozen=True)
class ClientUpdated:
    """A registered identity's entry changed (namespaces, desc)."""

    entry: dict[str, Any]


@dataclass(frozen=True)
class KeyGenerated:
    client_id: str  # the plaintext key is never part of an event


@dataclass(frozen=True)
class KeyRevoked:
    client_id: str


@dataclass(frozen=True)
class TrustChanged:
    client_id: str
    trusted: bool


@dataclass(frozen=True)
class PairingRequested:
    request: dict[str, Any]  # the admin view of a pending request (§4.7 step 3)


@dataclass(frozen=True)
class PairingResolved:
    request: dict[str, Any]
    outcome: Literal["approved", "denied", "expired", "superseded", "disconnected"]


@dataclass(frozen=True)
class RoomChanged:
    room_name: str


@dataclass(frozen=True)
class AuthFailed:
    client_id: str
    address: str
    reason: str


@dataclass(frozen=True)
class ServerStateChanged:
    state: Literal["starting", "running", "stopping", "stopped", "error"]
    detail: str = ""


@dataclass(frozen=True)
class LlmRequestStarted:
    request_id: str
    room: str
    requester: str
    targets: list[str]
    text: str
    disposition: str = "forwarded"  # or "queued" / "recorded" (§7.3): nothing is forwarded


@dataclass(frozen=True)
class LlmChunk:
    """Text appended to an output, in order, as it is relayed."""

    request_id: str
    output_id: str
    extension: str
    text: str


@dataclass(frozen=True)
class LlmResponseRecorded:
    """The stored response of an output was created or updated: its whole text so far."""

    request_id: str
    output_id: str
    extension: str
    text: str


@dataclass(frozen=True)
class LlmRequestEnded:
    request_id: str
    status: Literal["completed", "failed"] | str
    reason: str | None = None


@dataclass(frozen=True)
class LogRecorded:
    """A log line of the `newage` logger (for the log view); keys are never logged."""

    time: float
    level: str  # error | warn | info | debug
    message: str


@dataclass(frozen=True)
class HostQueueChanged:
    """A HostSubmit room's queue of guest messages changed (§7.3); 0 = emptied."""

    room: str
    count: int


@dataclass(frozen=True)
class RoomModeChanged:
    room: str
    mode: str
    setter: str


@dataclass(frozen=True)
class MessageEdited:
    room: str
    message: dict[str, Any]


@dataclass(frozen=True)
class MessagesDeleted:
    room: str
    message_ids: list[str]


@dataclass(frozen=True)
class MessagesCleared:
    room: str
    requests: bool
    responses: bool


@dataclass(frozen=True)
class AssignmentsChanged:
    """The policy or an assignment changed (§6.5.1): every assignable room's extensions."""

    policy: str
    assignments: dict[str, list[str]]


@dataclass(frozen=True)
class MuteChanged:
    identity: str
    muted: bool
    by: str
    room: str | None
    until: float | None  # clock seconds; None = permanent (or unmuted)


@dataclass(frozen=True)
class MemberStatusChanged:
    identity: str
    room: str
    status: str  # idle | typing | processing | paused | muted (§7.12)


@dataclass(frozen=True)
class ThinkStarted:
    """A background think went to an extension (§7.13)."""

    room: str
    extension: str
    request_id: str
    kind: str  # periodic | post_unmute


CoreEvent = (
    ClientConnected
    | ClientDisconnected
    | ClientUpdated
    | KeyGenerated
    | KeyRevoked
    | TrustChanged
    | PairingRequested
    | PairingResolved
    | RoomChanged
    | AuthFailed
    | ServerStateChanged
    | LlmRequestStarted
    | LlmChunk
    | LlmResponseRecorded
    | LlmRequestEnded
    | LogRecorded
    | HostQueueChanged
    | RoomModeChanged
    | MessageEdited
    | MessagesDeleted
    | MessagesCleared
    | AssignmentsChanged
    | MuteChanged
    | MemberStatusChanged
    | ThinkStarted
)

Subscriber = Callable[[CoreEvent], None]


class EventBus:
    """Synchronous fan-out of core events to subscribers."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Add a subscriber; returns a function that removes it again."""
        self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            if subscriber in self._subscribers:
                self._subscribers.remove(subscriber)

        return unsubscribe

    def publish(self, event: CoreEvent) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber(event)
            except Exception:
                log.exception("event subscriber %r failed on %s", subscriber, type(event).__name__)
