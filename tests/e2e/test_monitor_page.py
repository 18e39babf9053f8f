"""The web monitor page at `/` in a real Chromium (PROTOCOL.md §10), against a server running
in this process (ServerRuntime), so pairing is approved through the core as the desktop does.

Also a page written the upstream way — importing the `/lib/…` assets — loads without console
errors and receives a stream with `ss`.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from browser_support import VIEWPORT

from newage_desktop.core.llm.desktop import desktop_socket
from newage_desktop.core.store.datadir import DataDir
from newage_desktop.runtime import ServerRuntime
from newage_desktop.transport import web_routes
from tests.server.conftest import provision
from tests.server.emulated import EmulatedExtension

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

TIMEOUT_MS = 15_000

# CI (NEWAGE_E2E_REQUIRED) must not skip: there an unbuilt page fails the tests (503).
pytestmark = pytest.mark.skipif(
    not web_routes.is_built() and not os.environ.get("NEWAGE_E2E_REQUIRED"),
    reason="the web libraries are not built: run scripts/build_web.sh",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Relay:
    runtime: ServerRuntime
    url: str
    datadir: DataDir
    keys: dict[str, str]
    extension: EmulatedExtension

    def core(self, fn: Any) -> Any:
        return self.runtime.core_call(fn).result(15)


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[Relay]:
    datadir = DataDir(tmp_path / "data")
    keys = {}
    for cid, monitor in (("st", False), ("web", False), ("boss", True)):
        key = provision(datadir, cid, monitor=monitor)
        assert key is not None
        keys[cid] = key
    public = datadir.root / "public"
    public.mkdir(parents=True)
    (public / "upstream.html").write_text(UPSTREAM_PAGE)
    runtime = ServerRuntime(datadir, host="127.0.0.1", port=free_port())
    url = runtime.start().result(30)

    async def connect() -> EmulatedExtension:
        ext = EmulatedExtension(url, "st", keys["st"], tokens=["Hello", " from", " the", " stream"])
        await ext.connect()
        return ext

    extension = runtime.call(connect)
    try:
        yield Relay(runtime, url, datadir, keys, extension)
    finally:
        runtime.call(extension.close)
        runtime.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT)
    p = context.new_page()
    p.errors = []  # type: ignore[attr-defined]
    p.on("console", lambda m: m.type == "error" and p.errors.append(m.text))  # type: ignore[attr-defined]
    p.on("pageerror", lambda e: p.errors.append(str(e)))  # type: ignore[attr-defined]
    p.on(
        "response",
        lambda r: r.status >= 400 and p.errors.append(f"{r.status} {r.url}"),  # type: ignore[attr-defined]
    )
    try:
        yield p
    finally:
        context.close()


def log_in(page: Page, relay: Relay, client_id: str, key: str, *, admin: bool = False) -> None:
    page.goto(relay.url + "/")
    page.fill("#client-id", client_id)
    page.fill("#key", key)
    if admin:
        page.check("#admin")
    page.click("#connect")
    page.wait_for_function(
        "(id) => document.querySelector('#status-text').textContent.includes(id)",
        arg=client_id,
        timeout=TIMEOUT_MS,
    )


def test_connect_send_and_see_the_streamed_answer_and_the_history_after_reload(
    relay: Relay, page: Page, tmp_path: Path
) -> None:
    log_in(page, relay, "web", relay.keys["web"])
    page.wait_for_selector("#extensions >> text=st", timeout=TIMEOUT_MS)
    page.fill("#prompt", "Say hello")
    page.click("#send")
    page.wait_for_function(
        "document.querySelector('#messages').textContent.includes('Hello from the stream')",
        timeout=TIMEOUT_MS,
    )
    assert relay.extension.requests[0]["message"] == "Say hello"
    page.reload()  # the clientId and key were remembered: the page connects by itself
    page.wait_for_function(
        "document.querySelector('#messages').textContent.includes('Hello from the stream')"
        " && document.querySelector('#messages').textContent.includes('Say hello')",
        timeout=TIMEOUT_MS,
    )
    assert page.errors == []  # type: ignore[attr-defined]


def test_pairing_with_get_key_approved_through_the_core(relay: Relay, page: Page) -> None:
    provision(relay.datadir, "newcomer", key=False)  # trusted, no key yet: pairing applies
    page.goto(relay.url + "/")
    page.fill("#client-id", "newcomer")
    page.click("#request-key")
    page.wait_for_function(
        "document.querySelector('#conn-notice').textContent.length > 0", timeout=TIMEOUT_MS
    )
    pending: list[dict[str, Any]] = []
    for _ in range(100):
        pending = relay.core(lambda core: core.pending_requests())
        if pending:
            break
        page.wait_for_timeout(100)
    assert [p["clientId"] for p in pending] == ["newcomer"]
    assert relay.core(lambda core: core.approve_request(pending[0]["roomId"])) == "newcomer"
    page.wait_for_function(
        "document.querySelector('#status-text').textContent.includes('newcomer')",
        timeout=TIMEOUT_MS,
    )
    stored = page.evaluate("Object.values(localStorage).join(' ')")
    assert relay.core(lambda core: core.keys.has_key("newcomer"))
    assert len(stored) > 20  # the pushed key was kept for the next visit


def test_an_admin_sets_the_mode_and_mutes_from_the_page(relay: Relay, page: Page) -> None:
    relay.core(lambda core: core.deliver(core.rooms.create_room("lobby", creator=None)))
    relay.core(lambda core: core.deliver(core.rooms.add_client("lobby", "web", "guest")))
    log_in(page, relay, "boss", relay.keys["boss"], admin=True)
    page.wait_for_selector("#rooms >> text=lobby", timeout=TIMEOUT_MS)
    page.click("#rooms >> text=lobby")
    page.wait_for_selector("#admin-panel", state="visible", timeout=TIMEOUT_MS)
    page.select_option("#room-mode", "HostSubmit")
    for _ in range(100):
        if relay.core(lambda core: core.rooms.store.get("lobby").mode) == "HostSubmit":
            break
        page.wait_for_timeout(100)
    assert relay.core(lambda core: core.rooms.store.get("lobby").mode) == "HostSubmit"
    page.wait_for_selector("#members >> text=web", timeout=TIMEOUT_MS)
    page.locator("#members button", has_text="Mute").first.click()
    for _ in range(100):
        if relay.core(lambda core: core.mutes.is_muted("web")):
            break
        page.wait_for_timeout(100)
    assert relay.core(lambda core: core.mutes.is_muted("web"))
    relay.core(lambda core: core.unmute_member(desktop_socket(core), "web"))


UPSTREAM_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>upstream-style client</title>
<script src="/socket.io/socket.io.js"></script>
<script src="/lib/@sap_oss/node-socketio-stream.js"></script>
</head><body><pre id="out"></pre>
<script type="module">
import { io as esmIo } from '/lib/Socket.io/socket.io.js';
import { MSG_TYPE, STREAM_EVENTS, NAMESPACES } from '/lib/constants.js';
import { uuidv4 } from '/lib/uuid/uuid.js';
const params = new URLSearchParams(location.search);
const out = document.getElementById('out');
const say = (t) => { out.textContent += t + '\\n'; };
if (typeof window.io !== 'function' || typeof esmIo !== 'function') throw new Error('no io');
if (typeof window.ss !== 'function') throw new Error('no ss');
const auth = { clientId: params.get('clientId'), key: params.get('key'), clientType: 'client' };
const socket = esmIo(location.origin + NAMESPACES.LLM, { auth });
window.ss(socket).on(STREAM_EVENTS.streamed_data, (stream, meta) => {
  let text = '';
  stream.on('data', (chunk) => { text += chunk.toString(); });
  stream.on('end', () => say('STREAM:' + text));
});
socket.on('connect', () => {
  say('CONNECTED');
  const request = { requestId: uuidv4(), message: 'upstream hello', target: 'st' };
  socket.emit(MSG_TYPE.LLM_REQUEST, request);
});
</script></body></html>
"""


def test_a_page_written_for_upstream_lib_paths_loads_and_streams(relay: Relay, page: Page) -> None:
    key = relay.keys["web"]
    page.goto(f"{relay.url}/public/upstream.html?clientId=web&key={key}")
    page.wait_for_function(
        "document.querySelector('#out').textContent.includes('STREAM:Hello from the stream')",
        timeout=TIMEOUT_MS,
    )
    assert page.errors == []  # type: ignore[attr-defined]
