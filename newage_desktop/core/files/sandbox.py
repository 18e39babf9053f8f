"""Where a path really lies in the data directory (PROTOCOL.md §9.3, §10).

Function calls and static serving both let a remote party name a path. Every decision is taken
on the path as the operating system will open it: ``..`` collapsed and symbolic links followed
(``os.path.realpath``), never on the text the caller sent. Folder names are compared
case-insensitively, so ``KEYS/clients.json`` is refused on Linux too (there it is merely another
folder, on Windows and macOS it is the key file).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

__all__ = ["DATABASE_NAME", "FILE_RECORD_NAME", "DataPath", "is_within", "locate", "real_path"]

DATABASE_NAME: Final = "chat_history.sqlite3"
# Which files each non-admin clientId created through saveJsonToFile (§9.3); private like keys/.
FILE_RECORD_NAME: Final = "saved_files.json"


def real_path(path: str | Path) -> Path:
    """``path`` with ``..`` and symbolic links resolved (missing tails are kept as written)."""
    return Path(os.path.realpath(path))


def is_within(child: Path, parent: Path) -> bool:
    """True when ``child`` is ``parent`` or lies below it (both already resolved)."""
    c = os.path.normcase(str(child))
    p = os.path.normcase(str(parent))
    return c == p or c.startswith(p.rstrip(os.sep) + os.sep)


@dataclass(frozen=True)
class DataPath:
    """A resolved path inside the data directory."""

    real: Path
    parts: tuple[str, ...]  # relative to the resolved data root, as on disk; () for the root

    @property
    def folded(self) -> tuple[str, ...]:
        return tuple(part.casefold() for part in self.parts)

    def under(self, folder: str) -> bool:
        """Lies in (or is) the top-level ``folder`` of the data directory."""
        return bool(self.parts) and self.folded[0] == folder.casefold()

    @property
    def is_database(self) -> bool:
        """The SQLite file or one of its companions (``-wal``, ``-shm``, ``-journal``)."""
        return len(self.parts) == 1 and self.folded[0].startswith(DATABASE_NAME)

    @property
    def is_file_record(self) -> bool:
        """The record of files created by non-admins (never read, written or served)."""
        return self.folded == (FILE_RECORD_NAME,)

    @property
    def has_stream_name(self) -> bool:
        """Windows alternate data stream (``a.txt:b.json``): never a file of its own."""
        return os.name == "nt" and any(":" in part for part in self.parts)


def locate(root: Path, user_path: str) -> DataPath | None:
    """Resolve ``user_path`` (relative to ``root`` or absolute); None if it lies outside.

    ``root`` must already be resolved (:func:`real_path`). A path the operating system cannot
    represent (a NUL byte) counts as outside.
    """
    try:
        resolved = real_path(os.path.join(root, user_path))
    except (ValueError, OSError):
        return None
    if not is_within(resolved, root):
        return None
    relative = os.path.relpath(resolved, root)
    parts = () if relative == os.curdir else tuple(Path(relative).parts)
    return DataPath(resolved, parts)
