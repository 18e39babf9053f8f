"""The Log dock: live lines from the server, bounded, filtered by level and text, pausable."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from pytestqt.qtbot import QtBot

from newage_desktop.core import events as ev
from newage_desktop.gui.bridge import CoreBridge
from newage_desktop.gui.docks.log import LogDock
from tests.gui.docks.conftest import ModelCheck
from tests.gui.docks.helpers import trust_with_key


def put(bridge: CoreBridge, level: str, message: str) -> None:
    """A log event through the same queue the server's log handler feeds."""
    bridge.runtime.events.put(ev.LogRecorded(time.time(), level, message))


def messages(dock: LogDock) -> list[str]:
    return [line.message for line in dock.visible_lines()]


@pytest.fixture
def dock(qtbot: QtBot, bridge: CoreBridge) -> LogDock:
    widget = LogDock(bridge, capacity=50)
    qtbot.addWidget(widget)
    assert widget.objectName() == "logDock"
    return widget


@pytest.mark.usefixtures("newage_logging")
def test_server_log_lines_appear_live(qtbot: QtBot, bridge: CoreBridge, dock: LogDock) -> None:
    trust_with_key(bridge, "visitor")
    qtbot.waitUntil(lambda: "Key generated for visitor" in messages(dock))
    assert "Client trusted: visitor" in messages(dock)


def test_bounded_oldest_lines_dropped(
    qtbot: QtBot, bridge: CoreBridge, dock: LogDock, check_models: ModelCheck
) -> None:
    check_models(dock.model, dock.proxy)
    for i in range(30):
        put(bridge, "info", f"line {i}")
    qtbot.waitUntil(lambda: dock.model.rowCount() == 30)
    for i in range(30, 120):
        put(bridge, "info", f"line {i}")
    qtbot.waitUntil(lambda: messages(dock)[-1:] == ["line 119"])
    assert messages(dock) == [f"line {i}" for i in range(70, 120)]


def test_filter_by_level_and_text(
    qtbot: QtBot, bridge: CoreBridge, dock: LogDock, check_models: ModelCheck
) -> None:
    check_models(dock.proxy)
    for level, message in [
        ("debug", "socket detail"),
        ("info", "Client connected: disk"),
        ("warn", "disk almost full"),
        ("error", "disk failed"),
        ("info", "Client disconnected"),
    ]:
        put(bridge, level, message)
    qtbot.waitUntil(lambda: dock.model.rowCount() == 5)
    assert "socket detail" not in messages(dock)  # debug hidden by default
    assert len(messages(dock)) == 4
    dock.level_combo.setCurrentIndex(dock.level_combo.findData("warn"))
    assert messages(dock) == ["disk almost full", "disk failed"]
    dock.level_combo.setCurrentIndex(dock.level_combo.findData("debug"))
    assert len(messages(dock)) == 5
    dock.filter.setText("DISK")
    assert messages(dock) == ["Client connected: disk", "disk almost full", "disk failed"]
    dock.level_combo.setCurrentIndex(dock.level_combo.findData("error"))
    assert messages(dock) == ["disk failed"]
    assert dock.status.text().startswith("1 of 5 lines shown")

    dock.copy()
    assert QGuiApplication.clipboard().text().endswith("ERROR disk failed")


def test_pause_holds_lines_and_resume_appends_them(
    qtbot: QtBot, bridge: CoreBridge, dock: LogDock
) -> None:
    put(bridge, "info", "before")
    qtbot.waitUntil(lambda: messages(dock) == ["before"])
    dock.pause_action.trigger()
    assert dock.paused and dock.pause_action.text() == "Resume"
    put(bridge, "info", "during 1")
    put(bridge, "warn", "during 2")
    qtbot.waitUntil(lambda: "paused, 2 new" in dock.status.text())
    assert messages(dock) == ["before"]
    dock.pause_action.trigger()
    assert not dock.paused
    assert messages(dock) == ["before", "during 1", "during 2"]
    put(bridge, "info", "after")
    qtbot.waitUntil(lambda: messages(dock)[-1] == "after")


def test_open_log_folder(
    bridge: CoreBridge, dock: LogDock, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[QUrl] = []

    def open_url(url: QUrl) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", open_url)
    dock.folder_action.trigger()
    assert [url.toLocalFile() for url in opened] == [str(bridge.runtime.datadir.logs_dir)]
