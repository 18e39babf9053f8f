"""The server without a window: run until SIGINT/SIGTERM, then shut down cleanly."""

from __future__ import annotations

import asyncio
import logging
import sys

from newage_desktop.cli import install_stop_signals
from newage_desktop.core.datadir import DataDir
from newage_desktop.core.logs import setup_logging
from newage_desktop.transport.server import RelayServer, StartupError

log = logging.getLogger("newage")


def run_headless(datadir: DataDir, *, host: str | None, port: int | None) -> int:
    """Returns the process exit status: 0 after a clean stop, 1 if start-up failed."""
    datadir.ensure()
    logs = setup_logging(datadir.logs_dir, console=True, debug=False)
    try:
        return asyncio.run(_serve(datadir, host, port, logs))
    except KeyboardInterrupt:
        return 0
    finally:
        logs.close()


async def _serve(datadir: DataDir, host: str | None, port: int | None, logs: object) -> int:
    server = RelayServer(datadir, host=host, port=port)
    log.info(f"Data directory: {datadir.root}")
    try:
        await server.start()
    except StartupError as exc:
        log.error(str(exc))
        print(f"newage-desktop: {exc}", file=sys.stderr)
        return 1
    set_debug = getattr(logs, "set_debug", None)
    if set_debug is not None:
        set_debug(server.core.settings.debug_mode)
    stop = asyncio.Event()
    install_stop_signals(asyncio.get_running_loop(), stop)
    print(
        f"NewAge Desktop server running on {server.url} (Ctrl+C to stop)",
        file=sys.stderr,
        flush=True,
    )
    await stop.wait()
    log.info("Shutting down")
    await server.stop()
    return 0
