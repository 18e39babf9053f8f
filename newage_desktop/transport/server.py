"""The relay server: core + python-socketio + aiohttp, with a start/stop API.

`RelayServer` is what both the headless command and the desktop app run; it owns its core.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
from collections.abc import Callable, Iterable
from typing import Any

from aiohttp import web

from newage_desktop.core import events as ev
from newage_desktop.core.app import Core
from newage_desktop.core.auth.origins import origin_allowed
from newage_desktop.core.openai.service import OpenAiService
from newage_desktop.core.store.datadir import DataDir
from newage_desktop.protocol import events as names
from newage_desktop.transport import admin_ui, http
from newage_desktop.transport.dispatch import Namespace
from newage_desktop.transport.namespaces import (
    auth,
    clients,
    debug,
    function_call,
    llm,
    rooms,
    sillytavern,
)
from newage_desktop.transport.socket_server import RelaySocketServer

log = logging.getLogger("newage")

# How often key and trust files are checked for outside changes (§3.2, §3.3).
FILE_POLL_SECONDS = 1.0


def _engineio_origins(setting: str | list[str]) -> Any:
    """§2.1 for Engine.IO: `"*"` as itself, anything else as a check python-engineio calls for
    every polling and WebSocket request that carries an `Origin`."""
    if setting == "*":
        return "*"
    return lambda origin: origin_allowed(origin, setting)


NAMESPACE_TABLES: dict[str, Namespace] = {
    names.NS_DEFAULT: {},
    names.NS_AUTH: auth.EVENTS,
    names.NS_CLIENTS: clients.EVENTS,
    names.NS_ROOMS: rooms.EVENTS,
    names.NS_LLM: llm.EVENTS,
    names.NS_SILLYTAVERN: sillytavern.EVENTS,
    names.NS_FUNCTION_CALL: function_call.EVENTS,
    names.NS_DEBUG: debug.EVENTS,
}


class StartupError(Exception):
    """The server cannot start; the message says why in words a user can act on."""


class _SocketGateway:
    """The core's Gateway, delivered by the socket server."""

    def __init__(self, sio: RelaySocketServer) -> None:
        self._sio = sio

    async def emit(self, sids: Iterable[str], namespace: str, event: str, data: Any) -> None:
        await self._sio.emit_to(sids, namespace, event, data)

    async def disconnect(self, sid: str, namespace: str) -> None:
        await self._sio.drop(sid, namespace)

    async def send(
        self,
        sid: str,
        namespace: str,
        event: str,
        args: list[Any],
        on_ack: Callable[..., None] | None = None,
    ) -> None:
        await self._sio.send_event(sid, namespace, event, args, on_ack)


class RelayServer:
    def __init__(
        self, datadir: DataDir, *, host: str | None = None, port: int | None = None
    ) -> None:
        self.core = Core(datadir)
        self._host_override = host
        self._port_override = port
        self._runner: web.AppRunner | None = None
        self._openai: OpenAiService | None = None
        self._poller: asyncio.Task[None] | None = None
        self._admin_ui: admin_ui.Instrumentation | None = None
        self.host = ""
        self.port = 0

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        """Open the data directory and listen. Raises StartupError (or a corrupt-file error)."""
        core = self.core
        core.shutting_down = False
        core.bus.publish(ev.ServerStateChanged("starting"))
        for warning in core.open():
            log.warning(warning)
        settings = core.settings
        ui = admin_ui.admin_ui_from(settings)
        origins = settings.cors_allowed_origins
        if ui is not None:
            origins = admin_ui.with_hosted_ui_origin(origins)
        cors = _engineio_origins(origins)
        sio = RelaySocketServer(
            core,
            NAMESPACE_TABLES,
            cors_allowed_origins=cors,
            max_http_buffer_size=settings.max_payload_bytes,
            http_compression=False,
            logger=False,
            engineio_logger=False,
        )
        core.attach(_SocketGateway(sio))
        self._admin_ui = admin_ui.Instrumentation(sio, ui) if ui is not None else None
        app = web.Application(
            middlewares=[
                http.origin_middleware(origins),
                http.not_found_middleware,
            ]
        )
        sio.attach(app)
        if ui is not None:
            admin_ui.add_routes(app)
        self._openai = http.add_routes(app, core)
        self.host = self._host_override or settings.bind_address
        self.port = self._port_override if self._port_override is not None else settings.server_port
        # Long-polling requests would otherwise hold a stop for up to a minute.
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            if self._admin_ui is not None:
                await self._admin_ui.stop()
            await runner.cleanup()
            core.close()
            if exc.errno == errno.EADDRINUSE:
                raise StartupError(
                    f"Port {self.port} on {self.host} is already in use. Stop the other program "
                    f"(or another NewAge server), or choose another port with --port."
                ) from exc
            raise StartupError(f"Cannot listen on {self.host}:{self.port}: {exc.strerror}") from exc
        if self.port == 0:  # an ephemeral port was asked for (tests)
            self.port = int(runner.addresses[0][1])
        core.listen_address = (self.host, self.port)
        self._runner = runner
        self._sio = sio
        self._poller = asyncio.get_running_loop().create_task(self._poll_files())
        core.start_background()
        core.bus.publish(ev.ServerStateChanged("running", self.url))

    def announce(self) -> None:
        """Log where the server listens (called once logging to files is set up)."""
        log.info(f"Data directory: {self.core.datadir.root}")
        log.info(f"NewAge Desktop server listening on {self.url}")
        if self.core.settings.network_safe:
            log.warning("networkSafe is ON: authentication is disabled on every namespace")
        if self._admin_ui is not None:
            self._announce_admin_ui(self._admin_ui.ui)

    def _announce_admin_ui(self, ui: admin_ui.AdminUi) -> None:
        access = "read-only" if ui.read_only else "read-write"
        where = (
            f"{self.url}{admin_ui.URL_PATH}"
            if admin_ui.is_built()
            else f"{admin_ui.HOSTED_UI_ORIGIN} (not built here: scripts/build_admin_ui.sh)"
        )
        log.warning(
            f"Socket.IO Admin UI is ON ({access}, {ui.mode} mode): open {where}, server URL "
            f"{self.url}, namespace {admin_ui.ADMIN_NAMESPACE}, user {ui.username!r}"
        )

    async def _poll_files(self) -> None:
        while True:
            await asyncio.sleep(FILE_POLL_SECONDS)
            try:
                self.core.refresh_files()
            except Exception as exc:  # a half-written file by hand: try again next time
                log.warning(f"Could not re-read key or trust files: {exc}")

    async def stop(self) -> None:
        """Refuse new connections, close every socket, stop listening."""
        core = self.core
        if self._runner is None:
            return
        core.shutting_down = True
        core.bus.publish(ev.ServerStateChanged("stopping"))
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        await core.stop_background()
        if self._admin_ui is not None:
            await self._admin_ui.stop()
            self._admin_ui = None
        with contextlib.suppress(Exception):
            await self._sio.shutdown()
        if self._openai is not None:
            self._openai.shutdown()  # open /v1 answers end now, not at the runner's time-out
        await self._runner.cleanup()
        self._runner = None
        core.close()
        log.info("Server stopped")
        core.bus.publish(ev.ServerStateChanged("stopped"))
