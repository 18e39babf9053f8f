"""Conversational background thinking (PROTOCOL.md §7.13).

Every `conversationalCheckInterval` ms each `Conversational` room whose next-check time has
passed is visited: with probability `conversationalThinkProbability` a think starts, and the
next check is set to now + uniform(min, max). A room that enters the mode is due at the next
visit. A think goes to one assigned, available, unmuted extension picked at random, and only
when the room has history. When an extension is unmuted, each `Conversational` room it is
assigned to gets a think by that extension with `postUnmuteInstruction` after
`postUnmuteThinkDelay` ms (dropped if the room leaves the mode meanwhile).

Everything runs on the injected clock and random source: `tick()` does the work due now.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final, Literal

from newage_desktop.core.rooms.modes import CONVERSATIONAL
from newage_desktop.core.store.settings import Settings

Kind = Literal["periodic", "post_unmute"]
SendThink = Callable[[str, str, str, Kind], Awaitable[object]]

_NEVER: Final = float("-inf")


@dataclass(frozen=True)
class PendingThink:
    due: float
    room: str
    extension: str


class ThinkScheduler:
    def __init__(
        self,
        *,
        clock: Callable[[], float],
        rng: random.Random,
        settings: Callable[[], Settings],
        conversational_rooms: Callable[[], list[str]],
        assigned: Callable[[str], list[str]],
        available: Callable[[], list[str]],
        is_muted: Callable[[str], bool],
        has_history: Callable[[str], bool],
        send_think: SendThink,
    ) -> None:
        self.clock, self.rng, self.settings = clock, rng, settings
        self.conversational_rooms = conversational_rooms
        self.assigned, self.available, self.is_muted = assigned, available, is_muted
        self.has_history = has_history
        self.send_think = send_think
        self._next_check: dict[str, float] = {}
        self._pending: list[PendingThink] = []
        self._last_visit = _NEVER

    def next_check(self, room: str) -> float | None:
        return self._next_check.get(room)

    # --- hooks ---------------------------------------------------------------------------------
    def mode_changed(self, room: str, mode: str) -> None:
        if mode != CONVERSATIONAL:  # leaving the mode (or deletion, mode "") cancels its timers
            self._next_check.pop(room, None)
            self._pending = [p for p in self._pending if p.room != room]

    def unmuted(self, identity: str) -> None:
        delay = self.settings().post_unmute_think_delay / 1000.0
        due = self.clock() + delay
        for room in self.conversational_rooms():
            if identity in self.assigned(room):
                self._pending.append(PendingThink(due, room, identity))

    # --- the work ------------------------------------------------------------------------------
    async def tick(self) -> None:
        now = self.clock()
        settings = self.settings()
        due, self._pending = (
            [p for p in self._pending if p.due <= now],
            [p for p in self._pending if p.due > now],
        )
        visit = now - self._last_visit >= settings.conversational_check_interval / 1000.0
        if not (due or visit):
            return  # the loop wakes often for the post-unmute deadlines: the store stays unread
        rooms = self.conversational_rooms()
        for pending in due:
            usable = pending.room in rooms and self._usable(pending.extension, pending.room)
            if usable and self.has_history(pending.room):
                instruction = settings.post_unmute_instruction
                await self.send_think(pending.room, pending.extension, instruction, "post_unmute")
        if not visit:
            return
        self._last_visit = now
        for room in list(self._next_check):
            if room not in rooms:
                del self._next_check[room]
        for room in rooms:
            if self._next_check.get(room, _NEVER) > now:
                continue
            if self.rng.random() < settings.conversational_think_probability:
                await self._think(room, settings.conversational_instruction)
            low = settings.conversational_think_interval_min / 1000.0
            high = settings.conversational_think_interval_max / 1000.0
            self._next_check[room] = now + self.rng.uniform(low, high)

    def _usable(self, extension: str, room: str) -> bool:
        return (
            extension in self.available()
            and extension in self.assigned(room)
            and not self.is_muted(extension)
        )

    async def _think(self, room: str, instruction: str) -> None:
        candidates = [e for e in self.assigned(room) if self._usable(e, room)]
        if not candidates or not self.has_history(room):
            return
        await self.send_think(room, self.rng.choice(candidates), instruction, "periodic")
