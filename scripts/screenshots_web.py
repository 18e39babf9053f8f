#!/usr/bin/env python3
"""Render the web monitor page in Chromium, connected with a streamed answer visible.

    .venv/bin/python scripts/screenshots_web.py [OUT_DIR]

Writes OUT_DIR/monitor_en.png and monitor_zh.png (default docs/screenshots), from a throw-away
data directory with a server in this process and an emulated SillyTavern extension.
"""

from __future__ import annotations

import socket
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from newage_desktop.core.llm.desktop import desktop_socket  # noqa: E402
from newage_desktop.core.store.datadir import DataDir  # noqa: E402
from newage_desktop.runtime import ServerRuntime  # noqa: E402
from tests.server.conftest import provision  # noqa: E402
from tests.server.emulated import EmulatedExtension  # noqa: E402

TOKENS = ["Bonjour", "! ", "The relay", " streams", " every", " token", " as it", " comes."]


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        datadir = DataDir(Path(tmp) / "data")
        keys = {
            cid: provision(datadir, cid, monitor=cid == "operator") for cid in ("st", "operator")
        }
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        runtime = ServerRuntime(datadir, host="127.0.0.1", port=port)
        url = runtime.start().result(30)

        async def connect() -> EmulatedExtension:
            ext = EmulatedExtension(url, "st", str(keys["st"]), tokens=TOKENS, batch=2)
            await ext.connect()
            return ext

        ext = runtime.call(connect)

        async def room(core: object) -> None:
            c = core  # type: ignore[assignment]
            await c.deliver(c.rooms.create_room("lobby", creator=None))  # type: ignore[attr-defined]
            await c.deliver(c.rooms.add_client("lobby", "operator", "master"))  # type: ignore[attr-defined]
            await c.set_room_mode(desktop_socket(c), "lobby", "HostSubmit")  # type: ignore[arg-type, attr-defined]

        runtime.core_call(room).result(15)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
                )
                for lang, name in (("en", "monitor_en.png"), ("zh-CN", "monitor_zh.png")):
                    context = browser.new_context(
                        viewport={"width": 1280, "height": 800}, locale=lang
                    )
                    page = context.new_page()
                    page.goto(url + "/")
                    page.fill("#client-id", "operator")
                    page.fill("#key", str(keys["operator"]))
                    page.check("#admin")
                    page.click("#connect")
                    page.wait_for_function(
                        "document.querySelector('#status-text').textContent.includes('operator')"
                    )
                    page.wait_for_selector("#rooms >> text=lobby")
                    page.click("#rooms >> text=lobby")
                    page.fill("#prompt", "Say hello to the room")
                    page.click("#send")
                    page.wait_for_function(
                        "document.querySelector('#messages').textContent.includes('as it comes.')"
                    )
                    page.wait_for_timeout(500)
                    page.screenshot(path=str(out / name))
                    print(out / name)
                    context.close()
                browser.close()
        finally:
            runtime.call(ext.close)
            runtime.close()


if __name__ == "__main__":
    main()
