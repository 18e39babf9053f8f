"""One writer at a time for the files of a folder, across threads and processes.

The server, the desktop window (same process) and the command-line admin (another process) all
change ``keys/clients.json``, the trust files and ``server_settings.json``. Each change is a
read-merge-write; two of them interleaving would lose one. :func:`folder_lock` serialises them:

* Across processes, with an exclusive advisory lock on a lock file in the folder itself
  (:data:`LOCK_FILE_NAME`): ``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows. The lock
  goes away with the process, so a writer killed while holding it blocks nobody.
* Across threads of one process, with a re-entrant thread lock per folder: flock locks belong to
  an open file, so a second thread would otherwise get its own, conflicting lock and a nested
  call on the same thread would wait for itself forever.

A lock file is one empty file per folder, created on first use and never removed (removing it
while another process waits on it would let two writers in at once).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

__all__ = ["DEFAULT_TIMEOUT", "LOCK_FILE_NAME", "LockTimeout", "folder_lock"]

LOCK_FILE_NAME: Final = ".newage.lock"
# A writer holds the lock for one read, one write and two fsyncs: milliseconds. A wait this long
# means a process is stuck holding it (stopped in a debugger, say); fail instead of hanging.
DEFAULT_TIMEOUT: Final = 30.0
_POLL_START: Final = 0.001
_POLL_MAX: Final = 0.02


class LockTimeout(OSError):
    """The folder's lock could not be taken in time; nothing was read or written."""


class _FolderLock:
    """The thread lock of one folder and, while some thread holds it, the locked file."""

    def __init__(self, lock_path: Path) -> None:
        self.lock_path = lock_path
        self.thread_lock = threading.RLock()
        self.depth = 0
        self.fd: int | None = None


_guard = threading.Lock()
_locks: dict[str, _FolderLock] = {}


def _entry(folder: Path) -> _FolderLock:
    key = os.path.normcase(os.path.abspath(folder))
    with _guard:
        entry = _locks.get(key)
        if entry is None:
            entry = _locks[key] = _FolderLock(Path(key) / LOCK_FILE_NAME)
        return entry


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _lock_file(path: Path, deadline: float) -> int:
    """Open (creating) and lock ``path``; the descriptor stays open while the lock is held."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
    try:
        delay = _POLL_START
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise LockTimeout(f"{path} is held by another process")
            time.sleep(delay)
            delay = min(delay * 2, _POLL_MAX)
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextlib.contextmanager
def folder_lock(folder: Path, *, timeout: float = DEFAULT_TIMEOUT) -> Iterator[None]:
    """Hold the write lock of ``folder`` (created if missing) for the ``with`` block.

    Re-entrant on one thread. Raises :class:`LockTimeout` after ``timeout`` seconds.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    entry = _entry(folder)
    deadline = time.monotonic() + timeout
    if not entry.thread_lock.acquire(timeout=timeout):
        raise LockTimeout(f"{entry.lock_path} is held by another thread")
    try:
        if entry.depth == 0:
            entry.fd = _lock_file(entry.lock_path, deadline)
        entry.depth += 1
        try:
            yield
        finally:
            entry.depth -= 1
            if entry.depth == 0 and entry.fd is not None:
                fd, entry.fd = entry.fd, None
                try:
                    _unlock(fd)
                finally:
                    os.close(fd)
    finally:
        entry.thread_lock.release()
