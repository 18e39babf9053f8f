"""What the core needs from a transport: send to sockets, drop sockets.

The core decides *who* gets *what*; the transport (python-socketio today) only delivers. Tests
use an in-memory gateway that records the calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol


class Gateway(Protocol):
    async def emit(self, sids: Iterable[str], namespace: str, event: str, data: Any) -> None:
        """Send one event to each of `sids` (all in `namespace`), in call order per socket."""

    async def disconnect(self, sid: str, namespace: str) -> None:
        """Close one namespace socket from the server side (`io server disconnect`)."""

    async def send(
        self,
        sid: str,
        namespace: str,
        event: str,
        args: list[Any],
        on_ack: Callable[..., None] | None = None,
    ) -> None:
        """One event with several arguments to one socket; `on_ack` gets the ack's arguments."""


class NullGateway:
    """Used before a transport is attached (e.g. the command-line admin): delivers nothing."""

    async def emit(self, sids: Iterable[str], namespace: str, event: str, data: Any) -> None:
        return None

    async def disconnect(self, sid: str, namespace: str) -> None:
        return None

    async def send(
        self,
        sid: str,
        namespace: str,
        event: str,
        args: list[Any],
        on_ack: Callable[..., None] | None = None,
    ) -> None:
        return None
