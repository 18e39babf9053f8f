#!/usr/bin/env python3
"""Render each of the six docks on its own, offscreen, with a server at work behind it.

    .venv/bin/python scripts/screenshots_docks.py [--lang en|zh_CN] [OUT_DIR]

Writes OUT_DIR/dock_<name>_<lang>.png (default docs/screenshots). A throw-away data directory
is used; real clients connect from a loop of their own (an emulated SillyTavern extension, a
bot that keeps asking it things, an admin monitor, a pending pairing request), so the plots
have about half a minute of traffic. Chinese needs a CJK font (Debian: fonts-noto-cjk).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import openai  # noqa: E402
import qasync  # noqa: E402
import socketio  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from newage_desktop.client import NewAgeClient  # noqa: E402
from newage_desktop.core.app import Core  # noqa: E402
from newage_desktop.core.store.datadir import DataDir  # noqa: E402
from newage_desktop.core.store.logs import LOGGER_NAME  # noqa: E402
from newage_desktop.gui.bridge import CoreBridge  # noqa: E402
from newage_desktop.gui.docks.base import DockBase, call_async  # noqa: E402
from newage_desktop.gui.docks.chat import ChatDock  # noqa: E402
from newage_desktop.gui.docks.clients import ClientsDock  # noqa: E402
from newage_desktop.gui.docks.keys import KeysDock  # noqa: E402
from newage_desktop.gui.docks.log import LogDock  # noqa: E402
from newage_desktop.gui.docks.rooms import RoomsDock  # noqa: E402
from newage_desktop.gui.docks.stats import StatsDock  # noqa: E402
from newage_desktop.gui.resources import install_translators  # noqa: E402
from newage_desktop.runtime import ServerRuntime  # noqa: E402
from tests.server.emulated import EmulatedExtension  # noqa: E402

STORY_TEXT = (
    "The lighthouse keeper climbed the spiral stairs one last time, counting each step as the "
    "storm rolled in from the west. At the top, the lamp was already lit — by someone else."
)
TRAFFIC_SECONDS = 30


class ClientLoop:
    """The demo clients run on a loop of their own, like separate programs would."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        asyncio.run_coroutine_threadsafe(coro, self.loop)


async def wait_for(condition: Any, timeout: float = 10) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    print(f"warning: condition not met: {condition}", file=sys.stderr)


async def trust(bridge: CoreBridge, client_id: str, desc: str, *, monitor: bool = False) -> str:
    async def run(core: Core) -> str:
        kind = "monitor" if monitor else None
        await core.trust_client(client_id, client_type=kind, desc=desc)
        return await core.generate_key(client_id)

    return await call_async(bridge, run)


