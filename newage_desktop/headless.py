"""The server without a window: run until SIGINT/SIGTERM, then shut down cleanly."""

from __future__ import annotations

import asyncio
import logging
import sys

from newage_desktop.cli import install_stop_signals
from newage_desktop.core.store.datadir import DataDir
from newage_desktop.core.store.logs import LOGGER_NAME, LogControl, setup_logging
from newage_desktop.eventloop import new_event_loop
from newage_desktop.transport.server import RelayServer, StartupError

log = logging.getLogger(LOGGER_NAME)


def run_headless(datadir: DataDir, *, host: str | None, port: int | None) -> int:
    """Returns the process exit status: 0 after a clean stop, 1 if start-up failed."""
    try:
        with asyncio.Runner(loop_factory=new_event_loop) as runner:
            return runner.run(_serve(datadir, host, port))
    except KeyboardInterrupt:
        return 0


async def _serve(datadir: DataDir, host: str | None, port: int | None) -> int:
    # Until the port is ours, log to the console only: a second instance that fails to bind
    # must not rotate the running instance's log files.
    early = logging.StreamHandler(sys.stderr)
    early.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    log.addHandler(early)
    log.setLevel(logging.INFO)
    server = RelayServer(datadir, host=host, port=port)
    try:
        await server.start()
    except StartupError as exc:
        print(f"newage-desktop: {exc}", file=sys.stderr)
        return 1
    finally:
        log.removeHandler(early)
    logs: LogControl = setup_logging(
        datadir.logs_dir, console=True, debug=server.core.settings.debug_mode
    )
    server.core.on_debug_mode = logs.set_debug  # the /debug toggle (§6.9)
    try:
        server.announce()
        print("Press Ctrl+C to stop.", file=sys.stderr)
        stop = asyncio.Event()
        install_stop_signals(asyncio.get_running_loop(), stop)
        await stop.wait()
        log.info("Shutting down")
        await server.stop()
        return 0
    finally:
        logs.close()
