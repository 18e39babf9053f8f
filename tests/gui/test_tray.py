"""Tray menu and close-to-tray where a tray exists; the no-tray fallback; notifications."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QSystemTrayIcon
from pytestqt.qtbot import QtBot

from newage_desktop.core import events as ev
from newage_desktop.gui import prompts
from newage_desktop.gui.controller import AppController
from newage_desktop.gui.notifications import AUTH_FAILURE_THRESHOLD, Notifier
from newage_desktop.gui.preferences import (
    NOTIFY_AUTH_FAILURES,
    NOTIFY_EXTENSIONS,
    NOTIFY_PAIRING,
    Preferences,
)
from tests.gui.conftest import run_async
from tests.server.conftest import Client

MakeController = Callable[..., AppController]


def menu_texts(app: AppController) -> list[str]:
    assert app.tray is not None
    return [a.text() for a in app.tray.menu.actions() if not a.isSeparator()]


SERVER_WAIT_MS = 15_000


def test_tray_menu_actions(
    make_controller: MakeController, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_controller(tray=True)
    tray = app.tray
    assert tray is not None
    # Server start and stop take longer on a loaded machine (a full run after the browser tests).
    # The tray icon follows the status model, the actions the bridge's state signal: both.
    qtbot.waitUntil(
        lambda: tray.state == "running" and "Stop server" in menu_texts(app),
        timeout=SERVER_WAIT_MS,
    )
    assert menu_texts(app) == [
        "Hide window",
        "Stop server",
        "Copy server URL",
        "Open data folder",
        "Quit",
    ]
    assert app.bridge.url in tray.icon.toolTip()
    assert "Clients: 0 · Extensions: 0 · Pairing requests: 0" in tray.icon.toolTip()

    app.actions.show_window.trigger()  # Hide window
    assert not app.window.isVisible() and app.actions.show_window.text() == "Show window"
    app.actions.show_window.trigger()
    assert app.window.isVisible() and app.actions.show_window.text() == "Hide window"

    QGuiApplication.clipboard().clear()
    app.actions.copy_url.trigger()
    assert QGuiApplication.clipboard().text() == app.bridge.url

    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url)))
    app.actions.open_data_folder.trigger()
    assert [u.toLocalFile() for u in opened] == [str(app.runtime.datadir.root)]

    app.actions.start_stop.trigger()  # Stop server
    qtbot.waitUntil(
        lambda: tray.state == "stopped" and not app.bridge.running, timeout=SERVER_WAIT_MS
    )
    assert "Start server" in menu_texts(app)
    app.actions.start_stop.trigger()
    qtbot.waitUntil(lambda: tray.state == "running" and app.bridge.running, timeout=SERVER_WAIT_MS)

    with qtbot.waitSignal(app.quit_requested, timeout=SERVER_WAIT_MS):
        app.actions.quit.trigger()
    assert not app.bridge.running and not app.runtime._thread.is_alive()
    assert not tray.icon.isVisible()


def test_closing_the_window_hides_it_to_the_tray_with_a_hint_once(
    make_controller: MakeController, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_controller(tray=True)
    assert app.tray is not None and Preferences().close_to_tray  # default where a tray exists
    hints: list[tuple[str, str]] = []
    monkeypatch.setattr(app.tray, "show_message", lambda title, text: hints.append((title, text)))
    app.window.close()
    assert not app.window.isVisible()
    assert app.bridge.running  # the server keeps running
    assert len(hints) == 1 and "still running" in hints[0][0]
    app.show_window()
    app.window.close()
    assert not app.window.isVisible() and len(hints) == 1  # the hint is shown once


def test_with_close_to_tray_off_closing_asks_before_quitting(
    make_controller: MakeController, monkeypatch: pytest.MonkeyPatch
) -> None:
    Preferences().close_to_tray = False
    app = make_controller(tray=True)
    asked: list[str] = []
    monkeypatch.setattr(prompts, "confirm", lambda _p, title, *_a: asked.append(title) or False)
    app.window.close()
    assert asked == ["Quit NewAge Desktop?"] and app.window.isVisible() and app.bridge.running


def test_without_a_tray_closing_asks_before_quitting_and_quit_stops_the_server(
    make_controller: MakeController, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not QSystemTrayIcon.isSystemTrayAvailable()  # offscreen: the real fallback path
    app = make_controller(tray=False)
    assert app.tray is None
    assert Preferences().close_to_tray is False  # the default follows the tray's absence
    answers = [False, True]
    questions: list[str] = []

    def confirm(_parent: Any, title: str, text: str, label: str) -> bool:
        questions.append(text)
        return answers.pop(0)

    monkeypatch.setattr(prompts, "confirm", confirm)
    app.window.close()  # "Cancel"
    assert app.window.isVisible() and app.bridge.running
    assert "stops the server" in questions[0]
    with qtbot.waitSignal(app.quit_requested):
        app.window.close()  # "Quit"
    assert not app.window.isVisible()
    assert not app.bridge.running and not app.runtime._thread.is_alive()


class _Bridge:
    """Just the signals Notifier connects to."""

    def __init__(self) -> None:
        from PySide6.QtCore import QObject, Signal

        class Signals(QObject):
            events = Signal(list)
            state_changed = Signal(str, str)

        self.signals = Signals()
        self.events = self.signals.events
        self.state_changed = self.signals.state_changed


def make_notifier(
    clock: list[float], focus: list[str | None] | None = None
) -> tuple[Notifier, list[tuple[str, str]], Preferences]:
    shown: list[tuple[str, str]] = []
    prefs = Preferences()

    def show(title: str, text: str, where: str | None) -> None:
        shown.append((title, text))
        if focus is not None:
            focus.append(where)

    notifier = Notifier(_Bridge(), prefs, show, clock=lambda: clock[0])  # type: ignore[arg-type]
    return notifier, shown, prefs


def extension(identity: str) -> dict[str, Any]:
    return {"clientId": identity, "identity": identity, "clientType": "SillyTavern"}


def test_notifications_are_deduplicated_and_switchable(qapp: Any) -> None:
    clock = [1000.0]
    notifier, shown, prefs = make_notifier(clock)
    # An extension joining three namespaces is one notification; a plain client none.
    notifier.handle([ev.ClientConnected(extension("st")) for _ in range(3)])
    notifier.handle([ev.ClientConnected({"clientId": "bot", "clientType": "client"})])
    assert shown == [("Extension connected", "st is connected.")]
    notifier.handle([ev.ClientDisconnected(extension("st"))])
    assert shown[-1] == ("Extension disconnected", "st disconnected.")

    notifier.handle(
        [ev.PairingRequested({"clientId": "phone", "address": "10.0.0.7", "roomId": "temp-1"})]
    )
    assert shown[-1][0] == "Pairing request" and "phone (10.0.0.7)" in shown[-1][1]

    # Auth failures: one notification per burst from an address, not one per attempt.
    before = len(shown)
    for _ in range(AUTH_FAILURE_THRESHOLD * 2):
        notifier.handle([ev.AuthFailed("guess", "10.0.0.9", "Invalid key.")])
    assert len(shown) == before + 1 and "10.0.0.9" in shown[-1][1]
    clock[0] += 61
    for _ in range(AUTH_FAILURE_THRESHOLD):
        notifier.handle([ev.AuthFailed("guess", "10.0.0.9", "Invalid key.")])
    assert len(shown) == before + 2

    prefs.set_notify(NOTIFY_EXTENSIONS, False)
    prefs.set_notify(NOTIFY_AUTH_FAILURES, False)
    count = len(shown)
    notifier.handle([ev.ClientConnected(extension("st2"))])
    clock[0] += 61
    for _ in range(AUTH_FAILURE_THRESHOLD):
        notifier.handle([ev.AuthFailed("guess", "10.0.0.9", "Invalid key.")])
    assert len(shown) == count


def test_a_burst_of_notifications_becomes_one_summary(qapp: Any) -> None:
    notifier, shown, _prefs = make_notifier([0.0])
    notifier.handle([ev.ClientConnected(extension(f"st{i}")) for i in range(6)])
    assert len(shown) == 1 and "…and 3 more" in shown[0][1]


def pairing(room_id: str, client_id: str = "st-main", **fields: Any) -> ev.PairingRequested:
    request = {"roomId": room_id, "clientId": client_id, "address": "192.168.1.20", **fields}
    return ev.PairingRequested(request)


def test_a_pairing_request_from_sillytavern_is_announced_once(qapp: Any) -> None:
    focus: list[str | None] = []
    notifier, shown, prefs = make_notifier([0.0], focus)
    notifier.handle([pairing("temp-1", clientType="SillyTavern", namespace="/auth")])
    assert shown == [
        (
            "SillyTavern wants to connect",
            "st-main (192.168.1.20) asks for a key. Approve or deny it in the Keys dock.",
        )
    ]
    assert focus == ["keys"]  # a click opens the Keys dock
    # The same request again (a repeated event, a refresh) is not a new notification.
    notifier.handle([pairing("temp-1", clientType="SillyTavern")])
    assert len(shown) == 1
    notifier.handle([pairing("temp-2", namespace="/sillytavern")])
    assert shown[-1][0] == "SillyTavern wants to connect" and len(shown) == 2
    notifier.handle([pairing("temp-3", client_id="phone", clientType="client")])
    assert shown[-1][0] == "Pairing request" and "phone (192.168.1.20)" in shown[-1][1]

    prefs.set_notify(NOTIFY_PAIRING, False)
    notifier.handle([pairing("temp-4", clientType="SillyTavern")])
    assert len(shown) == 3


def test_a_summary_keeps_the_keys_dock_as_the_click_target(qapp: Any) -> None:
    focus: list[str | None] = []
    notifier, shown, _prefs = make_notifier([0.0], focus)
    batch: list[ev.CoreEvent] = [ev.ClientConnected(extension(f"st{i}")) for i in range(4)]
    notifier.handle([*batch, pairing("temp-9", clientType="SillyTavern")])
    assert len(shown) == 1 and "…and 2 more" in shown[0][1] and focus == ["keys"]


def test_clicking_the_pairing_notification_opens_the_keys_dock(
    make_controller: MakeController, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_controller(tray=True)
    tray = app.tray
    assert tray is not None
    messages: list[tuple[str, str]] = []
    monkeypatch.setattr(
        tray.icon, "showMessage", lambda title, text, *_a: messages.append((title, text))
    )
    app.hide_window()
    tavern = Client(app.bridge.url)
    auth = {"clientId": "st-main", "key": "getKey", "clientType": "SillyTavern"}
    run_async(tavern.connect(["/auth"], auth))
    qtbot.waitUntil(lambda: len(messages) == 1)
    title, text = messages[0]
    assert title == "SillyTavern wants to connect" and "st-main (127.0.0.1)" in text
    assert not app.window.isVisible()
    window = app.window
    tray.icon.messageClicked.emit()
    assert window.isVisible()
    # Its tab is the current one; the Clients dock, tabbed with it, is behind.
    qtbot.waitUntil(lambda: not window.keys.visibleRegion().isEmpty())
    assert window.clients.visibleRegion().isEmpty()
    run_async(tavern.close())
