"""Unhandled exceptions in the window: logged with their traceback, and shown, one at a time.

An exception in a Qt slot, a GUI task (`tasks.spawn`), a qasync callback or a thread would
otherwise only reach a console the windowed build does not have. `CrashReporter` logs it (the
log files, stderr, `logs/crash.log`) and shows a non-modal box with the summary, the log folder
and the traceback; the app keeps running. While that box is open, further errors are only
counted in it, so an exception raised on every repaint cannot stack up a thousand boxes.

`run_gui` installs it; nothing does at import time, because pytest-qt has its own
`sys.excepthook` that turns such exceptions into test failures.
"""

from __future__ import annotations

import asyncio
import html
import logging
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from newage_desktop import diagnostics
from newage_desktop.gui import tasks

log = logging.getLogger("newage.gui")


def crash_box(
    summary: str, details: str, logs_dir: Path, parent: QWidget | None = None
) -> QMessageBox:
    """The message (not yet shown): its "Open log folder" button opens the folder and leaves
    the box open; Close closes it."""
    box = QMessageBox(parent)
    box.setObjectName("crashDialog")
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(QCoreApplication.translate("CrashDialog", "NewAge Desktop"))
    headline = QCoreApplication.translate("CrashDialog", "NewAge Desktop hit an unexpected error")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(f"<b>{html.escape(headline)}</b>")
    box.setInformativeText(informative_text(summary, logs_dir, 0))
    # An exception's message may look like markup ("<lambda>() missing…"): show it as it is.
    informative = box.findChild(QLabel, "qt_msgbox_informativelabel")
    if informative is not None:
        informative.setTextFormat(Qt.TextFormat.PlainText)
    box.setDetailedText(details)
    open_logs = box.addButton(
        QCoreApplication.translate("CrashDialog", "Open log folder"),
        QMessageBox.ButtonRole.ActionRole,
    )
    open_logs.setObjectName("openLogFolder")
    # Every button of a QMessageBox closes it; without its own connections this one does not.
    open_logs.clicked.disconnect()
    open_logs.clicked.connect(lambda: open_folder(logs_dir))
    box.setDefaultButton(box.addButton(QMessageBox.StandardButton.Close))
    box.setWindowModality(Qt.WindowModality.NonModal)
    return box


def informative_text(summary: str, logs_dir: Path, more: int) -> str:
    text = f"{summary}\n\n" + QCoreApplication.translate(
        "CrashDialog",
        "The details are written to the log folder:\n{0}\n\n"
        "NewAge Desktop keeps running. If something no longer works, restart it; please "
        "add the details below and the log folder's crash.log to a bug report.",
    ).format(logs_dir)
    if more:
        text += "\n\n" + QCoreApplication.translate(
            "CrashDialog", "Further errors while this message was open: {0} (all are logged)."
        ).format(more)
    return text


def open_folder(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def summary_of(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


class CrashReporter(QObject):
    # (summary, traceback) towards the GUI thread; queued when reported from another thread.
    _reported = Signal(str, str)

    def __init__(self, logs_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.logs_dir = logs_dir
        self.dialog: QMessageBox | None = None
        self.suppressed = 0  # errors while the dialog was open
        self._summary = ""
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reported.connect(self._show)

    # --- hooks ---------------------------------------------------------------------------------
    def install(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Become sys.excepthook, threading.excepthook, the GUI tasks' and `loop`'s handler."""
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_hook
        tasks.set_failure_handler(self.report)
        if loop is not None:
            self._loop = loop
            loop.set_exception_handler(self._loop_handler)

    def uninstall(self) -> None:
        if sys.excepthook == self._excepthook:
            sys.excepthook = self._previous_hook
        if threading.excepthook == self._thread_hook:
            threading.excepthook = self._previous_thread_hook
        tasks.set_failure_handler(None)
        if self._loop is not None:
            self._loop.set_exception_handler(None)
            self._loop = None

    def _excepthook(
        self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit: not a bug
            self._previous_hook(kind, exc, tb)
            return
        self.report(exc.with_traceback(tb))

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or not isinstance(args.exc_value, Exception):
            self._previous_thread_hook(args)
            return
        name = args.thread.name if args.thread is not None else "?"
        self.report(args.exc_value, where=f" in thread {name}")

    def _loop_handler(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if isinstance(exc, Exception):
            self.report(exc, where=f" ({context.get('message', 'asyncio')})")
        else:
            loop.default_exception_handler(context)

    # --- reporting -----------------------------------------------------------------------------
    def report(self, exc: BaseException, *, where: str = "") -> None:
        """Log `exc` with its traceback and show it; safe from any thread, never raises."""
        try:
            details = "".join(traceback.format_exception(exc))
            summary = summary_of(exc)
            log.error(f"Unhandled exception{where}: {summary}", exc_info=exc)
            if sys.stderr is not None:  # as Python itself would (a terminal, or console.log)
                print(f"Unhandled exception{where}:\n{details}", file=sys.stderr, end="")
            diagnostics.record_crash(f"Unhandled exception{where}", details)
            self._reported.emit(summary, details)
        except Exception:
            sys.__excepthook__(type(exc), exc, exc.__traceback__)

    def _show(self, summary: str, details: str) -> None:
        if self.dialog is not None:
            self.suppressed += 1
            self.dialog.setInformativeText(
                informative_text(self._summary, self.logs_dir, self.suppressed)
            )
            return
        self._summary = summary
        self.suppressed = 0
        self.dialog = crash_box(summary, details, self.logs_dir)
        self.dialog.finished.connect(self._closed)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()

    def _closed(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None
