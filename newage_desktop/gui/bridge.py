"""The GUI's only door to the server: async calls into the core, batched core events out.

The server runs on its own loop in a worker thread (`ServerRuntime`). Calls go there with
`await bridge.call(lambda core: ...)` from the GUI's qasync loop. Core events are drained from a
thread-safe queue at most ~30 times a second and emitted as one `events` signal per batch, so
a stream of thousands of tokens per second costs the GUI thread a few slot calls per second.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal

from newage_desktop.core import events as ev
from newage_desktop.core.app import Core
from newage_desktop.runtime import ServerRuntime

T = TypeVar("T")

DRAIN_INTERVAL_MS = 33


class CoreBridge(QObject):
    # One list of CoreEvent per drain; docks filter for what they show.
    events = Signal(list)
    # "starting" | "running" | "stopping" | "stopped" | "error", and a detail (URL or message).
    state_changed = Signal(str, str)

    def __init__(self, runtime: ServerRuntime, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runtime = runtime
        self.state = "stopped"
        self.url = ""
        self.closed = False
        self._timer = QTimer(self)
        self._timer.setInterval(DRAIN_INTERVAL_MS)
        self._timer.timeout.connect(self.drain)
        self._timer.start()

    def drain(self) -> None:
        batch = self.runtime.drain()
        if not batch:
            return
        for event in batch:
            if isinstance(event, ev.ServerStateChanged):
                self.state = event.state
                if event.state == "running":
                    self.url = event.detail
                self.state_changed.emit(event.state, event.detail)
        self.events.emit(batch)

    async def call(self, fn: Callable[[Core], Awaitable[T] | T]) -> T:
        """Run `fn(core)` on the server loop and await its result from the GUI loop."""
        self._check_open()
        return await asyncio.wrap_future(self.runtime.core_call(fn))

    async def start_server(self) -> str:
        self._check_open()
        try:
            url = await asyncio.wrap_future(self.runtime.start())
        except Exception as exc:
            self.state = "error"
            self.state_changed.emit("error", str(exc))
            raise
        # The "running" event follows with the next drain; callers may use the URL right away.
        self.url = url
        return url

    async def stop_server(self) -> None:
        self._check_open()
        await asyncio.wrap_future(self.runtime.stop())

    def shutdown(self) -> None:
        """Quit: stop the server and its thread (blocking, bounded)."""
        self.closed = True
        self._timer.stop()
        self.runtime.close()

    def _check_open(self) -> None:
        # After shutdown the server loop is closed: a call would create a coroutine that can
        # never run (and never finish), so refuse it like any call while stopped.
        if self.closed:
            raise RuntimeError("The server is not running.")

    @property
    def running(self) -> bool:
        return self.runtime.running

    def status(self) -> dict[str, Any]:
        return {"state": self.state, "url": self.url}
