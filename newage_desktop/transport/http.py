"""HTTP routes beside Socket.IO (PROTOCOL.md §10)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from newage_desktop.core.app import Core
from newage_desktop.core.auth.origins import origin_allowed
from newage_desktop.core.files.staticfiles import AddSlash, MountError, StaticFile
from newage_desktop.core.openai.service import OpenAiService
from newage_desktop.transport import openai_routes, web_routes

log = logging.getLogger("newage")

NOT_FOUND = "Not Found"


@web.middleware
async def not_found_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """§10 "anything else": 404, text/plain, body `Not Found` (also for wrong methods)."""
    try:
        return await handler(request)
    except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
        return web.Response(status=404, text=NOT_FOUND, content_type="text/plain")


def origin_middleware(setting: str | list[str]) -> Middleware:
    """§2.1: a browser request from an origin the operator did not allow gets HTTP 400 before
    any route sees it (Engine.IO gives its own 400 for /socket.io/ requests the same way)."""

    @web.middleware
    async def check_origin(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin is not None and not origin_allowed(origin, setting):
            return web.Response(
                status=400, text=f"{origin} is not an accepted origin.", content_type="text/plain"
            )
        return await handler(request)

    return check_origin


def add_routes(app: web.Application, core: Core) -> OpenAiService:
    """§10's routes and the OpenAI-compatible API (whose service is returned)."""

    async def healthz(request: web.Request) -> web.Response:
        status = core.status()
        return web.json_response(
            {
                "status": "ok",
                "version": status["version"],
                "uptime": status["uptime"],
                "clients": status["clients"]["registered"],
            }
        )

    app.router.add_get("/healthz", healthz)
    service = openai_routes.add_routes(app, core)
    web_routes.add_routes(app)

    mount_startup_resources(core)

    async def static(request: web.Request) -> web.StreamResponse:
        """Every GET/HEAD no other route took: the mount table decides (§9.3, §10)."""
        target = core.static_mounts.lookup(request.path)
        if isinstance(target, StaticFile):
            return web.FileResponse(target.path, headers={"X-Content-Type-Options": "nosniff"})
        if isinstance(target, AddSlash):
            location = request.rel_url.with_path(request.path + "/").with_query(
                request.rel_url.query
            )
            raise web.HTTPMovedPermanently(location=str(location))
        raise web.HTTPNotFound()

    # aiohttp cannot add routes to a running app, so mounts made later by addStaticResources
    # go through this one catch-all. Routes are matched most specific path first, so it only
    # competes with other routes registered exactly at "/" (e.g. `GET /`): keep it last.
    app.router.add_get("/{tail:.*}", static)
    return service


def mount_startup_resources(core: Core) -> None:
    """Forget earlier `addStaticResources` mounts and mount setting `staticResources`."""
    mounts = core.static_mounts
    mounts.reset()
    for url_prefix, folder in core.settings.static_resources.items():
        try:
            mounts.add(url_prefix, folder)
        except MountError as exc:
            log.warning(f"staticResources {url_prefix} -> {folder} not mounted: {exc}")
        else:
            log.info(f"Static resource mounted: {url_prefix} -> {folder}")
