"""`SET_ROOM_MESSAGE_REQUEST_MODE` (PROTOCOL.md §6.5, §7.3): who may change a room's mode, and
what a change does (the mode stored, `ROOM_MODE_CHANGED` to the members, the HostSubmit queue
dropped when the room leaves that mode, and the hooks of services that follow modes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from newage_desktop.core import events as ev
from newage_desktop.core.events import EventBus
from newage_desktop.core.outbox import Outbox
from newage_desktop.core.registry import Registry, SocketInfo
from newage_desktop.core.rooms import modes
from newage_desktop.core.rooms.store import RoomStore
from newage_desktop.protocol import events as names

ModeHook = Callable[[str, str], None]  # (room, new mode; "" when the room was deleted)


class ModeSwitch:
    def __init__(
        self,
        store: RoomStore,
        registry: Registry,
        out: Outbox,
        bus: EventBus,
        queues: modes.HostQueues,
    ) -> None:
        self.store, self.registry, self.out, self.bus = store, registry, out, bus
        self.queues = queues
        self.on_changed: list[ModeHook] = []

    async def set_mode(self, actor: SocketInfo, room_name: Any, mode: Any) -> dict[str, Any]:
        if not isinstance(room_name, str) or not room_name or not isinstance(mode, str) or not mode:
            return _error(modes.MODE_REQUIRED)
        if mode not in modes.MODES:
            return _error(modes.INVALID_MODE)
        room = self.store.get(room_name)
        if room is None:
            return _error(modes.room_not_found(room_name))
        if not (actor.is_admin or room.role_of(actor.identity) in ("master", "manager")):
            return _error(modes.MODE_PERMISSION)
        ack = {"status": "ok", "roomName": room_name, "mode": mode}
        if room.mode == mode:
            return ack  # §6.5: ROOM_MODE_CHANGED only when the mode actually changed
        self.store.set_mode(room_name, mode)
        if mode != modes.HOST_SUBMIT and self.queues.discard(room_name):
            self.bus.publish(ev.HostQueueChanged(room_name, 0))
        sids = self.registry.sids_of_identities((m.identity for m in room.members), names.NS_ROOMS)
        payload = {"roomName": room_name, "mode": mode, "setter": actor.identity}
        await self.out.emit_to(sids, names.NS_ROOMS, names.ROOM_MODE_CHANGED, payload)
        self.bus.publish(ev.RoomModeChanged(room_name, mode, actor.identity))
        self.bus.publish(ev.RoomChanged(room_name))
        self.notify(room_name, mode)
        return ack

    def notify(self, room: str, mode: str) -> None:
        for hook in self.on_changed:
            hook(room, mode)


def _error(message: str) -> dict[str, Any]:
    return {"status": "error", "message": message}
