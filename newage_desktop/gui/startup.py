"""Starting the server from the window: readable failures, a way past corrupt files, log files.

Log files are attached only once the port is ours (as headless does), so a launch that fails to
bind never rotates the logs of a server already running on this data directory. What is logged
before that (data directory warnings, the "listening" line) is buffered and replayed into the
files, so the first lines of a run are not lost.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.core.store.logs import LOGGER_NAME, LogControl, setup_logging

log = logging.getLogger(LOGGER_NAME)


def aside_path(path: Path, now: float | None = None) -> Path:
    """`<name>.corrupt-<timestamp>` next to `path` (PROTOCOL.md §3.6), never an existing file."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    candidate = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    return candidate


def move_aside(path: Path, target: Path) -> list[Path]:
    """Rename a corrupt file (and an SQLite file's -wal/-shm companions); returns the new paths.

    The companions go too because SQLite would otherwise replay the old journal into the fresh
    database.
    """
    moved: list[Path] = []
    for suffix in ("", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        if suffix and not source.exists():
            continue
        destination = target.with_name(
            target.name.replace(path.name, path.name + suffix, 1) if suffix else target.name
        )
        source.rename(destination)
        moved.append(destination)
        log.warning(f"Moved the damaged file {source} aside as {destination.name}")
    return moved


class _Buffer(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.records) < 10_000:
            self.records.append(record)


class LogFiles:
    """Buffers the `newage` logger until `attach()` opens the data directory's log files."""

    def __init__(self) -> None:
        self.control: LogControl | None = None
        self._logger = logging.getLogger(LOGGER_NAME)
        self._level_before = self._logger.level
        # INFO, as headless: the "listening" line must reach the buffer and the Log dock.
        if self._logger.level == logging.NOTSET or self._logger.level > logging.INFO:
            self._logger.setLevel(logging.INFO)
        self._buffer: _Buffer | None = _Buffer()
        self._logger.addHandler(self._buffer)

    @property
    def attached(self) -> bool:
        return self.control is not None

    def attach(self, datadir: DataDir, *, debug: bool) -> LogControl:
        """Open the log files once (later starts of the same run keep writing to them)."""
        if self.control is not None:
            return self.control
        self.control = setup_logging(datadir.logs_dir, console=False, debug=debug)
        buffered = self._drop_buffer()
        files = [h for h in self._logger.handlers if isinstance(h, logging.FileHandler)]
        for record in buffered:
            for handler in files:
                if record.levelno >= handler.level:
                    handler.handle(record)
        return self.control

    def _drop_buffer(self) -> list[logging.LogRecord]:
        if self._buffer is None:
            return []
        self._logger.removeHandler(self._buffer)
        records, self._buffer = self._buffer.records, None
        return records

    def close(self) -> None:
        self._drop_buffer()
        if self.control is not None:
            self.control.close()
            self.control = None
        self._logger.setLevel(self._level_before)
