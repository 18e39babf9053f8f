"""Sending to sockets: the one thing every core service needs from the transport.

`Core` owns one `Outbox` and points it at the attached gateway; services get the outbox (never
the `Core`), so they can send without reaching back into the object that owns them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from newage_desktop.core.gateway import Gateway, NullGateway
from newage_desktop.protocol import events as names


class Outbox:
    def __init__(self, gateway: Gateway | None = None) -> None:
        self.gateway: Gateway = gateway if gateway is not None else NullGateway()

    async def emit_to(self, sids: Iterable[str], namespace: str, event: str, data: Any) -> None:
        sids = list(sids)
        if sids:
            await self.gateway.emit(sids, namespace, event, data)

    async def emit_error(self, sid: str, namespace: str, message: str, **extra: Any) -> None:
        await self.emit_to(
            [sid], namespace, names.ERROR, {"type": "ERROR", "message": message, **extra}
        )

    async def send(
        self,
        sid: str,
        namespace: str,
        event: str,
        args: list[Any],
        on_ack: Callable[..., None] | None = None,
    ) -> None:
        await self.gateway.send(sid, namespace, event, args, on_ack)

    async def disconnect(self, sid: str, namespace: str) -> None:
        await self.gateway.disconnect(sid, namespace)
