"""Event dispatch rules shared by every namespace (PROTOCOL.md §2.2, §2.3).

A namespace is a table of `EventSpec`s. The socket server looks an event up, applies the common
rules (payload shape, admin permission, ack-or-ERROR answer, reads without an ack ignored) and
runs the handler. Handlers return the one dict the ack carries; they never raise for bad input.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from newage_desktop.core.app import Core
from newage_desktop.core.registry import SocketInfo

# The one argument of an ack: a dict everywhere, except socket.io-stream's string acks (§8).
Answer = dict[str, Any] | str


@dataclass
class Call:
    """One incoming event, as a handler sees it."""

    core: Core
    socket: SocketInfo
    event: str
    payload: dict[str, Any]  # §2.2 rule 1: `{}` for missing/null; other non-objects never get here
    args: list[Any]  # every data argument as sent (for events whose payload is not an object)
    wants_ack: bool
    # Work that must follow the ack (§7.10 rule 1, §4.10): run once the answer is out.
    after_ack: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    @property
    def sid(self) -> str:
        return self.socket.sid

    @property
    def namespace(self) -> str:
        return self.socket.namespace


Handler = Callable[[Call], Awaitable[Answer]]


@dataclass(frozen=True)
class EventSpec:
    handler: Handler
    # Only reads something: sent without an ack it is ignored (§2.2 rule 3).
    reads_only: bool = False
    # Waits (bcrypt, a forwarded call): run after the current event so later events of the same
    # socket are not delayed (§2.3); its ack goes out when it is done.
    waits: bool = False
    # Admin-only (§4.8): non-admins get `Unauthorized` after the payload shape check.
    admin: bool = False
    # The payload need not be an object (socket.io-stream control events).
    any_payload: bool = False
    # Failures without an ack produce no ERROR event: the handler reports them itself, or the
    # protocol says to ignore them silently (§2.2 rule 3, §7.5, §8).
    silent: bool = False


def ok(**fields: Any) -> dict[str, Any]:
    return {"status": "ok", **fields}


def error(message: str) -> dict[str, Any]:
    return {"status": "error", "message": message}


Namespace = dict[str, EventSpec]
