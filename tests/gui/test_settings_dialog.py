"""The settings dialog: server settings to the file (through the core), app preferences to
QSettings, inline validation, restart offers, and persistence across a restart of the app."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.gui import prompts
from newage_desktop.gui.controller import AppController
from newage_desktop.gui.preferences import NOTIFY_AUTH_FAILURES, NOTIFY_PAIRING, Preferences
from newage_desktop.gui.resources import install_translators, remove_translators
from newage_desktop.gui.server_settings import (
    OriginChoice,
    normalize_origin,
    origin_choice,
    origin_setting,
)
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
    origins = dialog.origins
    assert dialog.port.value() == 4000
    assert origins.local.isChecked() and origins.entries() == [] and not origins.any.isChecked()
    port = free_port()
    dialog.port.setValue(port)
    origins.local.setChecked(False)
    for origin in ("http://localhost:8000", "https://example.org"):
        origins.entry.setText(origin)
        origins.add_button.click()
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
    assert not dialog.origins.local.isChecked() and not dialog.origins.any.isChecked()
    assert dialog.origins.entries() == ["http://localhost:8000", "https://example.org"]
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
    dialog.origins.entry.setText("localhost:8000")  # typed, not added: checked on OK too
    press_ok(dialog, qtbot)
    qtbot.wait(100)
    assert dialog.isVisible()
    assert not dialog.host_error.isHidden() and "without spaces" in dialog.host_error.text()
    assert not dialog.origins.error.isHidden()
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


def test_the_origins_setting_maps_to_the_three_controls() -> None:
    assert origin_choice("*") == OriginChoice(local=False, any=True, extra=())
    assert origin_choice("local") == OriginChoice(local=True, any=False, extra=())
    assert origin_choice(["local", "http://a:1"]) == OriginChoice(True, False, ("http://a:1",))
    assert origin_choice(["http://a:1", "http://b"]) == OriginChoice(
        False, False, ("http://a:1", "http://b")
    )
    assert origin_choice(["http://a", "*"]).any
    assert origin_setting(OriginChoice(local=True, any=True, extra=("http://a",))) == "*"
    assert origin_setting(OriginChoice(local=True, any=False, extra=())) == "local"
    assert origin_setting(OriginChoice(True, False, ("http://a",))) == ["local", "http://a"]
    assert origin_setting(OriginChoice(False, False, ("http://a",))) == ["http://a"]
    assert origin_setting(OriginChoice(False, False, ())) == []


@pytest.mark.parametrize(
    ("text", "origin"),
    [
        ("http://192.168.1.20:8000", "http://192.168.1.20:8000"),
        (" HTTPS://Example.ORG/ ", "https://example.org"),  # as a browser sends it
        ("https://example.org:443", "https://example.org"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("chrome-extension://abcdef", "chrome-extension://abcdef"),
    ],
)
def test_an_origin_is_normalised_as_browsers_send_it(text: str, origin: str) -> None:
    assert normalize_origin(text) == origin


@pytest.mark.parametrize(
    "text",
    [
        "",
        "localhost:8000",
        "192.168.1.20:8000",
        "http://",
        "http://host/path",
        "http://host?x=1",
        "http://host#top",
        "http://user@host",
        "http://host:99999",
        "http://host:port",
        "http://two words",
        "*",
        "local",
    ],
)
def test_an_invalid_origin_is_refused(text: str) -> None:
    assert normalize_origin(text) is None


def test_origins_list_add_remove_and_any(make_controller: MakeController, qtbot: QtBot) -> None:
    dialog = opened(make_controller(), qtbot)
    origins = dialog.origins
    assert dialog.server_values()["corsAllowedOrigins"] == "local"
    assert origins.any_warning.isHidden() and origins.error.isHidden()
    origins.entry.setText("http://192.168.1.20:8000/")
    origins.add_button.click()
    assert origins.entries() == ["http://192.168.1.20:8000"] and origins.entry.text() == ""
    origins.entry.setText("http://192.168.1.20:8000")  # already there: not twice
    origins.add_button.click()
    assert origins.entries() == ["http://192.168.1.20:8000"]
    origins.entry.setText("192.168.1.21")
    origins.add_button.click()
    assert not origins.error.isHidden() and "scheme://host" in origins.error.text()
    assert origins.entries() == ["http://192.168.1.20:8000"]
    origins.entry.setText("https://example.org")
    origins.entry.returnPressed.emit()  # Enter adds too
    assert origins.error.isHidden()
    assert dialog.server_values()["corsAllowedOrigins"] == [
        "local",
        "http://192.168.1.20:8000",
        "https://example.org",
    ]
    origins.list.setCurrentRow(0)
    origins.remove_button.click()
    assert origins.entries() == ["https://example.org"]
    origins.any.setChecked(True)
    assert not origins.any_warning.isHidden()
    assert not origins.list.isEnabled() and not origins.entry.isEnabled()
    assert not origins.add_button.isEnabled() and not origins.local.isEnabled()
    assert dialog.server_values()["corsAllowedOrigins"] == "*"
    origins.any.setChecked(False)
    assert origins.list.isEnabled() and origins.any_warning.isHidden()
    assert dialog.server_values()["corsAllowedOrigins"] == ["local", "https://example.org"]


def test_any_web_site_is_saved_as_a_star(
    make_controller: MakeController, datadir: DataDir, qtbot: QtBot
) -> None:
    app = make_controller()
    dialog = opened(app, qtbot)
    dialog.origins.any.setChecked(True)
    press_ok(dialog, qtbot)
    qtbot.waitUntil(lambda: app.settings_dialog is None)
    assert file_settings(datadir)["corsAllowedOrigins"] == "*"
    dialog = opened(app, qtbot)
    assert dialog.origins.any.isChecked() and not dialog.origins.list.isEnabled()


def test_the_origin_controls_are_translated(make_controller: MakeController, qtbot: QtBot) -> None:
    app = make_controller()
    translators = install_translators("zh_CN")
    try:
        dialog = opened(app, qtbot)
        origins = dialog.origins
        for text in (
            origins.local.text(),
            origins.local_note.text(),
            origins.any.text(),
            origins.add_button.text(),
            origins.remove_button.text(),
        ):
            assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text
    finally:
        remove_translators(translators)
