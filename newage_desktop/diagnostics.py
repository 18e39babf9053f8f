"""Where the terminal's output goes when there is no terminal, and where crashes are reported.

A windowed build has no console: on Windows `sys.stdout` and `sys.stderr` are None (a `write`
on them raises), on macOS and Linux desktops they lead to /dev/null or a journal nobody reads.
`install` therefore sends them to ``<data dir>/logs/console.log`` when they are missing, or when
a frozen window run has no terminal, and points `faulthandler` at ``logs/crash.log`` in every
run, so a hard crash (a segfault in Qt, an abort) leaves a Python traceback of every thread.
A run from a terminal keeps printing there.

Both files are appended to, because a second launch (which only wakes the first and exits) and
the restart after a crash must not wipe what the previous run wrote; each run starts with a
header line, and a file over its size cap is moved to ``<name>.1`` first.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TextIO

from newage_desktop import __version__

CONSOLE_LOG: Final = "console.log"
CRASH_LOG: Final = "crash.log"
CONSOLE_LOG_MAX_BYTES: Final = 5_000_000
CRASH_LOG_MAX_BYTES: Final = 1_000_000


@dataclass
class Diagnostics:
    """What `install` did; the files stay open (and referenced here) for the whole process."""

    logs_dir: Path
    console: TextIO | None  # console.log, if stdout or stderr now write to it
    crash: TextIO | None  # crash.log, if faulthandler writes to it


_installed: Diagnostics | None = None
_crash_lock = threading.Lock()


def needs_redirect(stream: TextIO | None, *, gui: bool, frozen: bool) -> bool:
    """A missing stream always; a non-terminal one in a frozen window run (nobody reads it)."""
    if stream is None:
        return True
    if not (gui and frozen):
        return False
    try:
        return not stream.isatty()
    except (ValueError, OSError):  # closed, or not a real file
        return True


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def install(logs_dir: Path, *, gui: bool, frozen: bool | None = None) -> Diagnostics:
    """Redirect the console streams if they need it and enable faulthandler into crash.log.

    Call once, as early as the data directory is known (`cli.main` does, before the window or
    the headless server starts); later calls return the first result. Never raises: if the
    log folder cannot be written, missing streams go to os.devnull so a `print` still works.
    """
    global _installed
    if _installed is not None:
        return _installed
    frozen = is_frozen() if frozen is None else frozen
    console = _redirect_console(logs_dir, gui=gui, frozen=frozen)
    crash = None if _user_wants_faulthandler_on_stderr() else _enable_crash_log(logs_dir)
    _installed = Diagnostics(logs_dir, console, crash)
    return _installed


def installed() -> Diagnostics | None:
    return _installed


def record_crash(title: str, details: str) -> None:
    """Append a report (an unhandled exception's traceback) to crash.log, if it is open."""
    crash = _installed.crash if _installed is not None else None
    if crash is None:
        return
    with _crash_lock:
        try:
            crash.write(f"\n{_stamp()} {title}\n{details.rstrip()}\n")
            crash.flush()
        except (OSError, ValueError):
            pass


def _redirect_console(logs_dir: Path, *, gui: bool, frozen: bool) -> TextIO | None:
    redirect_out = needs_redirect(sys.stdout, gui=gui, frozen=frozen)
    redirect_err = needs_redirect(sys.stderr, gui=gui, frozen=frozen)
    if not (redirect_out or redirect_err):
        return None
    target = _open_log(logs_dir / CONSOLE_LOG, CONSOLE_LOG_MAX_BYTES)
    if target is None:
        target = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    for name, fd, redirect in (("stdout", 1, redirect_out), ("stderr", 2, redirect_err)):
        if not redirect:
            continue
        _point_fd_at(getattr(sys, name), fd, target)
        setattr(sys, name, target)
    return target


def _point_fd_at(old: TextIO | None, fd: int, target: TextIO) -> None:
    """Qt and other C code write to file descriptors 1 and 2, not to `sys.stderr`: where those
    descriptors exist (a desktop launch on macOS or Linux), make them write to the file too.
    A Windows window process has none, and Qt logs to the debugger there anyway."""
    try:
        if old is None or old.fileno() != fd:
            return
        old.flush()
        os.dup2(target.fileno(), fd)
    except (OSError, ValueError, AttributeError):
        pass


def _user_wants_faulthandler_on_stderr() -> bool:
    """`python -X faulthandler` or PYTHONFAULTHANDLER on a terminal: leave it as asked."""
    return faulthandler.is_enabled() and not needs_redirect(sys.stderr, gui=False, frozen=False)


def _enable_crash_log(logs_dir: Path) -> TextIO | None:
    crash = _open_log(logs_dir / CRASH_LOG, CRASH_LOG_MAX_BYTES)
    if crash is None:
        return None
    try:
        faulthandler.enable(file=crash, all_threads=True)
    except (OSError, ValueError, RuntimeError):
        crash.close()
        return None
    return crash


def _open_log(path: Path, max_bytes: int) -> TextIO | None:
    """`path` opened for appending, line-buffered UTF-8, after this run's header line."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size > max_bytes:
            # Fails while another instance holds it open (Windows): then keep appending.
            with contextlib.suppress(OSError):
                os.replace(path, path.with_name(path.name + ".1"))
        stream = open(  # noqa: SIM115 - lives as long as the process
            path, "a", encoding="utf-8", errors="backslashreplace", buffering=1
        )
        stream.write(f"--- {_stamp()} newage-desktop {__version__} started (pid {os.getpid()})\n")
        return stream
    except OSError:
        return None


def _stamp() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")