async def bot_traffic(bot: NewAgeClient, seconds: float) -> None:
    """The bot keeps the extension busy, so the plots show tokens and events."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while loop.time() < end:
        try:
            reply = await bot.request("Another line, please.", target="sillytavern-main")
            await reply.text()
        except Exception as exc:
            print(f"bot: {exc}", file=sys.stderr)
        await asyncio.sleep(1.5 + (loop.time() % 1.0))


async def api_traffic(base_url: str, api_key: str, seconds: float) -> None:
    """An OpenAI client streams answers too, so the Statistics dock shows the API curve."""
    api = openai.AsyncOpenAI(base_url=base_url, api_key=api_key, max_retries=0)
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while loop.time() < end:
        try:
            stream = await api.chat.completions.create(
                model="sillytavern-main",
                messages=[{"role": "user", "content": "One more, please."}],
                stream=True,
            )
            async for _chunk in stream:
                pass
        except Exception as exc:
            print(f"api client: {exc}", file=sys.stderr)
        await asyncio.sleep(2.0)


async def populate(bridge: CoreBridge, docks: dict[str, DockBase], clients: ClientLoop) -> None:
    server = bridge.runtime.server
    assert server is not None
    url = server.url
    st_key = await trust(bridge, "sillytavern-main", "SillyTavern (desktop PC)")
    bot_key = await trust(bridge, "discord-bot", "Discord bot")
    admin_key = await trust(bridge, "monitor", "Admin page", monitor=True)

    async def trust_only(core: Core) -> None:
        await core.trust_client("web-ui", desc="Web front end (no key yet)")

    await call_async(bridge, trust_only)
    extension = EmulatedExtension(
        url, "sillytavern-main", st_key, tokens=[w + " " for w in STORY_TEXT.split(" ")],
        batch=4, delay=0.04,
    )  # fmt: skip
    clients.run(extension.connect())
    bot = NewAgeClient(url, client_id="discord-bot", key=bot_key, desc="Discord bot")
    clients.run(bot.connect())
    admin = NewAgeClient(
        url, client_id="monitor", key=admin_key, client_type="monitor", desc="Admin page",
        namespaces=["/clients", "/rooms", "/debug"],
    )  # fmt: skip
    clients.run(admin.connect())
    intruder = NewAgeClient(url, client_id="intruder", key="not-a-key", namespaces=["/auth"])
    try:
        clients.run(intruder.connect())
    except Exception as exc:  # refused, and logged as a warning
        print(f"intruder refused: {exc}")
    pairing = socketio.AsyncClient(reconnection=False)
    auth = {"clientId": "phone-app", "key": "getKey", "clientType": "client", "desc": "Phone"}
    clients.run(pairing.connect(url, namespaces=["/auth"], auth=auth, transports=["websocket"]))

    async def make_rooms(core: Core) -> None:
        for result in (
            core.rooms.create_room("Tavern night", creator=None),
            core.rooms.add_client("Tavern night", "discord-bot", "master"),
            core.rooms.add_client("Tavern night", "sillytavern-main", "manager"),
            core.rooms.add_client("Tavern night", "guest-reader", "guest"),
            core.rooms.create_room("Lobby", creator=None),
        ):
            await core.deliver(result)

    await call_async(bridge, make_rooms)
    clients.spawn(bot_traffic(bot, TRAFFIC_SECONDS))
    api_key = await trust(bridge, "notes-app", "Notes app (OpenAI API)")
    clients.spawn(api_traffic(f"{url}/v1", f"notes-app:{api_key}", TRAFFIC_SECONDS))

    chat = docks["chat"]
    assert isinstance(chat, ChatDock)
    await wait_for(lambda: chat.room_combo.findData("Tavern night") >= 0)
    chat.room_combo.setCurrentIndex(chat.room_combo.findData("Tavern night"))
    chat.prompt.setPlainText("Tell me a two-line story about a lighthouse.")
    chat.send()
    await wait_for(lambda: len(extension.requests) > 0)
    rooms = docks["rooms"]
    assert isinstance(rooms, RoomsDock)
    rooms.select("Tavern night", "discord-bot")


def save(dock: DockBase, path: Path) -> None:
    dock.grab().save(str(path))
    print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


async def main(out: Path, lang: str) -> None:
    logging.getLogger(LOGGER_NAME).setLevel(logging.INFO)
    translators = install_translators(lang)
    data = DataDir(Path(tempfile.mkdtemp(prefix="newage-dock-shots-")) / "data")
    runtime = ServerRuntime(data, host="127.0.0.1", port=0)
    bridge = CoreBridge(runtime)
    clients = ClientLoop()
    try:
        await bridge.start_server()
        docks: dict[str, DockBase] = {
            "clients": ClientsDock(bridge),
            "rooms": RoomsDock(bridge),
            "keys": KeysDock(bridge),
            "chat": ChatDock(bridge),
            "log": LogDock(bridge),
            "stats": StatsDock(bridge),
        }
        sizes = {"chat": (760, 620), "stats": (760, 620), "log": (900, 480), "clients": (1000, 420)}
        for name, dock in docks.items():
            dock.resize(*sizes.get(name, (900, 420)))
            dock.show()
        await populate(bridge, docks, clients)
        await asyncio.sleep(TRAFFIC_SECONDS + 1)
        chat = docks["chat"]
        assert isinstance(chat, ChatDock)
        chat.prompt.setPlainText("Now make it rhyme.")
        chat.send()
        await asyncio.sleep(0.5)  # caught while streaming
        keys = docks["keys"]
        assert isinstance(keys, KeysDock)
        keys.pending_view.selectRow(0)
        for name, dock in docks.items():
            save(dock, out / f"dock_{name}_{lang}.png")
        # A new key as the window shows it once, with the OpenAI base URL and API key.
        keys.show_key("notes-app", "3f2a9c1e-7b4d-4e8a-9f61-2d5c8b0a7e13")
        dialog = keys.key_dialog
        assert dialog is not None
        dialog.reveal()
        await asyncio.sleep(0.2)
        dialog.grab().save(str(out / f"key_dialog_{lang}.png"))
        print(out / f"key_dialog_{lang}.png")
        dialog.reject()
    finally:
        for translator in translators:
            QApplication.removeTranslator(translator)
        await bridge.stop_server()
        bridge.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--lang", default="en", choices=("en", "zh_CN"))
    parser.add_argument("out", nargs="?", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    application = QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(application)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(main(args.out, args.lang))
