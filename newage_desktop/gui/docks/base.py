"""What every dock shares: the chrome, the core's event batches, async actions, confirmations.

A dock is a small plugin (Spyder): it gets the `CoreBridge`, shows one aspect of the server
through its own Qt models and turns user intent into `bridge.call(...)` coroutines. Views are
updated from the core's event batches (a few per second under load, never one per token) and,
where an event does not carry the whole state, from a snapshot read on the server's loop.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Generic, TypeVar, cast

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QDockWidget, QMessageBox, QToolBar, QVBoxLayout, QWidget

from newage_desktop.core import events as ev
from newage_desktop.core.app import Core
from newage_desktop.core.rooms.service import RoomResult
from newage_desktop.gui.bridge import CoreBridge

log = logging.getLogger("newage.gui")

T = TypeVar("T")
S = TypeVar("S")

# What Qt passes as a model index, and the invalid index as a default argument.
Index = QModelIndex | QPersistentModelIndex
ROOT = QModelIndex()


def fill(template: str, *values: str) -> str:
    """Put `values` in for %1, %2, … of a translated text, in one pass (Qt's `arg`)."""
    return re.sub(r"%(\d)", lambda m: values[int(m.group(1)) - 1], template)


class DockBase(QDockWidget):
    """Dock chrome (toolbar above a body), event wiring and error reporting for actions."""

    # An action failed: its title and the error text (also shown in a message box).
    actionFailed = Signal(str, str)

    OBJECT_NAME = ""

    def __init__(self, bridge: CoreBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.setObjectName(self.OBJECT_NAME)
        self.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        body = QWidget(self)
        self.body = QVBoxLayout(body)
        self.body.setContentsMargins(4, 2, 4, 4)
        self.body.setSpacing(4)
        self.toolbar = QToolBar(body)
        self.toolbar.setObjectName(f"{self.OBJECT_NAME}Toolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.body.addWidget(self.toolbar)
        self.setWidget(body)
        self.error_box: QMessageBox | None = None
        self._tasks: set[asyncio.Future[Any]] = set()
        bridge.events.connect(self._on_batch)
        bridge.state_changed.connect(self._on_state)

    # --- to override ---------------------------------------------------------------------------
    def retranslate(self) -> None:
        """Set every user-visible text (called at start and when the language changes)."""

    def handle_events(self, batch: list[ev.CoreEvent]) -> None:
        """One batch of core events, in publish order. Keep the work per event tiny."""

    def server_started(self) -> None:
        """The server is (now) running: load what the events do not carry."""

    def server_stopped(self) -> None:
        """The server stopped: forget live state."""

    # --- wiring --------------------------------------------------------------------------------
    def start(self) -> None:
        """Call at the end of a subclass's __init__: texts, and a first load if running."""
        self.retranslate()
        if self.bridge.running:
            self.server_started()

    def _on_batch(self, batch: list[ev.CoreEvent]) -> None:
        try:
            self.handle_events(batch)
        except Exception:  # a slot must not raise into Qt
            log.exception("%s failed on an event batch", self.OBJECT_NAME)

    def _on_state(self, state: str, detail: str) -> None:
        if state == "running":
            self.server_started()
        elif state in ("stopped", "error"):
            self.server_stopped()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # --- async actions -------------------------------------------------------------------------
    async def call_async(self, fn: Callable[[Core], Awaitable[T]]) -> T:
        """`await fn(core)` on the server loop (a typed `bridge.call` for coroutines)."""
        return await call_async(self.bridge, fn)

    def run_action(self, title: str, coro: Coroutine[Any, Any, T]) -> asyncio.Future[T]:
        """Run a user action on the GUI loop; a failure is shown in a message box."""
        return self._spawn(coro, on_error=lambda exc: self.report_error(title, exc))

    def run_quiet(self, coro: Coroutine[Any, Any, T]) -> asyncio.Future[T]:
        """Run a background refresh; a failure (e.g. the server stopping) is only logged."""
        return self._spawn(coro, on_error=lambda exc: log.debug("refresh failed: %s", exc))

    def _spawn(
        self, coro: Coroutine[Any, Any, T], on_error: Callable[[BaseException], None]
    ) -> asyncio.Future[T]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def done(fut: asyncio.Future[T]) -> None:
            self._tasks.discard(fut)
            if fut.cancelled():
                return
            exc = fut.exception()
            if exc is not None:
                on_error(exc)

        task.add_done_callback(done)
        return task

    async def settle(self) -> None:
        """Await every action and refresh started so far (for tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def report_error(self, title: str, exc: BaseException) -> None:
        message = str(exc) or type(exc).__name__
        log.info("%s failed: %s", title, message)
        self.actionFailed.emit(title, message)
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self
        )
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.error_box = box
        box.open()  # not exec(): the event loop (and the server's events) keep running

    async def revoke_keys(self, client_ids: list[str]) -> None:
        """Revoke each key (live sockets drop); a clientId without a key is reported."""
        without: list[str] = []
        for client_id in client_ids:

            async def revoke(core: Core, cid: str = client_id) -> bool:
                return await core.revoke_key(cid)

            if not await self.call_async(revoke):
                without.append(client_id)
        if without:
            raise RuntimeError(fill(self.tr("No key to revoke for %1."), ", ".join(without)))

    def confirm(self, title: str, text: str) -> bool:
        """Ask before a destructive action (tests replace this method)."""
        answer = QMessageBox.question(
            self,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes


async def call_async(bridge: CoreBridge, fn: Callable[[Core], Awaitable[T]]) -> T:
    """`await fn(core)` on the server loop; mypy cannot solve `bridge.call`'s union for these."""
    result: T = await bridge.call(cast(Callable[[Core], Any], fn))
    return result


async def room_operation(bridge: CoreBridge, operation: Callable[[Core], RoomResult]) -> None:
    """Run a RoomService operation as the desktop admin and deliver its notices to members.

    Raises `RuntimeError` with the protocol's error message if the operation was refused.
    """

    async def run(core: Core) -> dict[str, Any]:
        result = operation(core)
        if result.ok:
            await core.deliver(result)
        return result.ack

    ack = await call_async(bridge, run)
    if ack.get("status") != "ok":
        raise RuntimeError(str(ack.get("message", "error")))


class Snapshot(Generic[S]):
    """Loading of a state that events only announce, one read at a time.

    `request()` reads `load(core)` on the server loop and applies it. Requests made while a read
    is in flight are folded into one more read after it, so reads never overlap, results apply
    in order, and a burst of events costs at most two reads.
    """

    def __init__(
        self, dock: DockBase, load: Callable[[Core], S], apply: Callable[[S], None]
    ) -> None:
        self._dock = dock
        self._load = load
        self._apply = apply
        self._issued = 0
        self._pending = False

    def request(self) -> None:
        """Ask for a fresh read; at most one read is in flight, a request during it chains."""
        self._issued += 1
        if not self._pending:
            self._pending = True
            self._dock.run_quiet(self._run())

    async def _run(self) -> None:
        try:
            while True:
                seen = self._issued
                state = await self._dock.bridge.call(self._load)
                self._apply(state)
                if seen == self._issued:
                    return
        finally:
            self._pending = False
