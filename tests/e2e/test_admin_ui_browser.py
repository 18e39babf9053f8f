"""The Socket.IO Admin UI as an operator uses it: served by the relay at /admin-ui/, logged in
through its connection modal in Chromium, listing a relay client on its Sockets page."""

from __future__ import annotations

import asyncio
import re
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import bcrypt
import pytest
import socketio

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "interop"))

from browser_support import VIEWPORT
from interop_support import Creds, NewAgeServer

from newage_desktop.transport import admin_ui

if TYPE_CHECKING:
    from playwright.sync_api import Browser

PASSWORD = "e2e admin password"

pytestmark = pytest.mark.skipif(
    not admin_ui.is_built(), reason="the Admin UI is not built: run scripts/build_admin_ui.sh"
)


class RelayClient:
    """A python-socketio client on `/`, connected from its own thread and loop until closed."""

    def __init__(self, url: str, creds: Creds) -> None:
        self.sid: str | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=asyncio.run, args=(self._run(url, creds),))
        self._thread.start()
        assert self._ready.wait(15), "the relay client did not connect"
        assert self.sid is not None

    async def _run(self, url: str, creds: Creds) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        sio = socketio.AsyncClient(reconnection=False)
        await sio.connect(url, namespaces=["/"], auth=creds.js(), transports=["websocket"])
        self.sid = sio.get_sid("/")
        self._ready.set()
        await self._stop.wait()
        await sio.disconnect()

    def close(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(15)


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[NewAgeServer]:
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    server = NewAgeServer(
        tmp_path / "relay",
        "relay",
        {
            "adminUiEnabled": True,
            "adminUiUsername": "operator",
            "adminUiPasswordHash": hashed,
            "adminUiMode": "development",
        },
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_log_in_and_see_the_relay_sockets(relay: NewAgeServer, browser: Browser) -> None:
    client = RelayClient(relay.url, relay.provision("e2e-tavern"))
    context = browser.new_context(viewport=VIEWPORT)
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    try:
        page = context.new_page()
        page.goto(f"{relay.url}/admin-ui/")
        page.get_by_label("Server URL").fill(relay.url)
        page.get_by_label("Username").fill("operator")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Connect").click()
        page.get_by_text("connected", exact=True).first.wait_for(timeout=15_000)

        page.get_by_role("link", name="Sockets").click()
        row = page.locator("tr", has_text=client.sid or "")
        row.wait_for(timeout=15_000)
        assert re.split(r"\s+", row.inner_text().strip()) == [client.sid, "127.0.0.1", "WebSocket"]
        # Fonts and icons come from the relay too: nothing from the internet.
        assert [url for url in requested if not url.startswith(relay.url)] == []
    finally:
        context.close()
        client.close()
