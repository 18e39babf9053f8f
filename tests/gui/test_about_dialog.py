"""Help → About shows what the build is made of and where its files are, and copies it."""

from __future__ import annotations

import importlib.metadata
import platform
import tomllib
from collections.abc import Callable
from pathlib import Path

import PySide6
import pytest
from PySide6.QtCore import QUrl, qVersion
from PySide6.QtGui import QDesktopServices, QGuiApplication
from pytestqt.qtbot import QtBot

from newage_desktop import __version__
from newage_desktop.core.store.datadir import DataDir
from newage_desktop.gui.about_dialog import LICENSE, AboutDialog, library_version
from newage_desktop.gui.controller import AppController
from newage_desktop.gui.resources import install_translators, remove_translators

ROOT = Path(__file__).resolve().parents[2]


def test_help_about_opens_the_dialog_with_the_versions_and_folders(
    make_controller: Callable[..., AppController], datadir: DataDir, qtbot: QtBot
) -> None:
    app = make_controller(start=False)
    assert app.actions.about in app.window.help_menu.actions()
    app.actions.about.trigger()
    dialog = app.about_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert not dialog.isModal()
    expected = {
        "NewAge Desktop": __version__,
        "Python": platform.python_version(),
        "Qt": qVersion(),
        "PySide6": PySide6.__version__,
        "python-socketio": importlib.metadata.version("python-socketio"),
        "python-engineio": importlib.metadata.version("python-engineio"),
        "aiohttp": importlib.metadata.version("aiohttp"),
    }
    assert {name: label.text() for name, label in dialog.versions.items()} == expected
    assert dialog.data_folder.text() == str(datadir.root)
    assert dialog.log_folder.text() == str(datadir.logs_dir)
    assert dialog.data_folder.isReadOnly() and dialog.log_folder.isReadOnly()
    assert "Licence: MIT" in dialog.license.text()
    app.actions.about.trigger()
    assert app.about_dialog is dialog  # one dialog, raised again


def test_copy_puts_the_versions_and_folders_on_the_clipboard_as_text(
    datadir: DataDir, qtbot: QtBot
) -> None:
    dialog = AboutDialog(datadir)
    qtbot.addWidget(dialog)
    QGuiApplication.clipboard().setText("")
    dialog.copy_button.click()
    lines = QGuiApplication.clipboard().text().splitlines()
    assert lines[0] == f"NewAge Desktop {__version__}"
    for name, label in dialog.versions.items():
        assert f"{name} {label.text()}" in lines
    assert f"Data folder: {datadir.root}" in lines
    assert f"Log folder: {datadir.logs_dir}" in lines
    assert f"Operating system: {platform.platform()}" in lines
    assert dialog.copy_button.text() == "Copied"


def test_the_open_buttons_open_the_folders(
    datadir: DataDir, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(opened.append))
    dialog = AboutDialog(datadir)
    qtbot.addWidget(dialog)
    dialog.open_data.click()
    dialog.open_logs.click()
    assert opened == [
        QUrl.fromLocalFile(str(datadir.root)),
        QUrl.fromLocalFile(str(datadir.logs_dir)),
    ]


def test_a_library_without_metadata_is_unknown() -> None:
    assert library_version("no-such-distribution-newage") == "unknown"


def test_the_licence_shown_is_the_one_pyproject_declares() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == LICENSE


def test_the_dialog_speaks_chinese(datadir: DataDir, qtbot: QtBot) -> None:
    translators = install_translators("zh_CN")
    try:
        dialog = AboutDialog(datadir)
        qtbot.addWidget(dialog)
        assert dialog.windowTitle() == "关于 NewAge Desktop"
        assert dialog.license.text() == "许可证：MIT"
        assert dialog.folders_box.title() == "文件夹"
        assert dialog.copy_button.text() == "复制版本信息"
    finally:
        remove_translators(translators)
