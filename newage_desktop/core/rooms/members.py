"""Mute and member status (PROTOCOL.md §6.5 MUTE_MEMBER/UNMUTE_MEMBER, §7.12).

A mute is global to the member and kept in memory (it ends at restart). Statuses are kept per
(room, identity); `MEMBER_STATUS_UPDATE` goes out only when a status really changes, so a client
that repeats START_TYPING on every key press does not flood the room.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from newage_desktop.core import events as ev
from newage_desktop.core.clock import iso_utc
from newage_desktop.core.events import EventBus
from newage_desktop.core.outbox import Outbox
from newage_desktop.core.registry import Registry, SocketInfo
from newage_desktop.core.rooms.service import RoomResult, RoomService
from newage_desktop.protocol import errors as err
from newage_desktop.protocol import events as names

PERMANENT_UNTIL: Final = "9999-12-31T23:59:59.999Z"
_LAST_INSTANT: Final = 253402300799.999  # PERMANENT_UNTIL in clock seconds
MEMBER_NOT_FOUND: Final = "Member not found"
STATUSES: Final = ("idle", "typing", "processing", "paused", "muted")


@dataclass(frozen=True)
class MuteRecord:
    identity: str
    muted_by: str
    until: float | None  # None: permanent
    duration: int | None  # seconds; None: permanent
    room: str | None


class Members:
    def __init__(
        self,
        rooms: RoomService,
        registry: Registry,
        out: Outbox,
        bus: EventBus,
        clock: Callable[[], float],
        deliver: Callable[[RoomResult], Any],
        assigned: Callable[[str], list[str]],
    ) -> None:
        self.rooms, self.registry, self.out, self.bus = rooms, registry, out, bus
        self.clock = clock
        self.deliver = deliver  # async: sends a RoomResult's notices (Core.deliver)
        self.assigned = assigned
        self.mutes: dict[str, MuteRecord] = {}
        self.statuses: dict[tuple[str, str], str] = {}  # (room, identity) -> not idle
        self.on_unmuted: list[Callable[[str], None]] = []

    # --- queries -------------------------------------------------------------------------------
    def is_muted(self, identity: str) -> bool:
        return identity in self.mutes

    def all(self) -> list[MuteRecord]:
        return list(self.mutes.values())

    def of_room(self, room: str) -> dict[str, str]:
        return {i: s for (r, i), s in self.statuses.items() if r == room}

    # --- mute (§6.5, §7.12) --------------------------------------------------------------------
    def _check(self, actor: SocketInfo, target: Any, room_name: Any) -> str | None:
        if not isinstance(target, str) or not (
            self.registry.is_registered(target) or self.rooms.store.rooms_of(target)
        ):
            return MEMBER_NOT_FOUND
        if room_name is not None:
            room = self.rooms.store.get(room_name) if isinstance(room_name, str) else None
            if room is None:
                return err.ROOM_NOT_FOUND
            if actor.is_admin:
                return None
            privileged = room.role_of(actor.identity) in ("master", "manager")
            if privileged and room.member(target) is not None:
                return None
        return None if actor.is_admin else "Permission denied"

    async def mute(
        self, actor: SocketInfo, target: Any, room: Any = None, duration: Any = None
    ) -> dict[str, Any]:
        room = room if room not in ("", None) else None
        failure = self._check(actor, target, room)
        if failure is not None:
            return _error(failure)
        assert isinstance(target, str)
        now = self.clock()
        seconds = mute_seconds(duration, now)
        record = MuteRecord(target, actor.identity, None if seconds is None else now + seconds,
                            seconds, room)  # fmt: skip
        self.mutes[target] = record
        await self._to_llm(
            target,
            names.MEMBER_MUTED,
            {
                "identity": target,
                "mutedBy": actor.identity,
                "mutedUntil": PERMANENT_UNTIL if record.until is None else iso_utc(record.until),
                "duration": "permanent" if seconds is None else seconds,
                "roomName": room,
            },
        )
        if room is not None:
            await self._set(room, target, "muted")
            text = (
                f"[System] {target} has been permanently muted by {actor.identity}."
                if seconds is None
                else f"[System] {target} has been muted by {actor.identity} for {seconds} seconds."
            )
            await self.deliver(self.rooms.system_message(room, text))
        self.bus.publish(ev.MuteChanged(target, True, actor.identity, room, record.until))
        return {"status": "ok"}

    async def unmute(self, actor: SocketInfo, target: Any, room: Any = None) -> dict[str, Any]:
        room = room if room not in ("", None) else None
        failure = self._check(actor, target, room)
        if failure is not None:
            return _error(failure)
        assert isinstance(target, str)
        await self._unmute(target, actor.identity, room)
        return {"status": "ok"}

    async def _unmute(self, target: str, by: str, room: str | None) -> None:
        record = self.mutes.pop(target, None)
        if record is None:
            return  # not muted: success without effect
        room = room if room is not None else record.room
        await self._to_llm(
            target, names.MEMBER_UNMUTED, {"identity": target, "unmutedBy": by, "roomName": room}
        )
        if room is not None and self.rooms.store.get(room) is not None:
            await self._set(room, target, "idle")
            await self.deliver(
                self.rooms.system_message(room, f"[System] {target} has been unmuted by {by}.")
            )
        self.bus.publish(ev.MuteChanged(target, False, by, room, None))
        for hook in self.on_unmuted:
            hook(target)

    async def tick(self) -> None:
        """Timed mutes that have run out end, unmuted by `System` (§7.12)."""
        now = self.clock()
        for record in [m for m in self.mutes.values() if m.until is not None and m.until <= now]:
            await self._unmute(record.identity, "System", record.room)

    # --- status (§7.12) ------------------------------------------------------------------------
    async def status_event(
        self, actor: SocketInfo, event: str, payload: dict[str, Any]
    ) -> dict[str, Any]:
        room_name = payload.get("targetRoom")
        if event == names.STOP_TYPING and room_name in (None, ""):
            for name in self.rooms.store.rooms_of(actor.identity):
                await self._set(name, actor.identity, "idle")
            return {"status": "ok"}
        if not isinstance(room_name, str) or not room_name:
            return _error(err.PERMISSION_DENIED)
        room = self.rooms.store.get(room_name)
        if room is None:
            return _error(f"Room {room_name} not found.")
        member = room.member(actor.identity) is not None
        if event in (names.START_PROCESSING, names.STOP_PROCESSING):
            if not actor.is_extension:
                return _error(err.PERMISSION_DENIED)
            if not member and actor.identity not in self.assigned(room_name):
                return _error(f"You are not a member of room {room_name}.")
        elif not member:
            return _error(f"You are not a member of room {room_name}.")
        status = "typing" if event == names.START_TYPING else "processing"
        if event in (names.STOP_TYPING, names.STOP_PROCESSING):
            status = "idle"
        await self._set(room_name, actor.identity, status)
        return {"status": "ok"}

    async def llm_gone(self, identity: str) -> None:
        """An identity's last /llm socket closed: idle wherever it was not (§5, §7.12).

        `muted` too: the status says what the member is doing, and it is doing nothing now;
        the mute itself stays (`is_muted`), and its unmute then changes no status.
        """
        for room, who in [k for k in self.statuses if k[1] == identity]:
            await self._set(room, who, "idle")

    async def _set(self, room_name: str, identity: str, status: str) -> None:
        key = (room_name, identity)
        if self.statuses.get(key, "idle") == status:
            return
        if status == "idle":
            self.statuses.pop(key, None)
        else:
            self.statuses[key] = status
        room = self.rooms.store.get(room_name)
        if room is not None:
            sids = self.registry.sids_of_identities(
                (m.identity for m in room.members), names.NS_LLM
            )
            payload = {
                "identity": identity,
                "roomName": room_name,
                "status": status,
                "timestamp": iso_utc(self.clock()),
            }
            await self.out.emit_to(sids, names.NS_LLM, names.MEMBER_STATUS_UPDATE, payload)
        self.bus.publish(ev.MemberStatusChanged(identity, room_name, status))

    async def _to_llm(self, identity: str, event: str, payload: dict[str, Any]) -> None:
        await self.out.emit_to(
            self.registry.sids_of_identity(identity, names.NS_LLM), names.NS_LLM, event, payload
        )


def mute_seconds(duration: Any, now: float) -> int | None:
    """A mute's length in whole seconds, None for permanent (§6.5: absent or ≤ 0).

    Decisions where the protocol is silent: a part second counts as a whole one (a positive
    duration never yields an instant unmute "for 0 seconds"); what is not a finite number
    (a string, a boolean, NaN) counts as absent; a mute ending after `PERMANENT_UNTIL`
    is permanent, as its end could not be written.
    """
    if isinstance(duration, bool) or not isinstance(duration, int | float):
        return None
    if not math.isfinite(duration) or duration <= 0:
        return None
    seconds = math.ceil(duration)
    return seconds if now + seconds < _LAST_INSTANT else None


def _error(message: str) -> dict[str, Any]:
    return {"status": "error", "message": message}
