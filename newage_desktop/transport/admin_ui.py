"""The opt-in Socket.IO Admin UI: python-socketio's instrumentation on namespace `/admin`.

Off unless the operator switches it on with a username and a bcrypt hash of a password (settings
`adminUi*`, read at start-up). Then `/admin` gets python-socketio's own connect handling and
login (the socket server lets it through, every other namespace keeps PROTOCOL.md §4), the
hosted UI's origin may open sockets, and the UI built from `@socket.io/admin-ui` (see
scripts/build_admin_ui.sh) is served at `/admin-ui/`, so it can be used without the internet.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from aiohttp import web

from newage_desktop.core.auth.keys import check_key
from newage_desktop.core.store.settings import Settings
from newage_desktop.transport.socket_server import RelaySocketServer

log = logging.getLogger("newage")

ADMIN_NAMESPACE: Final = "/admin"
HOSTED_UI_ORIGIN: Final = "https://admin.socket.io"
URL_PATH: Final = "/admin-ui/"
UI_DIR: Final = Path(__file__).resolve().parent.parent / "web" / "admin-ui"
_LONGEST_CREDENTIAL: Final = 1024  # characters; longer is no login, and not worth a bcrypt run


@dataclass(frozen=True)
class AdminUi:
    username: str
    password_hash: str
    read_only: bool
    mode: str


def admin_ui_from(settings: Settings) -> AdminUi | None:
    """The Admin UI to instrument, or None: off, or on without credentials (one warning)."""
    if not settings.admin_ui_enabled:
        return None
    missing = [
        name
        for name, value in (
            ("adminUiUsername", settings.admin_ui_username),
            ("adminUiPasswordHash", settings.admin_ui_password_hash),
        )
        if not value
    ]
    if missing:
        log.warning(
            "Socket.IO Admin UI not enabled: adminUiEnabled is true but "
            + " and ".join(missing)
            + " is empty (set them with `newage-desktop admin-ui enable --username NAME`)"
        )
        return None
    return AdminUi(
        settings.admin_ui_username,
        settings.admin_ui_password_hash,
        settings.admin_ui_readonly,
        settings.admin_ui_mode,
    )


def with_hosted_ui_origin(setting: str | list[str]) -> str | list[str]:
    """`corsAllowedOrigins` plus the hosted Admin UI (https://admin.socket.io)."""
    if setting == "*":
        return setting
    allowed = [setting] if isinstance(setting, str) else list(setting)
    return allowed if HOSTED_UI_ORIGIN in allowed else [*allowed, HOSTED_UI_ORIGIN]


def _login_checker(ui: AdminUi) -> Any:
    expected_name = ui.username.encode("utf-8", "surrogatepass")

    async def credentials_match(client_auth: Any) -> bool:
        username = client_auth.get("username") if isinstance(client_auth, dict) else None
        password = client_auth.get("password") if isinstance(client_auth, dict) else None
        if not isinstance(username, str) or not isinstance(password, str):
            return False
        if len(username) > _LONGEST_CREDENTIAL or len(password) > _LONGEST_CREDENTIAL:
            return False
        # Both checks always run, so the time taken does not tell a wrong name from a wrong
        # password; bcrypt runs in a thread, the loop keeps relaying meanwhile.
        name_ok = hmac.compare_digest(username.encode("utf-8", "surrogatepass"), expected_name)
        loop = asyncio.get_running_loop()
        password_ok = await loop.run_in_executor(None, check_key, password, ui.password_hash)
        return name_ok and password_ok

    async def check(client_auth: Any) -> bool:
        if await credentials_match(client_auth):
            log.info("Socket.IO Admin UI: an admin logged in")
            return True
        log.warning("Socket.IO Admin UI: a login was refused (wrong username or password)")
        return False

    return check


class Instrumentation:
    """python-socketio's InstrumentedAsyncServer on our server, undone by :meth:`stop`."""

    def __init__(self, sio: RelaySocketServer, ui: AdminUi) -> None:
        self.ui = ui
        self._sio = sio
        sio.admin_namespace = ADMIN_NAMESPACE
        self._instrumented = sio.instrument(
            auth=_login_checker(ui),
            mode=ui.mode,
            read_only=ui.read_only,
            namespace=ADMIN_NAMESPACE,
        )

    async def stop(self) -> None:
        instrumented = self._instrumented
        task = instrumented.stats_task
        if task is not None:
            # Its loop sleeps 2 s between reports; cancelled, a stop does not wait for that.
            instrumented.stop_stats_event.set()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            instrumented.stats_task = None
        # The Engine.IO socket class is patched for the whole process: a later server in the
        # same process (the window restarts it) must start from the library's own methods.
        instrumented.uninstrument()
        self._sio.admin_namespace = None


def add_routes(app: web.Application, directory: Path = UI_DIR) -> None:
    """`/admin-ui/` → the built UI's files (`index.html` for the folder itself).

    Registered before the static catch-all of http.py; aiohttp tries the longest matching
    path prefix first, so `/admin-ui/...` never reaches the mount table.
    """
    root = directory.resolve()

    async def redirect(request: web.Request) -> web.StreamResponse:
        raise web.HTTPMovedPermanently(location=URL_PATH)

    async def serve(request: web.Request) -> web.StreamResponse:
        target = (root / (request.match_info["tail"] or "index.html")).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(target, headers={"X-Content-Type-Options": "nosniff"})

    app.router.add_get(URL_PATH.rstrip("/"), redirect)
    app.router.add_get(URL_PATH + "{tail:.*}", serve)


def is_built(directory: Path = UI_DIR) -> bool:
    return (directory / "index.html").is_file()
