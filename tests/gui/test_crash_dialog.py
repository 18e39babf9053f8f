"""An unhandled exception anywhere in the window is logged and shown in one non-modal box."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from newage_desktop.gui import tasks
from newage_desktop.gui.crash_dialog import CrashReporter
from newage_desktop.gui.resources import install_translators, remove_translators


@pytest.fixture
def reporter(
    tmp_path: Path, qasync_loop: asyncio.AbstractEventLoop, qapp: QApplication
) -> Iterator[CrashReporter]:
    crashes = CrashReporter(tmp_path / "logs")
    crashes.install(qasync_loop)
    try:
        yield crashes
    finally:
        crashes.uninstall()
        if crashes.dialog is not None:
            crashes.dialog.close()


def boom() -> None:
    raise ValueError("the slot broke")


def shown(reporter: CrashReporter, qtbot: QtBot) -> QMessageBox:
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    assert reporter.dialog is not None
    return reporter.dialog


def test_nothing_is_installed_at_import_time() -> None:
    # pytest-qt's hook (or Python's) is in place: importing the module changed nothing.
    assert not isinstance(getattr(sys.excepthook, "__self__", None), CrashReporter)


def test_an_exception_in_a_slot_is_logged_and_shown(
    reporter: CrashReporter, qtbot: QtBot, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    QTimer.singleShot(0, boom)
    box = shown(reporter, qtbot)
    assert not box.isModal()  # the app goes on behind it
    assert box.icon() == QMessageBox.Icon.Critical
    assert box.text() == "<b>NewAge Desktop hit an unexpected error</b>"
    assert "ValueError: the slot broke" in box.informativeText()
    assert str(tmp_path / "logs") in box.informativeText()
    assert "in boom" in box.detailedText() and "Traceback" in box.detailedText()
    failure = [r for r in caplog.records if "Unhandled exception" in r.getMessage()]
    assert failure and failure[0].levelno == logging.ERROR and failure[0].exc_info is not None


def test_a_failed_gui_task_is_shown(reporter: CrashReporter, qtbot: QtBot) -> None:
    async def fails() -> None:
        await asyncio.sleep(0)
        raise RuntimeError("the task broke")

    tasks.spawn(fails())
    assert "RuntimeError: the task broke" in shown(reporter, qtbot).informativeText()


def test_a_failed_loop_callback_is_shown(
    reporter: CrashReporter, qtbot: QtBot, qasync_loop: asyncio.AbstractEventLoop
) -> None:
    qasync_loop.call_soon(boom)
    assert "ValueError: the slot broke" in shown(reporter, qtbot).informativeText()


def test_an_exception_in_another_thread_is_shown_in_the_gui_thread(
    reporter: CrashReporter, qtbot: QtBot
) -> None:
    thread = threading.Thread(target=boom, name="worker")
    thread.start()
    thread.join()
    box = shown(reporter, qtbot)
    assert box.thread() is QApplication.instance().thread()  # type: ignore[union-attr]
    assert "ValueError: the slot broke" in box.informativeText()


def test_an_exception_storm_opens_one_box_and_counts_the_rest(
    reporter: CrashReporter, qtbot: QtBot
) -> None:
    for _ in range(200):
        QTimer.singleShot(0, boom)
    box = shown(reporter, qtbot)
    qtbot.waitUntil(lambda: reporter.suppressed == 199)
    boxes = [w for w in QApplication.topLevelWidgets() if w.objectName() == "crashDialog"]
    assert [b for b in boxes if b.isVisible()] == [box]
    assert "Further errors while this message was open: 199" in box.informativeText()
    box.button(QMessageBox.StandardButton.Close).click()
    qtbot.waitUntil(lambda: reporter.dialog is None)
    QTimer.singleShot(0, boom)  # the next error after closing gets a box of its own
    assert shown(reporter, qtbot) is not box
    assert "Further errors" not in reporter.dialog.informativeText()  # type: ignore[union-attr]


def test_open_log_folder_opens_it_and_keeps_the_box(
    reporter: CrashReporter, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(opened.append))
    QTimer.singleShot(0, boom)
    box = shown(reporter, qtbot)
    button = box.findChild(QPushButton, "openLogFolder")
    assert button is not None and button.text() == "Open log folder"
    button.click()
    assert opened == [QUrl.fromLocalFile(str(tmp_path / "logs"))]
    assert box.isVisible() and reporter.dialog is box


def test_uninstall_gives_the_hooks_back(tmp_path: Path, qapp: QApplication) -> None:
    before = sys.excepthook, threading.excepthook
    crashes = CrashReporter(tmp_path)
    crashes.install()
    assert sys.excepthook != before[0] and threading.excepthook != before[1]
    crashes.uninstall()
    assert (sys.excepthook, threading.excepthook) == before


def test_the_box_speaks_chinese(reporter: CrashReporter, qtbot: QtBot) -> None:
    translators = install_translators("zh_CN")
    try:
        QTimer.singleShot(0, boom)
        box = shown(reporter, qtbot)
        assert box.text() == "<b>NewAge Desktop 遇到了意外错误</b>"
        assert "详细信息已写入日志文件夹" in box.informativeText()
        button = box.findChild(QPushButton, "openLogFolder")
        assert button is not None and button.text() == "打开日志文件夹"
    finally:
        remove_translators(translators)


def test_a_message_that_looks_like_markup_is_shown_as_it_is(
    reporter: CrashReporter, qtbot: QtBot
) -> None:
    def broken() -> None:
        raise TypeError("<lambda>() missing 1 required positional argument: '<b>x</b>'")

    QTimer.singleShot(0, broken)
    box = shown(reporter, qtbot)
    label = box.findChild(QLabel, "qt_msgbox_informativelabel")
    assert label is not None and label.textFormat() == Qt.TextFormat.PlainText
    assert "<lambda>() missing" in label.text()
