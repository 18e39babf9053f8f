#!/usr/bin/env python3
"""Render the main window and the settings dialog offscreen, in both languages.

    .venv/bin/python scripts/screenshots.py [OUT_DIR]      (default docs/screenshots)

A throw-away data directory and QSettings store are used. First the window as a new user sees
it (no client yet: the docks explain how to connect SillyTavern), the SillyTavern menu, and the
extension's install dialog and result box (into a throw-away SillyTavern folder); then a few real
clients connect (an emulated SillyTavern extension that streams an answer, a bot, a pending
pairing request) so the pictures show a server at work. Chinese needs a CJK font (Debian:
fonts-noto-cjk).
Then Help → About and the box an unexpected error shows.
Each dock on its own: scripts/screenshots_docks.py.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import threading
import traceback
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import qasync  # noqa: E402
import socketio  # noqa: E402
from PySide6.QtCore import QCoreApplication, QSettings  # noqa: E402
from PySide6.QtGui import QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget  # noqa: E402

from newage_desktop.client import NewAgeClient  # noqa: E402
from newage_desktop.core.store.datadir import DataDir  # noqa: E402
from newage_desktop.gui import prompts  # noqa: E402
from newage_desktop.gui.controller import AppController  # noqa: E402
from newage_desktop.gui.crash_dialog import crash_box, summary_of  # noqa: E402
from newage_desktop.gui.preferences import Preferences  # noqa: E402
from newage_desktop.runtime import ServerRuntime  # noqa: E402
from tests.server.emulated import EmulatedExtension  # noqa: E402

ANSWER = (
    "The lighthouse keeper climbed the spiral stairs one last time, counting each step "
    "as the storm rolled in from the west."
)


class ClientLoop:
    """The demo clients run on a loop of their own, like separate programs would."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)


async def wait_for(condition: Any, timeout: float = 10) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    print(f"warning: condition not met: {condition}", file=sys.stderr)


async def populate(app: AppController, clients: ClientLoop) -> None:
    url = app.bridge.url
    keys: dict[str, str] = {}
    for client_id, desc in (
        ("sillytavern-main", "SillyTavern (desktop PC)"),
        ("discord-bot", "Discord bot"),
    ):

        async def trust(core: Any, cid: str = client_id, d: str = desc) -> str:
            await core.trust_client(cid, client_type=None, desc=d)
            key: str = await core.generate_key(cid)
            return key

        keys[client_id] = await app.bridge.call(trust)

    async def trust_only(core: Any) -> None:
        await core.trust_client("web-ui", client_type=None, desc="Web front end")

    await app.bridge.call(trust_only)
    extension = EmulatedExtension(
        url, "sillytavern-main", keys["sillytavern-main"], tokens=[w + " " for w in ANSWER.split()],
        batch=4, delay=0.02,
    )  # fmt: skip
    clients.run(extension.connect())
    bot = NewAgeClient(url, client_id="discord-bot", key=keys["discord-bot"], desc="Discord bot")
    clients.run(bot.connect())
    pairing = socketio.AsyncClient(reconnection=False)
    auth = {"clientId": "phone-app", "key": "getKey", "clientType": "client", "desc": "Phone"}
    clients.run(pairing.connect(url, namespaces=["/auth"], auth=auth, transports=["websocket"]))

    def make_room(core: Any) -> None:
        core.rooms.create_room("Tavern night", creator=None)
        core.rooms.add_client("Tavern night", "sillytavern-main")

    await app.bridge.call(make_room)
    chat = app.window.chat
    await wait_for(lambda: chat.extension_combo.count() > 0 and chat.room_combo.count() > 0)
    chat.room_combo.setCurrentIndex(max(0, chat.room_combo.findText("Tavern night")))
    chat.prompt.setPlainText("Tell me a two-line story about a lighthouse.")
    chat.send()
    await wait_for(lambda: len(extension.requests) > 0)
    await asyncio.sleep(1.5)  # the answer streams in
    chat.prompt.setPlainText("Now make it rhyme.")


def save(widget: QWidget, path: Path) -> None:
    widget.grab().save(str(path))
    print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


