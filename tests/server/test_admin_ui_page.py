"""`/admin-ui/`: the Socket.IO Admin UI built from npm, served by the server while it is on.

Same origin as the server, so the UI's socket needs no CORS change, and every file the page
loads is one of ours (no fonts or icons from the internet).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import aiohttp
import pytest

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.transport import admin_ui
from newage_desktop.transport.server import RelayServer
from tests.server.test_admin_ui import admin_settings, running

pytestmark = pytest.mark.skipif(
    not admin_ui.is_built(), reason="the Admin UI is not built: run scripts/build_admin_ui.sh"
)


@pytest.fixture
async def enabled(datadir: DataDir) -> AsyncIterator[RelayServer]:
    async with running(datadir, **admin_settings()) as srv:
        yield srv


async def _get(url: str) -> tuple[int, str, str, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, allow_redirects=False) as response,
    ):
        body = await response.read()
        return (
            response.status,
            response.content_type,
            response.headers.get("Location", ""),
            body.decode("utf-8", "replace"),
        )


async def test_the_folder_serves_index_html(enabled: RelayServer) -> None:
    status, content_type, _, body = await _get(f"{enabled.url}/admin-ui/")
    assert (status, content_type) == (200, "text/html")
    assert "<title>Socket.IO Admin UI</title>" in body
    assert await _get(f"{enabled.url}/admin-ui/index.html") == (status, content_type, "", body)


async def test_without_the_slash_redirects(enabled: RelayServer) -> None:
    status, _, location, _ = await _get(f"{enabled.url}/admin-ui")
    assert (status, location) == (301, "/admin-ui/")


async def test_every_file_the_page_links_is_served_locally(enabled: RelayServer) -> None:
    _, _, _, body = await _get(f"{enabled.url}/admin-ui/")
    links = re.findall(r'(?:href|src)="([^"]+)"', body)
    assert links and not [link for link in links if "//" in link]
    for link in links:
        status, _, _, _ = await _get(f"{enabled.url}/admin-ui/{link}")
        assert status == 200, link
    _, _, _, css = await _get(f"{enabled.url}/admin-ui/vendor/mdi/css/materialdesignicons.min.css")
    assert (
        await _get(f"{enabled.url}/admin-ui/vendor/mdi/fonts/materialdesignicons-webfont.woff2")
    )[0] == 200
    assert "materialdesignicons-webfont.woff2" in css


@pytest.mark.parametrize(
    "path",
    ["/admin-ui/missing.js", "/admin-ui/%2e%2e/transport/admin_ui.py", "/admin-ui/..%2fcli.py"],
)
async def test_nothing_outside_the_built_ui(enabled: RelayServer, path: str) -> None:
    status, _, _, body = await _get(f"{enabled.url}{path}")
    assert (status, body) == (404, "Not Found")


async def test_off_there_is_no_admin_ui(server: RelayServer) -> None:
    status, _, _, body = await _get(f"{server.url}/admin-ui/")
    assert (status, body) == (404, "Not Found")
