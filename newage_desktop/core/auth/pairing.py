"""Pending key requests (`'getKey'` pairing, PROTOCOL.md §4.7)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from newage_desktop.protocol.events import CLIENT_TYPE_MONITOR

HeldAck = Callable[[dict[str, Any]], None]


@dataclass
class PendingRequest:
    room_id: str
    sid: str
    namespace: str
    client_id: str
    client_type: str
    identity: str
    desc: str
    address: str
    origin: str | None
    created_at: str
    expires_at: str
    trusted: bool
    # IDENTIFY_SILLYTAVERN acks held until the decision (§4.7 step 4).
    held_acks: list[HeldAck] = field(default_factory=list, repr=False)
    expiry: asyncio.TimerHandle | None = field(default=None, repr=False)

    def view(self) -> dict[str, Any]:
        """What admins see (§4.7 step 3)."""
        return {
            "roomId": self.room_id,
            "clientId": self.client_id,
            "clientType": self.client_type,
            "identity": self.identity,
            "desc": self.desc,
            "namespace": self.namespace,
            "address": self.address,
            "origin": self.origin,
            "createdAt": self.created_at,
            "expiresAt": self.expires_at,
            "trusted": self.trusted,
            "adminRequest": self.client_type == CLIENT_TYPE_MONITOR,
        }


class PairingBook:
    """The pending requests, by roomId (which also names the temp Socket.IO room)."""

    def __init__(self) -> None:
        self._by_room: dict[str, PendingRequest] = {}

    def add(self, request: PendingRequest) -> None:
        self._by_room[request.room_id] = request

    def get(self, room_id: str) -> PendingRequest | None:
        return self._by_room.get(room_id)

    def by_sid(self, sid: str) -> PendingRequest | None:
        return next((r for r in self._by_room.values() if r.sid == sid), None)

    def by_client(self, client_id: str) -> PendingRequest | None:
        return next((r for r in self._by_room.values() if r.client_id == client_id), None)

    def count_for_address(self, address: str) -> int:
        return sum(1 for r in self._by_room.values() if r.address == address)

    def pop(self, room_id: str) -> PendingRequest | None:
        request = self._by_room.pop(room_id, None)
        if request is not None and request.expiry is not None:
            request.expiry.cancel()
        return request

    def all(self) -> list[PendingRequest]:
        return list(self._by_room.values())

    def views(self) -> list[dict[str, Any]]:
        return [r.view() for r in self._by_room.values()]
