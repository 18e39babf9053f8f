"""Connection policy and assignment (PROTOCOL.md §6.5.1): which extensions serve which room.

A room's assignment decides its default LLM targets (§7.3), which extensions hear its chat
events (§7.11) and which one background thinking uses (§7.13). It is computed from the live
state on every question (rooms, available extensions, policy, manual table), so it can never be
stale; `changed()` compares it with what was last announced, so members hear
`AVAILABLE_EXTENSIONS` exactly when their room's list differs from the previous one.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, Final

from newage_desktop.core import events as ev
from newage_desktop.core.events import EventBus
from newage_desktop.core.outbox import Outbox
from newage_desktop.core.registry import Registry, SocketInfo
from newage_desktop.core.rooms.model import Room
from newage_desktop.core.rooms.store import RoomStore
from newage_desktop.protocol import errors as err
from newage_desktop.protocol import events as names
from newage_desktop.protocol.events import EXTENSION_CLIENT_TYPES

FREE: Final = "Free"
MANUAL: Final = "Manual"
BALANCED: Final = "Balanced"
BROADCAST: Final = "Broadcast"
RANDOM: Final = "Random"
POLICIES: Final = (FREE, MANUAL, BALANCED, BROADCAST, RANDOM)

POLICY_FAILED: Final = "Failed to set connection policy"
MANUAL_ONLY: Final = "Manual assignment is only allowed in Manual mode"
ROOM_NOT_FOUND: Final = "Client room not found"
INVALID_EXTENSIONS: Final = "extensions must be a list of extension identities."


def extension_not_found(identity: str) -> str:
    return f"Extension not found: {identity}"


class Assignments:
    def __init__(
        self,
        store: RoomStore,
        available: Callable[[], list[str]],
        policy: Callable[[], str],
        rng: random.Random,
    ) -> None:
        self.store = store
        self.available = available
        self._policy = policy
        self.rng = rng
        self._random: dict[str, str] = {}  # Random: the pick kept per room
        self._announced: dict[str, list[str]] = {}

    @property
    def policy(self) -> str:
        return self._policy()

    def assignable(self) -> list[Room]:
        """Every room but extensions' personal rooms, in creation order."""
        return [r for r in self.store.list_rooms() if not _extension_room(r)]

    def for_room(self, room: str) -> list[str]:
        # Asked for every chat event (§7.11 recipients): the cached room alone answers, and only
        # Balanced needs the room's position among all of them (a read of the room list).
        stored = self.store.get(room)
        if stored is None or _extension_room(stored):
            return []
        index = 0
        if self.policy == BALANCED:
            index = [r.name for r in self.assignable()].index(room)
        return self._compute(room, index, self.available(), self._manual())

    def all(self) -> dict[str, list[str]]:
        available, manual = self.available(), self._manual()
        return {
            r.name: self._compute(r.name, i, available, manual)
            for i, r in enumerate(self.assignable())
        }

    def _manual(self) -> dict[str, list[str]]:
        # Read once per question, not once per room: the table is only needed under Manual.
        return self.store.manual_assignments() if self.policy == MANUAL else {}

    def manual_table(self) -> dict[str, list[str]]:
        return self.store.manual_assignments()

    def changed(self) -> dict[str, list[str]]:
        """Rooms whose assignment differs from the last call's (new rooms with a non-empty one)."""
        now = self.all()
        changed = {
            room: exts for room, exts in now.items() if self._announced.get(room, []) != exts
        }
        self._announced = now
        for room in list(self._random):
            if room not in now:
                del self._random[room]
        return changed

    def _compute(
        self, room: str, index: int, available: list[str], manual: dict[str, list[str]]
    ) -> list[str]:
        policy = self.policy
        if not available:
            return []
        if policy == BALANCED:
            return [available[index % len(available)]]
        if policy == RANDOM:
            kept = self._random.get(room)
            if kept not in available:
                kept = self.rng.choice(available)
                self._random[room] = kept
            return [kept]
        if policy == MANUAL:
            return [e for e in manual.get(room, []) if e in available]
        return list(available)  # Free, Broadcast


def validate_manual(
    policy: str, room: Any, extensions: Any, store: RoomStore, available: list[str]
) -> str | None:
    """The first error of ASSIGN_EXTENSION_TO_CLIENT (§6.5), None when it may be applied."""
    if policy != MANUAL:
        return MANUAL_ONLY
    if not isinstance(room, str) or store.get(room) is None:
        return ROOM_NOT_FOUND
    if not isinstance(extensions, list) or not all(isinstance(e, str) for e in extensions):
        return INVALID_EXTENSIONS
    for extension in extensions:
        if extension not in available:
            return extension_not_found(extension)
    return None


def _extension_room(room: Room) -> bool:
    if not room.personal:
        return False
    owner = room.member(room.name)
    return owner is not None and owner.client_type in EXTENSION_CLIENT_TYPES


class AssignmentControl:
    """SET_CONNECTION_POLICY, ASSIGN_EXTENSION_TO_CLIENT and the AVAILABLE_EXTENSIONS notices."""

    def __init__(
        self,
        assignments: Assignments,
        registry: Registry,
        out: Outbox,
        bus: EventBus,
        write_setting: Callable[[str, Any], None],
    ) -> None:
        self.assignments = assignments
        self.registry = registry
        self.out = out
        self.bus = bus
        self.write_setting = write_setting

    async def set_policy(self, actor: SocketInfo, policy: Any) -> dict[str, Any]:
        if not actor.is_admin:
            return _error(err.UNAUTHORIZED)
        if policy not in POLICIES:
            return _error(POLICY_FAILED)
        self.write_setting("connectionPolicy", policy)
        await self.refresh(publish=True)
        return {"status": "ok", "policy": policy}

    async def assign(self, actor: SocketInfo, room: Any, extensions: Any) -> dict[str, Any]:
        if not actor.is_admin:
            return _error(err.UNAUTHORIZED)
        a = self.assignments
        failure = validate_manual(a.policy, room, extensions, a.store, a.available())
        if failure is not None:
            return _error(failure)
        a.store.set_manual_assignment(room, extensions)
        await self.refresh(publish=True)
        return {"status": "ok", "clientRoom": room, "extensions": list(dict.fromkeys(extensions))}

    async def refresh(self, *, publish: bool = False) -> None:
        """Announce the rooms whose assignment changed to their members (§6.5).

        `publish`: tell the bus even if no room changed, because the policy or the manual
        table did (the desktop shows both from the event).
        """
        changed = self.assignments.changed()
        for room_name, extensions in changed.items():
            room = self.assignments.store.get(room_name)
            if room is None:
                continue
            members = (m.identity for m in room.members)
            sids = self.registry.sids_of_identities(members, names.NS_ROOMS)
            await self.out.emit_to(
                sids,
                names.NS_ROOMS,
                names.AVAILABLE_EXTENSIONS,
                {"roomName": room_name, "extensions": extensions},
            )
        if changed or publish:
            self.bus.publish(ev.AssignmentsChanged(self.assignments.policy, self.assignments.all()))


def _error(message: str) -> dict[str, Any]:
    return {"status": "error", "message": message}
