"""§10 HTTP routes of the web monitor page and the compatibility libraries under /lib/.

The libraries are built from npm by scripts/build_web.sh into newage_desktop/web/lib/; without
them `/` explains how to build them (503) instead of serving a page that cannot connect.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.transport import web_routes
from newage_desktop.transport.server import RelayServer

built = pytest.mark.skipif(
    not web_routes.is_built(), reason="newage_desktop/web/lib missing: run scripts/build_web.sh"
)

LIBRARIES = {
    "/socket.io/socket.io.js": "lib/socket.io.js",
    "/lib/Socket.io/socket.io.js": "lib/Socket.io/socket.io.js",
    "/lib/@sap_oss/node-socketio-stream.js": "lib/@sap_oss/node-socketio-stream.js",
    "/lib/uuid/uuid.js": "lib/uuid/uuid.js",
    "/lib/constants.js": "constants.js",
}


@pytest.fixture
async def server(datadir: DataDir) -> AsyncIterator[RelayServer]:
    srv = RelayServer(datadir, host="127.0.0.1", port=0)
    await srv.start()
    yield srv
    await srv.stop()


async def fetch(url: str, method: str = "GET") -> tuple[int, str, bytes]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, allow_redirects=False) as response,
    ):
        return response.status, response.content_type, await response.read()


@built
async def test_root_and_index_html_serve_the_monitor_page(server: RelayServer) -> None:
    page = (web_routes.WEB_DIR / "monitor" / "index.html").read_bytes()
    for path in ("/", "/index.html"):
        assert await fetch(server.url + path) == (200, "text/html", page)


@built
async def test_every_file_the_page_links_is_served(server: RelayServer) -> None:
    _, _, body = await fetch(server.url + "/")
    links = re.findall(r'(?:href|src)="([^"]+)"', body.decode())
    assert "/socket.io/socket.io.js" in links
    assert "/lib/@sap_oss/node-socketio-stream.js" in links
    for link in links:
        assert link.startswith("/"), link  # the page works at / and at /index.html alike
        status, content_type, _ = await fetch(server.url + link)
        assert status == 200, link
        assert content_type in ("text/javascript", "text/css", "image/svg+xml"), link


@built
async def test_monitor_assets_have_their_content_types(server: RelayServer) -> None:
    for path, expected in (
        ("/monitor/app.js", "text/javascript"),
        ("/monitor/i18n/zh-CN.js", "text/javascript"),
        ("/monitor/style.css", "text/css"),
        ("/monitor/", "text/html"),
    ):
        status, content_type, _ = await fetch(server.url + path)
        assert (status, content_type) == (200, expected), path


@built
async def test_libraries_are_the_built_files_as_javascript(server: RelayServer) -> None:
    for path, file in LIBRARIES.items():
        expected = (web_routes.WEB_DIR / file).read_bytes()
        assert await fetch(server.url + path) == (200, "text/javascript", expected), path
    _, _, client = await fetch(server.url + "/socket.io/socket.io.js")
    assert b"Socket.IO v4." in client[:200]


@built
async def test_head_answers_like_get_without_a_body(server: RelayServer) -> None:
    for path in ("/", "/lib/constants.js", "/monitor/style.css", "/socket.io/socket.io.js"):
        status, content_type, body = await fetch(server.url + path, "HEAD")
        assert (status, body) == (200, b""), path
        assert content_type != "text/plain", path


async def test_engine_io_still_owns_its_path(server: RelayServer) -> None:
    status, _, body = await fetch(server.url + "/socket.io/?EIO=4&transport=polling")
    assert status == 200
    assert body.startswith(b"0{")  # an Engine.IO open packet


@pytest.mark.parametrize(
    "path",
    [
        "/lib/",
        "/lib/nothing.js",
        "/lib/socket.io.js",  # only the names of §10 are served under /lib/
        "/monitor/missing.js",
        "/monitor/.hidden",
        "/monitor/i18n/.secret.js",
        "/monitor/%2e%2e/constants.js",
        "/monitor/..%2fconstants.js",
        "/monitor/../../web_routes.py",
        "/socket.io/other.js",
        "/index.htm",
        "/nothing",
    ],
)
async def test_other_paths_are_not_found(server: RelayServer, path: str) -> None:
    assert await fetch(server.url + path) == (404, "text/plain", b"Not Found")


async def test_a_dotfile_in_the_monitor_folder_is_not_served(
    server: RelayServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    web = tmp_path / "web"
    shutil.copytree(web_routes.WEB_DIR / "monitor", web / "monitor")
    (web / "monitor" / ".env").write_text("secret")
    (web / "monitor" / "link.js").symlink_to(tmp_path / "outside.js")
    (tmp_path / "outside.js").write_text("outside")
    monkeypatch.setattr(web_routes, "WEB_DIR", web)
    for path in ("/monitor/.env", "/monitor/link.js"):
        assert await fetch(server.url + path) == (404, "text/plain", b"Not Found"), path


async def test_post_is_not_found(server: RelayServer) -> None:
    for path in ("/", "/lib/constants.js"):
        assert await fetch(server.url + path, "POST") == (404, "text/plain", b"Not Found")


async def test_without_the_built_libraries_root_names_the_build_script(
    server: RelayServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    web = tmp_path / "web"
    shutil.copytree(web_routes.WEB_DIR / "monitor", web / "monitor")
    shutil.copy(web_routes.WEB_DIR / "constants.js", web / "constants.js")
    monkeypatch.setattr(web_routes, "WEB_DIR", web)
    with caplog.at_level(logging.WARNING, logger="newage"):
        for _ in range(2):
            status, content_type, body = await fetch(server.url + "/")
            assert (status, content_type) == (503, "text/plain")
            assert b"scripts/build_web.sh" in body
    warnings = [r for r in caplog.records if "scripts/build_web.sh" in r.getMessage()]
    assert len(warnings) == 1
    assert await fetch(server.url + "/socket.io/socket.io.js") == (404, "text/plain", b"Not Found")
    # constants.js is written by hand, not built: it is there all the same.
    status, _, _ = await fetch(server.url + "/lib/constants.js")
    assert status == 200
