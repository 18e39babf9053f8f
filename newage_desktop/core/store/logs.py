"""Log files in upstream's format (PROTOCOL.md §3.4).

``READ_LOG`` (§6.9) serves these files to clients and filters them by the first bracketed
token, so the format is part of the contract: one entry per line, ``YYYY-MM-DD HH:mm:ss
[<level>] [llm-server]: <message>``, extra metadata as compact JSON on the same line. Line
breaks inside a message are escaped so no message can forge a second entry.

Everything is attached to the ``newage`` logger: modules log through
``logging.getLogger("newage")`` or a child such as ``logging.getLogger("newage.relay")``.
The logger keeps propagating to the root logger, so pytest's ``caplog`` still sees it.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, Final

__all__ = [
    "LOGGER_NAME",
    "LOG_FILES",
    "LineFormatter",
    "LogControl",
    "SecretFilter",
    "setup_logging",
    "upstream_level",
]

LOGGER_NAME: Final = "newage"
LOG_FILES: Final = ("combined.log", "error.log", "warn.log", "info.log")
REDACTED: Final = "[redacted]"


def upstream_level(levelno: int) -> str:
    """Python level → upstream name: WARNING is ``warn``, CRITICAL folds into ``error``."""
    if levelno >= logging.ERROR:
        return "error"
    if levelno >= logging.WARNING:
        return "warn"
    if levelno >= logging.INFO:
        return "info"
    return "debug"


class SecretFilter(logging.Filter):
    """Replaces registered secrets by ``[redacted]`` (defence in depth; §3.4 forbids keys).

    Callers are expected never to log a key; this catches the mistake anyway. It rewrites the
    record itself (message, ``meta`` and exception text), so handlers with other formatters
    (a GUI log view) get the redacted text too, and :class:`LineFormatter` redacts the final
    line once more.
    """

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()

    def register(self, secret: str) -> None:
        """Redact ``secret`` from now on. An empty string would redact everywhere: ValueError."""
        if not secret:
            raise ValueError("an empty secret cannot be redacted")
        with self._lock:
            if secret not in self._secrets:
                # Longest first, so a secret containing another is replaced whole.
                self._secrets = tuple(sorted((*self._secrets, secret), key=len, reverse=True))

    def forget(self, secret: str) -> None:
        with self._lock:
            self._secrets = tuple(s for s in self._secrets if s != secret)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def _redact_value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {self._redact_value(k): self._redact_value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._redact_value(v) for v in value]
        return value

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        meta = getattr(record, "meta", None)
        if meta is not None:
            setattr(record, "meta", self._redact_value(meta))  # noqa: B010 - not a declared attribute
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class LineFormatter(logging.Formatter):
    """Formats one record as one upstream log line (local time)."""

    def __init__(self, secrets: SecretFilter | None = None) -> None:
        super().__init__()
        self._secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record.created))
        message = _one_line(record.getMessage())
        line = f"{stamp} [{upstream_level(record.levelno)}] [llm-server]: {message}"
        meta: Any = getattr(record, "meta", None)
        if record.exc_info or record.exc_text or record.stack_info:
            # A traceback on its own lines would break "one entry per line": put it in meta.
            extra = (
                dict(meta) if isinstance(meta, dict) else ({} if meta is None else {"meta": meta})
            )
            if record.exc_info and not record.exc_text:
                record.exc_text = self.formatException(record.exc_info)
            if record.exc_text:
                extra["stack"] = record.exc_text
            if record.stack_info:
                extra["stackInfo"] = record.stack_info
            meta = extra
        if meta is not None and meta != {}:
            line += " " + json.dumps(meta, ensure_ascii=False, separators=(",", ":"), default=str)
        if self._secrets is not None:
            line = self._secrets.redact(line)
        return line


# A message longer than this is cut: client-supplied names in a message (a stream id, a room
# name) could otherwise write a megabyte per line into every log file.
MAX_MESSAGE_CHARS = 4096


def _one_line(text: str) -> str:
    if len(text) > MAX_MESSAGE_CHARS:
        text = f"{text[:MAX_MESSAGE_CHARS]}… ({len(text) - MAX_MESSAGE_CHARS} more characters)"
    return text.replace("\r", "\\r").replace("\n", "\\n")


class _DebugGate(logging.Filter):
    """Lets debug records through only while debug mode is on (combined.log, console)."""

    def __init__(self, control: LogControl) -> None:
        super().__init__()
        self._control = control

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.INFO or self._control.debug


class LogControl:
    """Handle on the handlers :func:`setup_logging` installed; toggles debug mode."""

    def __init__(self, logger: logging.Logger, secrets: SecretFilter, debug: bool) -> None:
        self._logger = logger
        self._secrets = secrets
        self._own: list[logging.Handler] = []
        self._added: list[logging.Handler] = []
        self._debug = debug
        self._level_before = logger.level  # restored by close(), for repeated setups in tests

    @property
    def debug(self) -> bool:
        return self._debug

    @property
    def secrets(self) -> SecretFilter:
        """Register keys here the moment they exist; every handler redacts them."""
        return self._secrets

    def set_debug(self, on: bool) -> None:
        """Start or stop writing debug entries (the ``/debug`` toggle; not saved to settings)."""
        self._debug = on
        self._logger.setLevel(logging.DEBUG if on else logging.INFO)

    def _install(self, handler: logging.Handler, *, own: bool) -> None:
        handler.addFilter(self._secrets)
        (self._own if own else self._added).append(handler)
        self._logger.addHandler(handler)

    def add_handler(self, handler: logging.Handler) -> None:
        """Attach another consumer (e.g. the GUI log dock); secrets are redacted for it too."""
        self._install(handler, own=False)

    def remove_handler(self, handler: logging.Handler) -> None:
        self._logger.removeHandler(handler)
        if handler in self._added:
            self._added.remove(handler)

    def close(self) -> None:
        """Detach every handler, close the files this control opened (others' are theirs),
        and give the logger back its level from before :func:`setup_logging`."""
        for handler in [*self._own, *self._added]:
            self._logger.removeHandler(handler)
        for handler in self._own:
            handler.close()
        self._own.clear()
        self._added.clear()
        self._logger.setLevel(self._level_before)


def _rotate(logs_dir: Path) -> None:
    """Keep one generation: ``<name>`` becomes ``<name>.1``, replacing an older ``.1``."""
    for name in LOG_FILES:
        current = logs_dir / name
        if current.exists():
            os.replace(current, logs_dir / f"{name}.1")


def setup_logging(logs_dir: Path, *, console: bool, debug: bool) -> LogControl:
    """Rotate the old logs and attach the four file handlers (and stderr when ``console``).

    Call :meth:`LogControl.close` before calling this again in the same process.
    """
    logs_dir.mkdir(parents=True, exist_ok=True)
    _rotate(logs_dir)
    logger = logging.getLogger(LOGGER_NAME)
    secrets = SecretFilter()
    control = LogControl(logger, secrets, debug)
    control.set_debug(debug)
    formatter = LineFormatter(secrets)
    gate = _DebugGate(control)

    levels = {
        "combined.log": logging.DEBUG,
        "error.log": logging.ERROR,
        "warn.log": logging.WARNING,
        "info.log": logging.INFO,
    }
    handlers: list[logging.Handler] = []
    for name in LOG_FILES:
        file_handler = logging.FileHandler(
            logs_dir / name, encoding="utf-8", errors="backslashreplace"
        )
        file_handler.setLevel(levels[name])
        if name == "combined.log":
            file_handler.addFilter(gate)
        handlers.append(file_handler)
    if console:
        stream_handler = logging.StreamHandler(sys.stderr)
        stream_handler.setLevel(logging.DEBUG)
        stream_handler.addFilter(gate)
        handlers.append(stream_handler)
    for handler in handlers:
        handler.setFormatter(formatter)
        control._install(handler, own=True)
    return control
