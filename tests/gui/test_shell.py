"""The application shell: window, status bar, server start and its failures, log files."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from newage_desktop.client import NewAgeClient
from newage_desktop.core.store.datadir import DataDir
from newage_desktop.gui import prompts
from newage_desktop.gui.controller import AppController
from newage_desktop.gui.status_bar import format_uptime
from tests.gui.conftest import run_async
from tests.server.conftest import provision

MakeController = Callable[..., AppController]


@contextmanager
def connected_client(url: str, client_id: str, key: str, **kwargs: Any) -> Iterator[None]:
    """A real SDK client on its own thread and loop for the duration of the block."""
    connected = threading.Event()
    leave = threading.Event()
    errors: list[BaseException] = []

    async def session() -> None:
        try:
            async with NewAgeClient(url, client_id=client_id, key=key, **kwargs):
                connected.set()
                while not leave.is_set():
                    await asyncio.sleep(0.02)
        except BaseException as exc:
            errors.append(exc)
            connected.set()

    thread = threading.Thread(target=asyncio.run, args=(session(),), daemon=True)
    thread.start()
    assert connected.wait(15), "client did not connect"
    assert not errors, errors
    try:
        yield
    finally:
        leave.set()
        thread.join(15)


def test_window_opens_with_the_server_running_and_the_url_in_the_status_bar(
    make_controller: MakeController, qtbot: QtBot
) -> None:
    app = make_controller()
    url = app.bridge.url or app.runtime.server.url  # type: ignore[union-attr]
    assert app.bridge.running and url.startswith("http://127.0.0.1:")
    bar = app.window.status_bar
    qtbot.waitUntil(lambda: bar.address.text() == url)
    assert url in app.window.windowTitle()
    assert bar.auth.text() == "Authentication: keys"
    assert bar.counts.text() == "Clients: 0 · Extensions: 0 · Pairing requests: 0"
    qtbot.waitUntil(lambda: bar.uptime.text() not in ("", "Up 0:00:00"), timeout=4000)
    # Clicking the address copies it.
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(bar.address, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == url
    # The window is only docks: all six, each with a View menu entry.
    names = {dock.objectName() for dock in app.window.docks}
    assert names == {"clientsDock", "keysDock", "roomsDock", "chatDock", "logDock", "statsDock"}
    view_actions = app.window.view_menu.actions()
    for dock in app.window.docks:
        assert dock.toggleViewAction() in view_actions


def test_status_bar_counts_follow_clients_and_warn_about_network_safe(
    make_controller: MakeController, datadir: DataDir, qtbot: QtBot
) -> None:
    key = provision(datadir, "status-bot")
    app = make_controller()
    bar = app.window.status_bar
    with connected_client(app.bridge.url, "status-bot", key or ""):
        qtbot.waitUntil(lambda: bar.counts.text().startswith("Clients: 1 "), timeout=5000)
    qtbot.waitUntil(lambda: bar.counts.text().startswith("Clients: 0 "), timeout=5000)

    run_async(app.bridge.call(lambda core: core.settings_store.update({"networkSafe": True})))
    qtbot.waitUntil(lambda: "networkSafe" in bar.auth.text(), timeout=4000)
    assert "#B91C1C" in bar.auth.styleSheet()  # the red warning
    run_async(app.bridge.call(lambda core: core.settings_store.update({"networkSafe": False})))
    qtbot.waitUntil(lambda: bar.auth.text() == "Authentication: keys", timeout=4000)
    assert bar.auth.styleSheet() == ""


def test_log_files_are_written_once_the_server_listens(
    make_controller: MakeController, datadir: DataDir
) -> None:
    app = make_controller()
    combined = datadir.logs_dir / "combined.log"
    text = combined.read_text(encoding="utf-8")
    # The lines logged before the files existed were replayed into them.
    assert f"listening on {app.bridge.url}" in text
    assert "[info] [llm-server]:" in text


def test_a_taken_port_is_explained_and_the_server_stays_stopped(
    make_controller: MakeController, monkeypatch: pytest.MonkeyPatch, qtbot: QtBot
) -> None:
    shown: list[str] = []

    def start_failed(_parent: object, message: str) -> str:
        shown.append(message)
        return "close"

    monkeypatch.setattr(prompts, "start_failed", start_failed)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        app = make_controller(start=False, port=port)
        assert run_async(app.start_server()) is False
    assert len(shown) == 1 and f"Port {port}" in shown[0] and "already in use" in shown[0]
    assert not app.bridge.running
    qtbot.waitUntil(lambda: app.status.status.state == "error")
    assert "start failed" in app.window.status_bar.address.text()
    assert app.actions.start_stop.text() == "Start server"


def test_a_corrupt_settings_file_can_be_moved_aside(
    make_controller: MakeController, datadir: DataDir, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = datadir.server_settings_file
    settings.write_text('{"serverPort": 4000,,}', encoding="utf-8")
    answers = [False, True]
    asked: list[tuple[str, str]] = []

    def corrupt_file(_parent: object, message: str, aside_name: str) -> bool:
        asked.append((message, aside_name))
        return answers.pop(0)

    monkeypatch.setattr(prompts, "corrupt_file", corrupt_file)
    app = make_controller(start=False)
    # Declined: nothing is touched and the server does not start.
    assert run_async(app.start_server()) is False
    assert settings.read_text(encoding="utf-8") == '{"serverPort": 4000,,}'
    assert not app.bridge.running
    # Accepted: the file is kept under the offered name and the server starts fresh.
    assert run_async(app.start_server()) is True
    message, aside_name = asked[-1]
    assert "server_settings.json" in message
    assert aside_name.startswith("server_settings.json.corrupt-")
    aside = settings.with_name(aside_name)
    assert aside.read_text(encoding="utf-8") == '{"serverPort": 4000,,}'
    assert json.loads(settings.read_text(encoding="utf-8"))["serverPort"] == 4000
    assert app.bridge.running


def test_start_stop_action_stops_and_restarts_the_server(
    make_controller: MakeController, qtbot: QtBot
) -> None:
    app = make_controller()
    qtbot.waitUntil(lambda: app.actions.start_stop.text() == "Stop server")
    app.actions.start_stop.trigger()
    qtbot.waitUntil(lambda: not app.bridge.running and app.status.status.state == "stopped")
    qtbot.waitUntil(lambda: app.actions.start_stop.text() == "Start server")
    assert not app.actions.copy_url.isEnabled()
    app.actions.start_stop.trigger()
    qtbot.waitUntil(lambda: app.bridge.running and app.status.status.state == "running")


def test_reset_layout_brings_closed_docks_back(make_controller: MakeController) -> None:
    app = make_controller()
    window = app.window
    window.stats.close()
    window.chat.setFloating(True)
    assert window.stats.isHidden()
    app.actions.reset_layout.trigger()
    assert not window.stats.isHidden() and not window.chat.isFloating()


def test_uptime_format() -> None:
    assert format_uptime(0) == "0:00:00"
    assert format_uptime(3_725) == "1:02:05"
    assert format_uptime(90_061) == "1 d 1:01:01"


def test_the_language_switches_live_to_chinese_and_back(
    make_controller: MakeController, qtbot: QtBot
) -> None:
    app = make_controller()
    window = app.window
    # The status model hears "running" from the server thread a moment after start returns.
    qtbot.waitUntil(lambda: window.status_bar.counts.text() != "")
    try:
        app.set_language("zh_CN")
        # QApplication posts LanguageChange to every window.
        qtbot.waitUntil(lambda: window.file_menu.title() == "文件(&F)")
        assert app.actions.quit.text() == "退出"
        assert window.status_bar.counts.text() == "客户端：0 · 扩展：0 · 配对请求：0"
        assert window.status_bar.auth.text() == "身份验证：密钥"
    finally:
        app.set_language("en")
    qtbot.waitUntil(lambda: window.file_menu.title() == "&File")
    assert window.status_bar.auth.text() == "Authentication: keys"


def test_icons_are_drawn_for_the_app_and_every_tray_state(qapp: object) -> None:
    from newage_desktop.gui.resources import APP_ICON_SIZES, app_icon, resource_dir, tray_icon

    icon = app_icon()
    assert not icon.isNull()
    assert {s.width() for s in icon.availableSizes()} == set(APP_ICON_SIZES)
    for state in ("running", "stopped", "error"):
        assert not tray_icon(state).isNull()  # type: ignore[arg-type]
    # Every PNG comes from an SVG source in the repository (scripts/render_icons.py).
    icons = resource_dir() / "icons"
    assert {p.stem for p in icons.glob("*.svg")} == {
        "newage",
        "tray-running",
        "tray-stopped",
        "tray-error",
    }
