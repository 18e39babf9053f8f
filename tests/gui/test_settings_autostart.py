"""Settings → Desktop → "Start at login": read from the real login item, changed on OK only,
failures shown in the dialog (XDG back-end for real, in a temporary XDG_CONFIG_HOME)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.gui import autostart_setting, prompts
from newage_desktop.gui.controller import AppController
from newage_desktop.gui.resources import install_translators, remove_translators
from newage_desktop.gui.settings_dialog import SettingsDialog

MakeController = Callable[..., AppController]
DESKTOP_TAB = 2


@pytest.fixture
def autostart_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    return config / "autostart" / "newage-desktop.desktop"


def opened(app: AppController, qtbot: QtBot) -> SettingsDialog:
    dialog = app.open_settings()
    qtbot.waitUntil(dialog.ok_button.isEnabled)
    return dialog


def press_ok(dialog: SettingsDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def exec_line(path: Path) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(line for line in lines if line.startswith("Exec="))


def test_off_by_default_then_on_and_off_through_ok(
    make_controller: MakeController,
    qtbot: QtBot,
    autostart_file: Path,
    datadir: DataDir,
) -> None:
    app = make_controller(tray=True)
    dialog = opened(app, qtbot)
    box = dialog.autostart
    assert box.text() == "Start at login (minimised to the tray)"
    assert str(autostart_file) in box.toolTip()
    assert box.isEnabled() and not box.isChecked()
    box.setChecked(True)
    assert not autostart_file.exists()  # nothing happens before OK
    press_ok(dialog)
    qtbot.waitUntil(lambda: app.settings_dialog is None)
    # The test's data directory is not the default one, so the login item names it.
    assert exec_line(autostart_file).endswith(f" --data-dir {datadir.root} --minimized")
    if shutil.which("desktop-file-validate"):
        subprocess.run(["desktop-file-validate", str(autostart_file)], check=True)

    dialog = opened(app, qtbot)
    assert dialog.autostart.isChecked()  # read back from the file
    dialog.autostart.setChecked(False)
    press_ok(dialog)
    qtbot.waitUntil(lambda: app.settings_dialog is None)
    assert not autostart_file.exists()
    assert list(autostart_file.parent.iterdir()) == []


def test_the_file_is_the_truth_and_cancel_changes_nothing(
    make_controller: MakeController, qtbot: QtBot, autostart_file: Path
) -> None:
    autostart_file.parent.mkdir(parents=True)
    autostart_file.write_text("[Desktop Entry]\nType=Application\nName=x\nExec=x --minimized\n")
    app = make_controller()
    dialog = opened(app, qtbot)
    assert dialog.autostart.isChecked()  # found, though QSettings never heard of it
    dialog.autostart.setChecked(False)
    dialog.reject()
    assert autostart_file.exists()
    autostart_file.write_text(autostart_file.read_text() + "Hidden=true\n")  # the desktop's off
    dialog = opened(app, qtbot)
    assert not dialog.autostart.isChecked()


def test_a_failure_to_write_is_shown_and_keeps_the_dialog_open(
    make_controller: MakeController,
    qtbot: QtBot,
    autostart_file: Path,
    datadir: DataDir,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    offers: list[str] = []
    monkeypatch.setattr(prompts, "confirm", lambda _p, title, _t, _l: offers.append(title))
    autostart_file.parent.parent.mkdir(parents=True)
    autostart_file.parent.write_text("")  # a file where the folder should be (root ignores chmod)
    app = make_controller()
    dialog = opened(app, qtbot)
    settings = datadir.server_settings_file
    settings_before = settings.read_text(encoding="utf-8")
    dialog.autostart.setChecked(True)
    port = dialog.port.value() + 1
    dialog.port.setValue(port)
    press_ok(dialog)
    qtbot.waitUntil(lambda: not dialog.load_error.isHidden())
    assert dialog.isVisible() and dialog.buttons.isEnabled()
    assert dialog.tabs.currentIndex() == DESKTOP_TAB
    assert dialog.load_error.text().startswith("Cannot change whether the app starts at login: ")
    assert str(autostart_file.parent) in dialog.load_error.text()
    # Nothing else was saved either: OK again once the problem is fixed saves everything.
    assert settings.read_text(encoding="utf-8") == settings_before
    autostart_file.parent.unlink()
    press_ok(dialog)
    qtbot.waitUntil(lambda: app.settings_dialog is None)
    assert autostart_file.exists()
    assert json.loads(settings.read_text(encoding="utf-8"))["serverPort"] == port
    qtbot.waitUntil(lambda: offers == ["Restart the server?"])  # the port needs a restart


class UnreadableAutostart:
    location = "HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run"

    def is_enabled(self) -> bool:
        raise PermissionError(5, "Access is denied")

    def enable(self, command: Sequence[str]) -> None:
        raise AssertionError("not to be called")

    def disable(self) -> None:
        raise AssertionError("not to be called")


def test_a_state_that_cannot_be_read_is_shown_and_left_alone(
    make_controller: MakeController, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(autostart_setting, "default_autostart", UnreadableAutostart)
    app = make_controller()
    dialog = opened(app, qtbot)
    assert not dialog.autostart.isEnabled()
    assert not dialog.load_error.isHidden()
    assert "Access is denied" in dialog.load_error.text()
    press_ok(dialog)  # saves the rest; the login item is not touched
    qtbot.waitUntil(lambda: app.settings_dialog is None)


def test_the_check_box_is_translated(
    make_controller: MakeController, qtbot: QtBot, autostart_file: Path
) -> None:
    app = make_controller()
    translators = install_translators("zh_CN")
    try:
        dialog = opened(app, qtbot)
        assert dialog.autostart.text() == "登录时启动（最小化到托盘）"
        assert dialog.autostart.toolTip() == f"保存在 {autostart_file}"
    finally:
        remove_translators(translators)
