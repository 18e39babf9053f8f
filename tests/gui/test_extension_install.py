"""SillyTavern menu: the install dialog (folder remembered, this server's URL prefilled), its
result and error boxes, and the status box; in both languages."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.gui import prompts
from newage_desktop.gui.controller import AppController
from newage_desktop.gui.extension_install import (
    InstallExtensionDialog,
    extension_server_url,
    url_for_extension,
)
from newage_desktop.gui.preferences import Preferences
from newage_desktop.sillytavern import installer

MakeController = Callable[..., AppController]
Boxes = list[tuple[str, str, str]]  # (kind, title, text)

VERSION = installer.read_version(installer.bundled_extension_dir())


@pytest.fixture
def sillytavern(tmp_path: Path) -> Path:
    folder = tmp_path / "SillyTavern"
    folder.mkdir()
    (folder / "package.json").write_text(json.dumps({"name": "sillytavern", "version": "1.13.0"}))
    return folder


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> Boxes:
    """Message boxes the code showed, instead of showing them."""
    shown: Boxes = []
    for kind in ("information", "error"):

        def record(_parent: Any, title: str, text: str, kind: str = kind) -> None:
            shown.append((kind, title, text))

        monkeypatch.setattr(prompts, kind, record)
    return shown


def extension_folder(sillytavern: Path) -> Path:
    return sillytavern / "data" / "default-user" / "extensions" / "newage-desktop"


def test_the_sillytavern_menu(make_controller: MakeController) -> None:
    app = make_controller(start=False)
    menu = app.window.sillytavern_menu
    assert menu.title() == "S&illyTavern"
    titles = [m.title() for m in (a.menu() for a in app.window.menuBar().actions()) if m]
    assert titles == ["&File", "&Server", "S&illyTavern", "&View", "&Help"]
    assert [a.text() for a in menu.actions()] == ["Install extension…", "Extension status…"]


def test_install_from_the_menu_with_this_servers_url(
    make_controller: MakeController, qtbot: QtBot, sillytavern: Path, boxes: Boxes
) -> None:
    app = make_controller()
    app.actions.install_extension.trigger()
    dialog = app.install_dialog
    assert isinstance(dialog, InstallExtensionDialog) and dialog.isVisible()
    assert dialog.server_url.text() == app.bridge.url  # http://127.0.0.1:<its port>
    assert dialog.user.currentText() == "default-user"
    assert dialog.folder.text() == "" and not dialog.install_button.isEnabled()
    assert dialog.plan.text() == "Choose the folder SillyTavern is installed in."

    dialog.folder.setText(str(sillytavern))
    assert dialog.install_button.isEnabled()
    assert dialog.plan.text() == (
        f"SillyTavern found. Install copies version {VERSION} to:\n{extension_folder(sillytavern)}"
    )
    dialog.install_button.click()
    qtbot.waitUntil(lambda: app.install_dialog is None)  # closed and deleted
    assert dialog.outcome is not None and dialog.outcome.action == "installed"
    defaults = json.loads((extension_folder(sillytavern) / "defaults.json").read_text())
    assert defaults == {"serverUrl": app.bridge.url}
    [(kind, title, text)] = boxes
    assert (kind, title) == ("information", "SillyTavern extension installed")
    assert text.splitlines() == [
        f"The NewAge Desktop extension {VERSION} is installed in:",
        str(extension_folder(sillytavern)),
        "",
        f"It connects to {app.bridge.url} by default.",
        "",
        "SillyTavern had no folder for user default-user yet: it has not been started with this "
        "folder, or the user has another name.",
        "",
        "Next: start SillyTavern (or reload its page), open Extensions → NewAge Desktop, then "
        "approve the pairing request in the Keys dock.",
    ]
    assert Preferences().sillytavern_folder == str(sillytavern)

    # The folder is remembered; installing again says so.
    again = app.install_extension()
    assert again.folder.text() == str(sillytavern)
    assert again.plan.text().startswith(f"Version {VERSION} is installed; Install copies it again")
    again.reject()


def test_browse_picks_the_folder_and_bad_input_disables_install(
    make_controller: MakeController,
    sillytavern: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_controller(start=False)
    dialog = app.install_extension()
    asked: list[str] = []

    def choose(_parent: Any, title: str, start: str) -> str:
        asked.append(start)
        return str(tmp_path)

    monkeypatch.setattr(prompts, "choose_folder", choose)
    dialog.browse_button.click()
    assert asked == [str(Path.home())] and dialog.folder.text() == str(tmp_path)
    assert not dialog.install_button.isEnabled()
    assert dialog.plan.text() == (
        f"{tmp_path} is not a SillyTavern folder (no package.json of sillytavern). "
        f"Did you mean {sillytavern}?"
    )
    (tmp_path / "notes.txt").write_text("not a folder")
    dialog.folder.setText(str(tmp_path / "notes.txt"))
    assert dialog.plan.text() == f"{tmp_path / 'notes.txt'} is not a folder."
    dialog.folder.setText(str(sillytavern))
    assert dialog.install_button.isEnabled()
    dialog.server_url.setText("localhost:4000")
    assert not dialog.install_button.isEnabled() and "Invalid server URL" in dialog.plan.text()
    dialog.server_url.setText("")  # the extension's own default
    assert dialog.install_button.isEnabled()
    dialog.user.setCurrentText("../x")
    assert not dialog.install_button.isEnabled()
    assert "Invalid SillyTavern user" in dialog.plan.text()
    dialog.reject()


def test_users_of_a_multi_user_sillytavern_are_offered(
    make_controller: MakeController, sillytavern: Path, boxes: Boxes
) -> None:
    for user in ("default-user", "alice"):
        (sillytavern / "data" / user).mkdir(parents=True)
        (sillytavern / "data" / user / "settings.json").write_text("{}")
    app = make_controller(start=False)
    dialog = app.install_extension()
    dialog.folder.setText(str(sillytavern))
    assert [dialog.user.itemText(i) for i in range(dialog.user.count())] == [
        "alice",
        "default-user",
    ]
    assert dialog.user.currentText() == "default-user"
    dialog.user.setCurrentText("alice")
    dialog.server_url.clear()
    dialog.install()
    result = dialog.outcome
    assert result is not None and result.path.parent.parent.name == "alice"
    assert json.loads((result.path / "defaults.json").read_text()) == {}
    assert "had no folder" not in boxes[0][2] and "connects to" not in boxes[0][2]
    assert Preferences().sillytavern_user == "alice"


def test_a_failed_install_is_shown_and_the_dialog_stays(
    make_controller: MakeController,
    sillytavern: Path,
    boxes: Boxes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_controller(start=False)
    dialog = app.install_extension()
    dialog.folder.setText(str(sillytavern))

    def fail(*_args: Any, **_kwargs: Any) -> None:
        raise installer.InstallError(
            "io", "…", path=extension_folder(sillytavern), detail="No space left on device"
        )

    monkeypatch.setattr(installer, "install", fail)
    dialog.install()
    assert boxes == [
        (
            "error",
            "The extension was not installed",
            f"Cannot install into {extension_folder(sillytavern)}: No space left on device",
        )
    ]
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert Preferences().sillytavern_folder == ""
    dialog.reject()


def test_extension_status(
    make_controller: MakeController,
    sillytavern: Path,
    boxes: Boxes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_controller(start=False)
    monkeypatch.setattr(prompts, "choose_folder", lambda *_a: "")
    app.actions.extension_status.trigger()  # no folder yet, and the chooser was cancelled
    assert boxes == []
    monkeypatch.setattr(prompts, "choose_folder", lambda *_a: str(sillytavern))
    app.actions.extension_status.trigger()
    [(kind, title, text)] = boxes
    assert (kind, title) == ("information", "SillyTavern extension")
    assert text.splitlines() == [
        f"SillyTavern folder: {sillytavern}",
        "SillyTavern user: default-user",
        f"Extension folder: {extension_folder(sillytavern)}",
        "",
        "Installed: not installed",
        f"Bundled with NewAge Desktop: {VERSION}",
        "",
        "SillyTavern → Install extension… installs the bundled version.",
    ]
    assert Preferences().sillytavern_folder == str(sillytavern)  # remembered
    installer.install(sillytavern, server_url="http://127.0.0.1:4100")
    boxes.clear()
    app.actions.extension_status.trigger()  # the remembered folder: no chooser
    assert boxes[0][2].splitlines()[4:] == [
        f"Installed: version {VERSION}",
        f"Bundled with NewAge Desktop: {VERSION}",
        "Update available: no",
        "Default server URL: http://127.0.0.1:4100",
    ]
    Preferences().sillytavern_folder = str(sillytavern / "gone")
    boxes.clear()
    app.actions.extension_status.trigger()
    assert boxes == [
        ("error", "SillyTavern extension", f"The folder {sillytavern / 'gone'} does not exist.")
    ]


def test_the_dialog_in_chinese(
    make_controller: MakeController, qtbot: QtBot, sillytavern: Path
) -> None:
    app = make_controller(start=False)
    try:
        app.set_language("zh_CN")
        qtbot.waitUntil(lambda: app.window.sillytavern_menu.title() == "SillyTavern(&I)")
        assert app.actions.install_extension.text() == "安装扩展…"
        assert app.actions.extension_status.text() == "扩展状态…"
        window = app.window
        assert window.clients.empty.hint.text() == "服务器未运行：选择 服务器 → 启动服务器。"
        assert window.chat.empty.hint.text().startswith("没有已连接的 SillyTavern。")
        dialog = app.install_extension()
        assert dialog.windowTitle() == "安装 SillyTavern 扩展"
        assert dialog.install_button.text() == "安装"
        dialog.folder.setText(str(sillytavern / "nowhere"))
        assert dialog.plan.text() == f"文件夹 {sillytavern / 'nowhere'} 不存在。"
        dialog.reject()
    finally:
        app.set_language("en")


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 4000, "http://127.0.0.1:4000"),
        ("0.0.0.0", 4100, "http://127.0.0.1:4100"),
        ("::", 4000, "http://[::1]:4000"),
        ("fe80::1", 4000, "http://[fe80::1]:4000"),
        ("192.168.1.5", 4000, "http://192.168.1.5:4000"),
    ],
)
def test_the_url_the_extension_should_use(host: str, port: int, url: str) -> None:
    assert url_for_extension(host, port) == url


def test_the_url_while_the_server_is_stopped(datadir: DataDir) -> None:
    assert extension_server_url("http://0.0.0.0:4321", datadir, None, None) == (
        "http://127.0.0.1:4321"
    )
    assert extension_server_url("", datadir, None, None) == "http://127.0.0.1:4000"  # no file
    datadir.server_settings_file.write_text(json.dumps({"serverPort": 4555}))
    assert extension_server_url("", datadir, None, None) == "http://127.0.0.1:4555"
    assert extension_server_url("", datadir, "0.0.0.0", 4666) == "http://127.0.0.1:4666"
