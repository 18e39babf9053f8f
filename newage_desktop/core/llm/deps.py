"""What the LLM relay and its helpers use from the server around them, and nothing more.

The relay used to hold the whole `Core` (a cycle app → relay → app); it now gets these narrow
parts, so it can be built and tested on its own and new room services do not repeat the cycle.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from newage_desktop.core.events import EventBus
from newage_desktop.core.outbox import Outbox
from newage_desktop.core.registry import Registry
from newage_desktop.core.store.settings import Settings


@dataclass
class RelayDeps:
    out: Outbox
    registry: Registry
    bus: EventBus
    clock: Callable[[], float]
    settings: Callable[[], Settings]
    spawn: Callable[[Awaitable[Any]], asyncio.Task[Any]]
    # True once the server is stopping: no new timers, the store may be closing.
    stopping: Callable[[], bool] = lambda: False
    # Monotonic counters for live statistics (chunks relayed); shared with the owner.
    counters: dict[str, int] = field(default_factory=dict)
    # Room services the relay asks (set by `Core` once they exist): whether an identity is
    # muted (§7.2 step 2), and a room's assigned extensions (§6.5.1); None = every available
    # extension but in its own personal room (the `Free` policy).
    muted: Callable[[str], bool] = lambda identity: False
    assigned: Callable[[str], list[str]] | None = None
