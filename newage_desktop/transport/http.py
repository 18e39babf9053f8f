"""HTTP routes beside Socket.IO (PROTOCOL.md §10)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from newage_desktop.core.app import Core

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


def add_routes(app: web.Application, core: Core) -> None:
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
