"""Fixtures for GUI tests: offscreen Qt, isolated QSettings, a qasync loop, a live server.

`runtime` is a started `ServerRuntime` (127.0.0.1, port 0, temp data dir), `bridge` a
`CoreBridge` over it, and `run_async(coro)` runs a coroutine on the GUI's qasync loop while Qt
keeps processing events, so a test can simply write
`clients = run_async(bridge.call(lambda core: core.client_list()))`.
Coroutines that GUI code schedules itself (qasync `asyncSlot`s, `asyncio.ensure_future`) also
run during `qtbot.waitUntil`/`qtbot.wait`, because the loop is installed as already running.
"""

from __future__ import annotations

import os

# Before any Qt import: there is no display in CI.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio
import itertools
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest
import qasync
from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.gui.bridge import CoreBridge
from newage_desktop.runtime import ServerRuntime

if TYPE_CHECKING:
    from newage_desktop.gui.controller import AppController

T = TypeVar("T")

_counter = itertools.count()


def _loop() -> asyncio.AbstractEventLoop:
    loop = asyncio.get_event_loop_policy().get_event_loop()
    if not isinstance(loop, qasync.QEventLoop):
        raise RuntimeError("run_async needs the qasync loop of tests/gui (fixture qasync_loop)")
    return loop


def run_async(coro: Coroutine[Any, Any, T], timeout: float = 15.0) -> T:
    """Run `coro` on the qasync loop, processing Qt events until it is done; return its result.

    It waits in `processEvents(WaitForMoreEvents)`, not in a nested `QEventLoop.exec()`: the
    latter returns at once for good after any `QCoreApplication.exit()` made outside `exec()`
    (Qt sets a "quit now" flag that only a later `exec()` of the application clears).
    """
    loop = _loop()
    task = asyncio.ensure_future(coro, loop=loop)
    deadline = time.monotonic() + timeout
    # Wakes the wait regularly, so the deadline is checked even if nothing else happens.
    ticker = QTimer()
    ticker.start(50)
    try:
        while not task.done() and time.monotonic() < deadline:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    finally:
        ticker.stop()
    if not task.done():
        task.cancel()
        raise TimeoutError(f"run_async: coroutine not done after {timeout} s")
    return task.result()


@pytest.fixture(autouse=True)
def qt_settings(tmp_path: Path, qapp: QApplication) -> Iterator[Path]:
    """Every GUI test gets its own QSettings store (never the user's real preferences)."""
    path = tmp_path / "qsettings"
    path.mkdir()
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(path))
    QCoreApplication.setOrganizationName(f"NewAgeTest{next(_counter)}")
    QCoreApplication.setApplicationName("NewAge Desktop")
    yield path


_CLOSED_LOOPS: list[asyncio.AbstractEventLoop] = []


@pytest.fixture(autouse=True)
def qasync_loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop marked as running, so GUI coroutines run whenever Qt processes events."""
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        # Let tasks the GUI scheduled finish or be cancelled before the loop goes away.
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            QCoreApplication.processEvents()
        # Leave no running loop behind for the pytest-asyncio tests of the other directories.
        # Not loop.stop(): for a loop made with already_running=True it calls
        # QApplication.exit(), which would make every later nested QEventLoop return at once.
        asyncio.events._set_running_loop(None)
        loop._QEventLoop__is_running = False  # type: ignore[attr-defined]
        loop.close()
        # A closed qasync loop still has Qt timers on its internal QObject; if Python's cyclic
        # collector freed it on the server's worker thread, the timers would not be unregistered
        # and the next to fire would crash the process (SIGSEGV in
        # QTimerInfoList::activateTimers). Closed loops are therefore kept alive.
        _CLOSED_LOOPS.append(loop)
        asyncio.set_event_loop(None)


@pytest.fixture
def datadir(tmp_path: Path) -> DataDir:
    d = DataDir(tmp_path / "data")
    d.ensure()
    return d


@pytest.fixture
def runtime(datadir: DataDir) -> Iterator[ServerRuntime]:
    """A started server on 127.0.0.1:<free port> in its worker thread; closed after the test."""
    rt = ServerRuntime(datadir, host="127.0.0.1", port=0)
    try:
        rt.start().result(30)
        yield rt
    finally:
        rt.close()


@pytest.fixture
def bridge(runtime: ServerRuntime, qapp: QApplication) -> Iterator[CoreBridge]:
    b = CoreBridge(runtime)
    b.drain()  # the "running" state event of the start above
    try:
        yield b
    finally:
        b.shutdown()
        b.deleteLater()


# --- the application shell -------------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_modal_prompts(monkeypatch: pytest.MonkeyPatch) -> None:
    """A modal box would block an offscreen test forever: any prompt a test did not expect
    (and replace with its own answer) fails the test instead."""
    from newage_desktop.gui import prompts

    def unexpected(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"unexpected modal prompt: {args[1:3]!r}")

    modal = ("confirm", "error", "information", "start_failed", "corrupt_file")
    for name in (*modal, "choose_folder"):
        monkeypatch.setattr(prompts, name, unexpected)


@pytest.fixture
def make_controller(
    datadir: DataDir, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., AppController]]:
    """Build the whole app (window, tray if `tray`, server) like run_gui does, minus the loop.

    `tray` is what `QSystemTrayIcon.isSystemTrayAvailable()` reports (offscreen has none);
    `start` starts the server through the controller (its error handling included);
    `minimized` starts as --minimized does.
    """
    from PySide6.QtWidgets import QSystemTrayIcon

    from newage_desktop.gui.controller import AppController
    from newage_desktop.gui.preferences import Preferences

    made: list[AppController] = []

    def make(
        *, tray: bool = False, start: bool = True, port: int | None = 0, minimized: bool = False
    ) -> AppController:
        monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: tray))
        runtime = ServerRuntime(datadir, host="127.0.0.1", port=port)
        controller = AppController(runtime, Preferences())
        made.append(controller)
        controller.show_at_start(minimized=minimized)
        if start:
            assert run_async(controller.start_server(), timeout=30)
        return controller

    yield make
    for controller in made:
        controller.quit()  # idempotent; stops the server thread
        # Delete the window now: its docks' timers would otherwise keep firing in later tests
        # (which may have no event loop at all).
        controller.window.deleteLater()
        if controller.tray is not None:
            controller.tray.menu.deleteLater()
        controller.deleteLater()
    # processEvents() alone leaves deferred deletions for an event loop that never comes.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
