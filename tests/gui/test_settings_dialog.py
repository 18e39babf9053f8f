"""The settings dialog: server settings to the file (through the core), app preferences to
QSettings, inline validation, restart offers, and persistence across a restart of the app."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from newage_desktop.core.datadir import DataDir
from newage_desktop.gui import prompts
from newage_desktop.gui.controller import AppController
from newage_desktop.gui.preferences import NOTIFY_AUTH_FAILURES, NOTIFY_PAIRING, Preferences
from newage_desktop.gui.server_settings import format_origins, parse_origins
from newage_desktop.gui.settings_dialog import SettingsDialog

MakeController = Callable[..., AppController]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def opened(app: AppController, qtbot: QtBot) -> SettingsDialog:
    dialog = app.open_settings()
    qtbot.waitUntil(dialog.ok_button.isEnabled)  # loaded
    return dialog


def press_ok(dialog: SettingsDialog, qtbot: QtBot) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def file_settings(datadir: DataDir) -> dict[str, object]:
    data = json.loads(datadir.server_settings_file.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_settings_persist_across_a_restart_of_the_app(
    make_controller: MakeController,
    datadir: DataDir,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    restart_offers: list[str] = []

    def decline(_parent: object, title: str, text: str, _label: str) -> bool:
        restart_offers.append(text)
        return False

    monkeypatch.setattr(prompts, "confirm", decline)
    app = make_controller(tray=True)
    dialog = opened(app, qtbot)
    assert dialog.port.value() == 4000 and dialog.cors.text() == "local"
    port = free_port()
    dialog.port.setValue(port)
    dialog.cors.setText("http://localhost:8000, https://example.org")
    dialog.pairing_timeout.setValue(90)
    dialog.allow_key_requests.setChecked(True)
    dialog.close_to_tray.setChecked(False)
    dialog.notify[NOTIFY_PAIRING].setChecked(False)
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    press_ok(dialog, qtbot)
    qtbot.waitUntil(lambda: app.settings_dialog is None)

    saved = file_settings(datadir)
    assert saved["serverPort"] == port
    assert saved["corsAllowedOrigins"] == ["http://localhost:8000", "https://example.org"]
    assert saved["pairingTimeoutMs"] == 90_000
    assert saved["allowKeyRequests"] is True
    # Applied at once where PROTOCOL §11 allows it (no restart for allowKeyRequests).
    assert app.runtime.call(lambda: app.runtime.server.core.settings.allow_key_requests)  # type: ignore[union-attr]
    # Port and CORS are read at start-up only: a restart was offered, naming them.
    qtbot.waitUntil(lambda: len(restart_offers) == 1)
    assert "serverPort" in restart_offers[0] and "corsAllowedOrigins" in restart_offers[0]
    app.window.stats.close()  # a layout change, remembered too
    app.quit()

    again = make_controller(tray=True)
    assert again.window.stats.isHidden()
    prefs = Preferences()
    assert prefs.close_to_tray is False and prefs.language == "en"
    assert prefs.notify(NOTIFY_PAIRING) is False and prefs.notify(NOTIFY_AUTH_FAILURES) is True
    dialog = opened(again, qtbot)
    assert dialog.port.value() == port
    assert dialog.cors.text() == "http://localhost:8000, https://example.org"
    assert dialog.pairing_timeout.value() == 90
    assert dialog.allow_key_requests.isChecked()
    assert not dialog.close_to_tray.isChecked()
    assert not dialog.notify[NOTIFY_PAIRING].isChecked()
    assert dialog.language.currentData() == "en"


def test_invalid_values_are_shown_inline_and_nothing_is_written(
    make_controller: MakeController, datadir: DataDir, qtbot: QtBot
) -> None:
    app = make_controller()
    before = datadir.server_settings_file.read_text(encoding="utf-8")
    dialog = opened(app, qtbot)
    dialog.host.setCurrentText("my host")
    dialog.cors.setText("localhost:8000")
    press_ok(dialog, qtbot)
    qtbot.wait(100)
    assert dialog.isVisible()
    assert not dialog.host_error.isHidden() and "without spaces" in dialog.host_error.text()
    assert not dialog.cors_error.isHidden()
    assert datadir.server_settings_file.read_text(encoding="utf-8") == before


def test_lan_binding_and_network_safe_show_warnings(
    make_controller: MakeController, qtbot: QtBot
) -> None:
    dialog = opened(make_controller(), qtbot)
    assert dialog.lan_warning.isHidden()
    dialog.host.setCurrentText("0.0.0.0")
    assert not dialog.lan_warning.isHidden()
    dialog.host.setCurrentText("127.0.0.1")
    assert dialog.lan_warning.isHidden()
    assert dialog.network_safe_warning.isHidden()
    dialog.network_safe.setChecked(True)
    assert not dialog.network_safe_warning.isHidden()


def test_restart_now_restarts_the_server_with_the_new_settings(
    make_controller: MakeController,
    datadir: DataDir,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(prompts, "confirm", lambda *_args: True)
    app = make_controller(port=None)  # listen on the configured port this time
    first_server = app.runtime.server
    port = free_port()
    dialog = opened(app, qtbot)
    dialog.port.setValue(port)
    press_ok(dialog, qtbot)
    qtbot.waitUntil(
        lambda: app.bridge.running and app.runtime.server is not first_server, timeout=10_000
    )
    assert app.runtime.server is not None and app.runtime.server.port == port
    qtbot.waitUntil(lambda: app.window.status_bar.address.text() == f"http://127.0.0.1:{port}")


def test_settings_can_be_changed_while_the_server_is_stopped(
    make_controller: MakeController,
    datadir: DataDir,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fix for a taken port: change it in Settings, then start."""
    monkeypatch.setattr(prompts, "confirm", lambda *_args: True)  # "Start server now"
    app = make_controller(start=False, port=None)
    port = free_port()
    dialog = opened(app, qtbot)
    dialog.port.setValue(port)
    press_ok(dialog, qtbot)
    qtbot.waitUntil(lambda: app.bridge.running, timeout=10_000)
    assert file_settings(datadir)["serverPort"] == port
    assert app.runtime.server is not None and app.runtime.server.port == port


def test_origins_round_trip() -> None:
    assert parse_origins(" * ") == "*"
    assert parse_origins("http://a:1,https://b  http://c") == [
        "http://a:1",
        "https://b",
        "http://c",
    ]
    assert format_origins(["http://a", "http://b"]) == "http://a, http://b"
    assert format_origins("*") == "*"