async def shoot_new_user(app: AppController, out: Path, lang: str, sillytavern: Path) -> None:
    """The empty docks' hints, the SillyTavern menu, the install dialog and its result."""
    window = app.window
    await asyncio.sleep(0.3)
    save(window, out / f"main_empty_{lang}.png")

    bar = window.menuBar()
    bar.setActiveAction(window.sillytavern_menu.menuAction())  # opens the menu
    await asyncio.sleep(0.3)
    menu = window.sillytavern_menu
    shot = window.grab()
    painter = QPainter(shot)
    painter.drawPixmap(window.mapFromGlobal(menu.pos()), menu.grab())
    painter.end()
    path = out / f"menu_sillytavern_{lang}.png"
    shot.save(str(path))
    print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    menu.hide()
    bar.setActiveAction(None)  # type: ignore[arg-type]

    dialog = app.install_extension()
    dialog.folder.setText(str(sillytavern))
    await asyncio.sleep(0.3)
    save(dialog, out / f"install_extension_{lang}.png")
    boxes: list[QMessageBox] = []

    def keep_open(parent: QWidget | None, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, title, text)
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        boxes.append(box)

    information = prompts.information
    prompts.information = keep_open
    try:
        dialog.install()
    finally:
        prompts.information = information
    for box in boxes:
        box.show()
        await asyncio.sleep(0.3)
        save(box, out / f"install_result_{lang}.png")
        box.close()
    shutil.rmtree(sillytavern / "data")  # the next language installs afresh


async def shoot(app: AppController, out: Path, lang: str) -> None:
    window = app.window
    await asyncio.sleep(1.2)  # a stats sample or two, the status bar's uptime
    save(window, out / f"main_{lang}.png")
    dialog = app.open_settings()
    await wait_for(dialog.ok_button.isEnabled)
    dialog.host.setCurrentText("0.0.0.0")  # show the LAN warning
    for index, name in enumerate(("server", "security", "desktop")):
        dialog.tabs.setCurrentIndex(index)
        if name == "security":
            dialog.network_safe.setChecked(True)  # show its warning (never saved)
        await asyncio.sleep(0.1)
        suffix = "" if name == "server" else f"_{name}"
        save(dialog, out / f"settings{suffix}_{lang}.png")
    if lang == "en":  # the allowed origins with a LAN page added (README: another machine)
        dialog.tabs.setCurrentIndex(0)
        dialog.origins.entry.setText("http://192.168.1.20:8000")
        dialog.origins.add_entry()
        await asyncio.sleep(0.1)
        save(dialog, out / "settings-origins.png")
    dialog.reject()
    await asyncio.sleep(0.1)
    await shoot_help(app, out, lang)


def sample_failure() -> KeyError:
    """A real exception with a traceback, as a slot would raise it."""

    def on_row_selected(rows: dict[str, int]) -> int:
        return rows["sillytavern-main"]

    try:
        on_row_selected({})
    except KeyError as exc:
        return exc
    raise AssertionError("unreachable")


async def shoot_help(app: AppController, out: Path, lang: str) -> None:
    """Help → About, and the box an unexpected error brings up."""
    about = app.about()
    await asyncio.sleep(0.3)
    save(about, out / f"about_{lang}.png")
    about.close()
    exc = sample_failure()
    details = "".join(traceback.format_exception(exc))
    box = crash_box(summary_of(exc), details, app.runtime.datadir.logs_dir)
    box.show()
    await asyncio.sleep(0.3)
    save(box, out / f"crash_dialog_{lang}.png")
    box.close()


async def main(out: Path) -> None:
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    data = DataDir(Path(tempfile.mkdtemp(prefix="newage-shots-")) / "data")
    app = AppController(ServerRuntime(data, host="127.0.0.1", port=0), Preferences())
    app.window.resize(1280, 800)
    app.show_window()
    clients = ClientLoop()
    sillytavern = Path(tempfile.mkdtemp(prefix="newage-shots-")) / "SillyTavern"
    sillytavern.mkdir()
    (sillytavern / "package.json").write_text('{"name": "sillytavern", "version": "1.13.0"}')
    try:
        assert await app.start_server()
        await shoot_new_user(app, out, "en", sillytavern)
        app.set_language("zh_CN")
        await asyncio.sleep(0.2)
        await shoot_new_user(app, out, "zh_CN", sillytavern)
        app.set_language("en")
        await asyncio.sleep(0.2)
        await populate(app, clients)
        await shoot(app, out, "en")
        app.set_language("zh_CN")
        await asyncio.sleep(0.2)
        await shoot(app, out, "zh_CN")
    finally:
        app.quit()


if __name__ == "__main__":
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out_dir.mkdir(parents=True, exist_ok=True)
    settings_dir = tempfile.mkdtemp(prefix="newage-qsettings-")
    # Settings → Desktop reads "Start at login" from $XDG_CONFIG_HOME/autostart: a new user's.
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="newage-xdg-")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)
    QCoreApplication.setOrganizationName("NewAgeScreenshots")
    application = QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(application)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(main(out_dir))
