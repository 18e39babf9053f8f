"""Where the server keeps its files (PROTOCOL.md §3).

The layout is upstream's, so an upstream ``server/`` folder works as a data directory as it is:
nothing here renames, moves or requires anything that folder lacks.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from newage_desktop.core.store.jsonfiles import clean_temp_files

__all__ = ["APP_NAME", "DATA_DIR_ENV", "DataDir", "default_data_dir", "resolve_data_dir"]

APP_NAME = "NewAge Desktop"
DATA_DIR_ENV = "NEWAGE_DATA_DIR"

_log = logging.getLogger("newage.datadir")


def default_data_dir() -> Path:
    """The per-user application data folder, shared by the desktop app and headless server."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def resolve_data_dir(cli_value: str | None, environ: Mapping[str, str]) -> Path:
    """Pick the data directory: ``--data-dir`` beats ``NEWAGE_DATA_DIR`` beats the default.

    An empty value counts as not given, so ``NEWAGE_DATA_DIR=`` in a service file does not
    silently mean "the current folder". ``~`` is expanded and the result made absolute (not
    resolved: a symbolic link the operator chose stays visible in messages).
    """
    for value in (cli_value, environ.get(DATA_DIR_ENV)):
        if value:
            return Path(os.path.abspath(Path(value).expanduser()))
    return Path(os.path.abspath(default_data_dir()))


@dataclass(frozen=True)
class DataDir:
    """Paths inside one data directory; :meth:`ensure` creates the folders at start-up."""

    root: Path

    @property
    def settings_dir(self) -> Path:
        return self.root / "settings"

    @property
    def keys_dir(self) -> Path:
        return self.root / "keys"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def server_settings_file(self) -> Path:
        return self.settings_dir / "server_settings.json"

    @property
    def keys_file(self) -> Path:
        return self.keys_dir / "clients.json"

    @property
    def chat_db_file(self) -> Path:
        return self.root / "chat_history.sqlite3"

    def ensure(self) -> None:
        """Create the root, ``settings/``, ``keys/`` (0700 on POSIX) and ``logs/`` if missing.

        An existing ``keys/`` (e.g. from an upstream folder) is tightened to 0700 as well,
        because it holds the key hashes. Filesystems that refuse chmod (vfat, some shares)
        only get a warning: refusing to start there would help nobody.

        Temporary files that a killed writer left in the folders whose JSON files the server
        writes (the root, ``settings/``, ``keys/``) are removed, under each folder's write lock
        so a writer of another process that is running now keeps its own (see
        :func:`~newage_desktop.core.store.jsonfiles.clean_temp_files`). Both the server and the
        command line call this at start-up.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        self.settings_dir.mkdir(exist_ok=True)
        self.logs_dir.mkdir(exist_ok=True)
        self.keys_dir.mkdir(mode=0o700, exist_ok=True)
        if os.name == "posix":
            try:
                os.chmod(self.keys_dir, 0o700)
            except OSError as exc:
                _log.warning("Could not restrict %s to mode 0700: %s", self.keys_dir, exc)
        for folder in (self.root, self.settings_dir, self.keys_dir):
            for path in clean_temp_files(folder):
                _log.info("Removed %s, left by an interrupted write", path)
