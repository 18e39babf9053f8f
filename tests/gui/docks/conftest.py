"""Dock tests use the fixtures of tests/gui/conftest.py, with two fixes to the loop teardown.

1. qasync's `QEventLoop.stop()` calls `QApplication.exit()`, which leaves Qt's per-thread
   "quit now" flag set for the rest of the process: every later nested `QEventLoop.exec()` (the
   waiting in `run_async`) then returns at once, and the second test of a session times out
   immediately. This override tears the loop down without `stop()`.
2. A closed qasync loop still has Qt timers registered on its internal `_SimpleTimer` QObject
   (callbacks scheduled for later). The loop is freed by Python's cyclic garbage collector,
   which may run on the server's worker thread; the QObject is then destroyed in the wrong
   thread, its timers are not unregistered, and the next one to fire crashes the process
   (SIGSEGV in `QTimerInfoList::activateTimers`). So closed loops are kept alive: their
   leftover timers fire harmlessly (a stopped `_SimpleTimer` just kills them).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator

import pytest
import qasync
from PySide6.QtCore import QAbstractItemModel, QCoreApplication
from PySide6.QtWidgets import QApplication

from newage_desktop.core.logs import LOGGER_NAME

_CLOSED_LOOPS: list[asyncio.AbstractEventLoop] = []


@pytest.fixture(autouse=True)
def qasync_loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            QCoreApplication.processEvents()
        asyncio.events._set_running_loop(None)
        loop._QEventLoop__is_running = False  # type: ignore[attr-defined]  # not stop(): see above
        loop.close()
        _CLOSED_LOOPS.append(loop)  # never collected on another thread: see above
        asyncio.set_event_loop(None)


@pytest.fixture
def newage_logging() -> Iterator[None]:
    """Log records of the `newage` logger at INFO and above reach the event stream (as in the
    app, whose log set-up raises the level; a bare test process leaves it at WARNING)."""
    logger = logging.getLogger(LOGGER_NAME)
    before = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.setLevel(before)


ModelCheck = Callable[..., None]


@pytest.fixture
def check_models(request: pytest.FixtureRequest) -> Iterator[ModelCheck]:
    """`check_models(a, b, …)`: Qt's model tester on each model from now until the test ends.

    Like `qtmodeltester.check`, but for several models at once (one tester each), so every
    later change of each model is checked too; a failure fails the test.
    """
    from pytestqt.modeltest import ModelTester  # needs pytest-qt's Qt API set up first

    testers: list[ModelTester] = []

    def check(*models: QAbstractItemModel) -> None:
        for model in models:
            tester = ModelTester(request.config)
            tester.check(model)
            testers.append(tester)

    yield check
    for tester in testers:
        tester._cleanup()
