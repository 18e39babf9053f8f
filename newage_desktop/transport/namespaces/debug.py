"""`/debug` (PROTOCOL.md §6.9): debug mode, server status and the log files. Admin only."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from newage_desktop.core.clock import local_datetime
from newage_desktop.core.store.logs import LOG_FILES
from newage_desktop.protocol import errors as err
from newage_desktop.protocol import events as names
from newage_desktop.transport.dispatch import Answer, Call, EventSpec, Namespace, error, ok

LOG_LEVELS: Final = ("all", "error", "warn", "info", "debug")
DEFAULT_PAGE_SIZE: Final = 10
MAX_PAGE_SIZE: Final = 100

_LEADING_INTEGER = re.compile(r"\s*([+-]?\d+)")
_FIRST_BRACKETED = re.compile(r"\[([^\]]*)\]")


# --- TOGGLE_DEBUG_MODE -------------------------------------------------------------------------
async def toggle_debug_mode(call: Call) -> Answer:
    core = call.core
    debug_mode = not core.debug_mode
    core.set_debug_mode(debug_mode)

    async def announce() -> None:
        sids = core.registry.sids_in_namespace(names.NS_DEBUG)
        await core.emit_to(
            sids, names.NS_DEBUG, names.DEBUG_MODE_CHANGED, {"debugMode": debug_mode}
        )

    call.after_ack.append(announce)  # the caller gets its ack first, then the notice
    return ok(debugMode=debug_mode)


# --- SERVER_STATUS -----------------------------------------------------------------------------
async def server_status(call: Call) -> Answer:
    core = call.core
    settings = core.settings
    status = core.status()
    host, port = core.listen_address or (settings.bind_address, settings.server_port)
    counts = status["clients"]
    return ok(
        serverStatus={
            "serverPort": port,
            "serverAddress": settings.server_address,
            "bindAddress": host,
            "networkSafe": settings.network_safe,
            "debugMode": core.debug_mode,
            "startTime": local_datetime(core.started_at),
            "uptime": status["uptime"],
            "version": status["version"],
            "clients": {
                key: counts[key] for key in ("registered", "extensions", "monitors", "sockets")
            },
            "pendingKeyRequests": status["pendingKeyRequests"],
            "connectionPolicy": settings.connection_policy,
        }
    )


# --- READ_LOG ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class LogQuery:
    filename: str
    level: str
    page: int
    page_size: int


def _as_integer(value: Any) -> int | None:
    """A number or a numeric string read as an integer (like JavaScript's parseInt)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        match = _LEADING_INTEGER.match(value)
        return int(match.group(1)) if match else None
    return None


def parse_log_query(payload: dict[str, Any]) -> LogQuery | str:
    """The query, or the first failing check's message, in §6.9's order."""
    filename = payload.get("filename")
    if not isinstance(filename, str) or filename not in LOG_FILES:
        return err.INVALID_FILENAME
    level = payload.get("level")
    if level is None:
        level = "all"
    if not isinstance(level, str) or level not in LOG_LEVELS:
        return err.INVALID_LEVEL
    page = _as_integer(payload.get("page")) or 1
    if page < 0:
        return err.INVALID_PAGE
    page_size = _as_integer(payload.get("pageSize")) or DEFAULT_PAGE_SIZE
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        return err.INVALID_PAGE_SIZE
    return LogQuery(filename, level, page, page_size)


def _first_token(line: str) -> str | None:
    match = _FIRST_BRACKETED.search(line)
    return match.group(1) if match else None


def read_log_lines(path: Path, level: str) -> list[str]:
    """The file's entries, oldest first, keeping those of `level` (`all` keeps every one)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = [line.rstrip("\r") for line in text.split("\n")]
    lines = [line for line in lines if line]
    if level == "all":
        return lines
    return [line for line in lines if _first_token(line) == level]


async def read_log(call: Call) -> Answer:
    query = parse_log_query(call.payload)
    if isinstance(query, str):
        return error(query)
    path = call.core.datadir.logs_dir / query.filename
    try:
        # A long-running server's log can be large: read it off the event loop (§2.3).
        lines = await asyncio.to_thread(read_log_lines, path, query.level)
    except FileNotFoundError:
        return error(err.LOG_FILE_NOT_FOUND)
    start = (query.page - 1) * query.page_size
    return ok(
        lines=lines[start : start + query.page_size],
        total=len(lines),
        page=query.page,
        pageSize=query.page_size,
        level=query.level,
    )


EVENTS: Namespace = {
    # Admission already admits admins only (§4.2 step 10); `admin` keeps it so per event.
    names.TOGGLE_DEBUG_MODE: EventSpec(toggle_debug_mode, admin=True),
    names.SERVER_STATUS: EventSpec(server_status, reads_only=True, admin=True),
    names.READ_LOG: EventSpec(read_log, reads_only=True, admin=True),
}
