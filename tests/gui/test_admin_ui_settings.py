"""The settings dialog's "Socket.IO Admin UI" group: off by default, the password stored only
as a bcrypt hash (empty = keep), inline validation, a restart offered, the URL to open."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit
from pytestqt.qtbot import QtBot

from newage_desktop.core.auth.keys import check_key
from newage_desktop.core.store.datadir import DataDir
from newage_desktop.gui import prompts
from newage_desktop.gui.controller import AppController
from newage_desktop.gui.settings_dialog import SettingsDialog

MakeController = Callable[..., AppController]


def opened(app: AppController, qtbot: QtBot) -> SettingsDialog:
    dialog = app.open_settings()
    qtbot.waitUntil(dialog.ok_button.isEnabled)
    return dialog


def press_ok(dialog: SettingsDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def file_settings(datadir: DataDir) -> dict[str, object]:
    data = json.loads(datadir.server_settings_file.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_off_by_default_with_the_url_to_open(make_controller: MakeController, qtbot: QtBot) -> None:
    dialog = opened(make_controller(), qtbot)
    group = dialog.admin_ui
    assert group.title() == "Socket.IO Admin UI"
    assert not group.enabled.isChecked()
    assert not group.username.isEnabled() and not group.password.isEnabled()
    assert group.read_only.isChecked() and not group.development.isChecked()
    assert group.password.echoMode() == QLineEdit.EchoMode.Password
    assert "restarts" in group.note.text()
    assert "http://127.0.0.1:4000/admin-ui/" in group.note.text()
    dialog.port.setValue(4100)
    assert "http://127.0.0.1:4100/admin-ui/" in group.note.text()
    group.enabled.setChecked(True)
    assert group.username.isEnabled() and group.password.isEnabled()


def test_enabling_stores_a_hash_offers_a_restart_and_keeps_it_when_left_empty(
    make_controller: MakeController,
    datadir: DataDir,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    offers: list[str] = []

    def decline(_parent: object, _title: str, text: str, _label: str) -> bool:
        offers.append(text)
        return False

    monkeypatch.setattr(prompts, "confirm", decline)
    app = make_controller()
    dialog = opened(app, qtbot)
    group = dialog.admin_ui
    group.enabled.setChecked(True)
    group.username.setText("operator")
    group.password.setText("admin secret")
    group.development.setChecked(True)
    press_ok(dialog)
    qtbot.waitUntil(lambda: app.settings_dialog is None)
    saved = file_settings(datadir)
    assert saved["adminUiEnabled"] is True and saved["adminUiUsername"] == "operator"
    assert saved["adminUiMode"] == "development" and saved["adminUiReadonly"] is True
    hashed = saved["adminUiPasswordHash"]
    assert isinstance(hashed, str) and check_key("admin secret", hashed)
    assert "admin secret" not in json.dumps(saved)
    qtbot.waitUntil(lambda: len(offers) == 1)
    assert "adminUiEnabled" in offers[0]

    dialog = opened(app, qtbot)
    group = dialog.admin_ui
    assert group.enabled.isChecked() and group.username.text() == "operator"
    assert group.password.text() == "" and group.password.placeholderText() == "(unchanged)"
    group.read_only.setChecked(False)
    press_ok(dialog)
    qtbot.waitUntil(lambda: app.settings_dialog is None)
    saved = file_settings(datadir)
    assert saved["adminUiPasswordHash"] == hashed  # empty field: the hash is kept
    assert saved["adminUiReadonly"] is False


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [("", "pw", "username"), ("operator", "", "password"), ("operator", "é" * 40, "72")],
)
def test_incomplete_login_is_shown_inline_and_nothing_is_written(
    make_controller: MakeController,
    datadir: DataDir,
    qtbot: QtBot,
    username: str,
    password: str,
    message: str,
) -> None:
    app = make_controller()
    before = datadir.server_settings_file.read_text(encoding="utf-8")
    dialog = opened(app, qtbot)
    group = dialog.admin_ui
    group.enabled.setChecked(True)
    group.username.setText(username)
    group.password.setText(password)
    press_ok(dialog)
    qtbot.wait(100)
    assert dialog.isVisible() and dialog.tabs.currentIndex() == 1
    assert not group.error.isHidden() and message in group.error.text()
    assert datadir.server_settings_file.read_text(encoding="utf-8") == before
