"""Folders of the data directory served over HTTP (PROTOCOL.md §9.3 `addStaticResources`, §10).

The mount table is plain data owned by the core: ``addStaticResources`` adds to it while the
server runs, and the HTTP layer asks :meth:`StaticMounts.lookup` which file, if any, a request
path names. Everything that decides "may this be served" lives here, so it is tested without a
network:

* a request path never climbs (``.`` / ``..`` / empty segments) and never names a dotfile;
* the mounted folder itself is resolved at every request: one that is (or became) a link out
  of the data directory, or onto a folder that is, contains or lies inside `keys/`,
  `settings/` or `logs/`, serves nothing;
* after symbolic links are followed the file still lies inside its mounted folder;
* ``keys/``, ``settings/``, ``logs/``, the SQLite files and the record of saved files are never
  served, whatever the mounts;
* a folder is answered with its ``index.html`` (never a listing).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from newage_desktop.core.files.sandbox import DataPath, is_within, locate, real_path
from newage_desktop.protocol import errors as err

__all__ = [
    "BUILTIN_MOUNTS",
    "PROTECTED_FOLDERS",
    "AddSlash",
    "MountError",
    "StaticFile",
    "StaticMounts",
]

PROTECTED_FOLDERS: Final = ("keys", "settings", "logs")
RESERVED_PATHS: Final = ("/", "/index.html", "/healthz")
RESERVED_PREFIXES: Final = ("/socket.io", "/lib", "/monitor")
# Third-party web clients shipped in (or copied into) the data directory (§10).
BUILTIN_MOUNTS: Final = {"/exampleClient": "exampleClient", "/public": "public"}
INDEX_FILE: Final = "index.html"

_BAD_URL_CHARS: Final = frozenset('?#\\"<>')
FOLDER_RESTRICTED: Final = "Access denied: Folder is restricted."


class MountError(ValueError):
    """A mount that cannot be made; the message is what `addStaticResources` reports."""


@dataclass(frozen=True)
class StaticFile:
    path: Path


@dataclass(frozen=True)
class AddSlash:
    """The path names a mounted folder without its trailing ``/``: redirect to ``<path>/``,
    so relative links inside its ``index.html`` resolve inside the folder."""


def _has_control(text: str) -> bool:
    return any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in text)


def _safe_segment(segment: str) -> bool:
    """One request path segment that names an ordinary, visible entry."""
    return (
        segment != ""
        and not segment.startswith(".")
        and "\\" not in segment
        and not _has_control(segment)
        and not (os.name == "nt" and ":" in segment)
    )


def normalize_prefix(url_prefix: Any) -> str:
    """Validate an `addStaticResources` URL prefix; returns it without trailing slashes."""
    if not isinstance(url_prefix, str) or not url_prefix.startswith("/"):
        raise MountError('URL path must start with "/".')
    prefix = url_prefix.rstrip("/")
    if url_prefix in RESERVED_PATHS or prefix in ("", *RESERVED_PATHS):
        raise MountError(f"URL path {url_prefix} is reserved.")
    if url_prefix.startswith(RESERVED_PREFIXES) or prefix.startswith(RESERVED_PREFIXES):
        raise MountError(f"URL path {url_prefix} is reserved.")
    segments = prefix[1:].split("/")
    if any(not _safe_segment(s) or _BAD_URL_CHARS & set(s) for s in segments):
        raise MountError(f"Invalid URL path: {url_prefix}")
    return prefix


def protected_reason(root: Path, folder: DataPath) -> str | None:
    """Why ``folder`` may not be mounted: it is, contains or lies inside a protected folder."""
    if not folder.parts:
        return FOLDER_RESTRICTED  # the data directory itself contains all of them
    if any(folder.under(name) for name in PROTECTED_FOLDERS):
        return FOLDER_RESTRICTED
    for name in PROTECTED_FOLDERS:
        protected = real_path(root / name)  # the folder itself may be a link elsewhere
        if is_within(protected, folder.real) or is_within(folder.real, protected):
            return FOLDER_RESTRICTED
    return None


def never_served(root: Path, path: Path) -> bool:
    """`keys/`, `settings/`, `logs/` and the SQLite files, whatever the mounts (§10)."""
    if any(is_within(path, real_path(root / name)) for name in PROTECTED_FOLDERS):
        return True
    located = locate(root, str(path))
    return located is not None and (
        located.is_database
        or located.is_file_record
        or any(located.under(name) for name in PROTECTED_FOLDERS)
    )


class StaticMounts:
    """URL prefix → folder. Used on the event loop only."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._mounts: dict[str, Path] = {}
        self.reset()

    @property
    def root(self) -> Path:
        return real_path(self._root)

    def reset(self) -> None:
        """Forget `addStaticResources` mounts (a restart); keep the built-in folders."""
        self._mounts = {prefix: self._root / name for prefix, name in BUILTIN_MOUNTS.items()}

    def mounts(self) -> dict[str, Path]:
        return dict(self._mounts)

    def add(self, url_prefix: Any, folder: Any) -> str:
        """Mount ``folder`` (relative to the data directory, or absolute inside it) at
        ``url_prefix``; a later mount of the same prefix replaces the earlier one.

        Returns the normalised prefix; raises MountError with the reason otherwise.
        """
        prefix = normalize_prefix(url_prefix)
        if not isinstance(folder, str) or not folder:
            raise MountError("Folder must be a non-empty string.")
        located = self._mount_root(folder)
        self._mounts[prefix] = located.real
        return prefix

    def _mount_root(self, folder: str) -> DataPath:
        """``folder`` resolved, if it may be served: a folder inside the data directory that
        is not, does not contain and does not lie inside a protected folder."""
        root = self.root
        located = locate(root, folder)
        if located is None:
            raise MountError(err.PATH_OUTSIDE)
        reason = protected_reason(root, located)
        if reason is not None:
            raise MountError(reason)
        if located.is_database or located.has_stream_name or not located.real.is_dir():
            raise MountError(f"Folder not found: {folder}")
        return located

    def _served_root(self, folder: Path) -> Path | None:
        """The mount's root as it resolves *now*: a built-in folder may be a link, and any
        mounted folder may be replaced by one after it was mounted."""
        try:
            return self._mount_root(str(folder)).real
        except MountError:
            return None

    def add_all(self, resources: Mapping[str, Any]) -> list[tuple[str, str | None]]:
        """Mount each entry; returns ``(urlPrefix, error message or None)`` in order."""
        results: list[tuple[str, str | None]] = []
        for url_prefix, folder in resources.items():
            try:
                self.add(url_prefix, folder)
            except MountError as exc:
                results.append((url_prefix, str(exc)))
            else:
                results.append((url_prefix, None))
        return results

    def lookup(self, url_path: str) -> StaticFile | AddSlash | None:
        """What a GET of the (decoded) ``url_path`` serves; None means 404."""
        match = self._longest_mount(url_path)
        if match is None:
            return None
        prefix, folder = match
        folder_real = self._served_root(folder)
        if folder_real is None:
            return None
        rest = url_path[len(prefix) :]
        if rest == "":
            return AddSlash()
        segments = rest[1:].split("/")
        wants_folder = segments[-1] == ""
        if wants_folder:
            segments = segments[:-1]
        if not all(_safe_segment(s) for s in segments):
            return None
        target = self._checked(folder_real, folder_real.joinpath(*segments))
        if target is None:
            return None
        if target.is_dir():
            if not wants_folder:
                return AddSlash()
            index = self._checked(folder_real, target / INDEX_FILE)
            return StaticFile(index) if index is not None and index.is_file() else None
        if wants_folder or not target.is_file():
            return None
        return StaticFile(target)

    def _longest_mount(self, url_path: str) -> tuple[str, Path] | None:
        best: tuple[str, Path] | None = None
        for prefix, folder in self._mounts.items():
            if (url_path == prefix or url_path.startswith(prefix + "/")) and (
                best is None or len(prefix) > len(best[0])
            ):
                best = (prefix, folder)
        return best

    def _checked(self, folder_real: Path, candidate: Path) -> Path | None:
        """``candidate`` resolved, if it stays inside the folder, is no dotfile after links
        are followed, and is not one of the data directory's private files."""
        resolved = real_path(candidate)
        if not is_within(resolved, folder_real):
            return None
        relative = os.path.relpath(resolved, folder_real)
        if relative != os.curdir and any(p.startswith(".") for p in Path(relative).parts):
            return None
        if never_served(self.root, resolved):
            return None
        return resolved
