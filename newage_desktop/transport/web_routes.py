"""The web monitor page and the browser libraries of PROTOCOL.md §10.

`newage_desktop/web/` holds the page (`monitor/`, committed), `constants.js` (committed) and
`lib/` (built from npm by scripts/build_web.sh, not in git). Only the exact library names of
§10 are served; the page's folder is served file by file, never dotfiles nor anything that
resolves outside it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from aiohttp import web

log = logging.getLogger("newage")

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
BUILD_SCRIPT = "scripts/build_web.sh"

#: URL → file under WEB_DIR. The socket.io-client bundle sits at `/socket.io/socket.io.js`,
#: beside Engine.IO, which answers only the exact path `/socket.io/`.
LIBRARIES: dict[str, str] = {
    "/socket.io/socket.io.js": "lib/socket.io.js",
    "/lib/Socket.io/socket.io.js": "lib/Socket.io/socket.io.js",
    "/lib/@sap_oss/node-socketio-stream.js": "lib/@sap_oss/node-socketio-stream.js",
    "/lib/uuid/uuid.js": "lib/uuid/uuid.js",
    "/lib/constants.js": "constants.js",
}
BUILT_LIBRARIES = tuple(file for file in LIBRARIES.values() if file.startswith("lib/"))

# Module scripts must have a JavaScript type, whatever the platform's mimetypes table says.
CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".json": "application/json",
}

NOT_BUILT_PAGE = (
    "The web monitor page is not built: its libraries (newage_desktop/web/lib/) are missing.\n"
    f"Run {BUILD_SCRIPT} (it needs npm), then reload this page.\n"
)


def is_built(web_dir: Path | None = None) -> bool:
    root = WEB_DIR if web_dir is None else web_dir
    return all((root / file).is_file() for file in BUILT_LIBRARIES)


def _file_response(path: Path) -> web.FileResponse:
    content_type = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
    return web.FileResponse(
        path,
        headers={
            "Content-Type": content_type,
            "X-Content-Type-Options": "nosniff",
            # A reload after an update gets the new page, never a stale module from the cache.
            "Cache-Control": "no-cache",
        },
    )


def _monitor_file(tail: str) -> Path | None:
    """The file `tail` names in the page's folder, or None (dotfiles, escapes, folders)."""
    parts = tail.split("/") if tail else []
    if any(part.startswith(".") or part == "" or "\\" in part for part in parts):
        return None
    root = (WEB_DIR / "monitor").resolve()
    target = (root.joinpath(*parts) if parts else root / "index.html").resolve()
    if not target.is_relative_to(root) or not target.is_file():
        return None
    return target


class WebRoutes:
    """Handlers; `WEB_DIR` is read per request so tests can point it elsewhere."""

    def __init__(self) -> None:
        self._warned = False

    async def page(self, request: web.Request) -> web.StreamResponse:
        if not is_built():
            if not self._warned:
                self._warned = True
                log.warning(f"GET / cannot serve the web monitor page: run {BUILD_SCRIPT}")
            return web.Response(status=503, text=NOT_BUILT_PAGE, content_type="text/plain")
        return _file_response(WEB_DIR / "monitor" / "index.html")

    async def monitor(self, request: web.Request) -> web.StreamResponse:
        target = _monitor_file(request.match_info["tail"])
        if target is None:
            raise web.HTTPNotFound()
        return _file_response(target)

    async def favicon(self, request: web.Request) -> web.StreamResponse:
        """Browsers ask every page's origin for one; a 404 there is a console error on every
        page served here (the monitor and third-party pages alike)."""
        icon = WEB_DIR / "monitor" / "icon.svg"
        if not icon.is_file():
            raise web.HTTPNotFound()
        response = _file_response(icon)
        response.content_type = "image/svg+xml"
        return response

    async def library(self, request: web.Request) -> web.StreamResponse:
        target = WEB_DIR / LIBRARIES[request.path]
        if not target.is_file():
            raise web.HTTPNotFound()
        return _file_response(target)


def add_routes(app: web.Application) -> None:
    """Register before the static catch-all of http.py (GET routes also answer HEAD)."""
    routes = WebRoutes()
    app.router.add_get("/", routes.page)
    app.router.add_get("/index.html", routes.page)
    app.router.add_get("/monitor/{tail:.*}", routes.monitor)
    app.router.add_get("/favicon.ico", routes.favicon)
    for url in LIBRARIES:
        app.router.add_get(url, routes.library)
