"""Fire-and-forget coroutines from Qt slots, on the GUI's qasync loop.

A task nobody references can be garbage-collected mid-flight, and an exception in a task nobody
awaits is only reported when the task is collected; so every task started from a slot goes
through `spawn`, which keeps it alive until it ends and logs its failure at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from PySide6.QtCore import QTimer

log = logging.getLogger("newage.gui")
T = TypeVar("T")

_running: set[asyncio.Task[Any]] = set()
# The app's crash reporter (gui/crash_dialog.py) shows failures; without one they are only logged.
_failure_handler: Callable[[BaseException], None] | None = None


def set_failure_handler(handler: Callable[[BaseException], None] | None) -> None:
    global _failure_handler
    _failure_handler = handler


def spawn(coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
    task = asyncio.ensure_future(coro)
    _running.add(task)
    task.add_done_callback(_finished)
    return task


def _finished(task: asyncio.Task[Any]) -> None:
    _running.discard(task)
    exc = None if task.cancelled() else task.exception()
    if exc is None:
        return
    if _failure_handler is not None:
        _failure_handler(exc)
    else:
        log.error("GUI task failed", exc_info=exc)


async def run_outside_task(fn: Callable[[], T]) -> T:
    """Run `fn` (a modal dialog's `exec()`) from a coroutine without blocking inside the task.

    A modal dialog spins a nested Qt event loop; if it ran inside a task step, any other task
    resumed by that nested loop would make asyncio raise "Cannot enter into task while another
    task is being executed". So the dialog runs from a plain timer callback and the task awaits
    its result.
    """
    future: asyncio.Future[T] = asyncio.get_running_loop().create_future()

    def call() -> None:
        try:
            result = fn()
        except BaseException as exc:
            if not future.done():
                future.set_exception(exc)
        else:
            if not future.done():
                future.set_result(result)

    QTimer.singleShot(0, call)
    return await future
