"""Copy the bundled SillyTavern extension into a SillyTavern folder, and report what is there.

SillyTavern (1.12 and later) loads a user's extensions from `<dataRoot>/<user>/extensions/<name>/`
and serves them at `/scripts/extensions/third-party/<name>/`; `dataRoot` is `config.yaml`'s key
of that name, relative to the SillyTavern folder, `./data` by default. Beside the copied files the
installer writes `defaults.json` (non-secret defaults the extension fetches from its own folder:
`serverUrl`, `clientId`; settings changed in SillyTavern win over them).

A replaced copy is swapped, not overwritten: the new files go to a hidden sibling folder first,
which is renamed into place only once complete, so a crash leaves either the old copy or the new
one, never half of each. Leftovers of an interrupted install are removed by the next one.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import os
import re
import secrets
import shutil
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import urlsplit

import yaml

from newage_desktop.protocol.validation import MAX_CLIENT_ID, has_control_chars, is_valid_client_id

EXTENSION_NAME: Final = "newage-desktop"
DEFAULTS_FILE: Final = "defaults.json"
MANIFEST_FILE: Final = "manifest.json"
DEFAULT_USER: Final = "default-user"
DEFAULT_DATA_ROOT: Final = "./data"
EXTENSION_DEFAULT_SERVER_URL: Final = "http://127.0.0.1:4000"  # the extension's own default

_PARTIAL: Final = f".{EXTENSION_NAME}.partial-"
_OLD: Final = f".{EXTENSION_NAME}.old-"
_NOT_COPIED: Final = ("__pycache__", "*.py[co]", ".DS_Store", "Thumbs.db", DEFAULTS_FILE)
_FORBIDDEN_IN_CLIENT_ID: Final = '/\\:*?"<>|'

Action = Literal["installed", "replaced", "reinstalled"]
ErrorKind = Literal[
    "missing",  # the SillyTavern folder does not exist or is not a folder
    "not_sillytavern",  # no package.json of sillytavern (`suggestion` may name the right one)
    "bad_config",  # config.yaml cannot be read
    "bad_user",
    "bad_server_url",
    "bad_client_id",
    "not_replaceable",  # the extension's folder is a symbolic link or a file
    "no_bundle",  # this installation of NewAge Desktop lacks the extension
    "io",  # copying or renaming failed (permissions, disk full)
]


class InstallError(Exception):
    """Bad input, or a folder that cannot be installed into; `str()` is the message to show."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        path: Path | None = None,
        value: str = "",
        suggestion: Path | None = None,
        detail: str = "",
    ) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.path = path
        self.value = value
        self.suggestion = suggestion
        self.detail = detail


@dataclass(frozen=True)
class InstallResult:
    path: Path  # the extension's folder inside SillyTavern
    action: Action  # fresh install / replaced another version / same version again
    previous_version: str | None  # of the replaced copy (None if fresh or unknown)
    version: str | None  # of the copy now installed
    defaults: dict[str, str]  # what defaults.json now holds
    created_user_dir: bool  # <dataRoot>/<user> did not exist (SillyTavern never ran there)


@dataclass(frozen=True)
class ExtensionStatus:
    path: Path
    installed: bool
    installed_version: str | None
    bundled_version: str | None
    defaults: dict[str, Any] | None  # defaults.json of the installed copy; None if absent
    user_dir_exists: bool

    @property
    def update_available(self) -> bool:
        return self.installed and is_newer(self.bundled_version, self.installed_version)


# --- the bundled extension ---------------------------------------------------------------------
def bundled_extension_dir() -> Path:
    # Package data in a wheel; the PyInstaller build puts it at the same package-relative path
    # (packaging/newage_desktop.spec), where a frozen module's __file__ also points.
    return Path(__file__).resolve().parent / "extension"


def read_version(folder: Path) -> str | None:
    """The `version` of the folder's manifest.json; None if missing or unreadable."""
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    version = manifest.get("version") if isinstance(manifest, dict) else None
    return version if isinstance(version, str) and version else None


def is_newer(candidate: str | None, current: str | None) -> bool:
    """True if `candidate` is a later version than `current` (any difference if not numeric)."""
    if candidate is None or candidate == current:
        return False
    new, old = _numeric(candidate), _numeric(current or "")
    if new is None or old is None:
        return True
    return new > old


def _numeric(version: str) -> tuple[int, ...] | None:
    match = re.fullmatch(r"v?(\d+(?:\.\d+)*)", version.strip())
    return tuple(int(part) for part in match.group(1).split(".")) if match else None


# --- validation --------------------------------------------------------------------------------
def _is_sillytavern(folder: Path) -> bool:
    try:
        package = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(package, dict) and str(package.get("name", "")).lower() == "sillytavern"


def _nearby_sillytavern(folder: Path) -> Path | None:
    """A SillyTavern folder just above or below `folder` (a data/ or parent folder was chosen)."""
    for parent in list(folder.parents)[:3]:
        if _is_sillytavern(parent):
            return parent
    with contextlib.suppress(OSError):
        for number, child in enumerate(sorted(folder.iterdir())):
            if number >= 200:
                break
            if child.is_dir() and _is_sillytavern(child):
                return child
    return None


def check_sillytavern_dir(folder: Path | str) -> Path:
    """The folder, made absolute, if it is a SillyTavern folder; else InstallError."""
    if not str(folder).strip():  # not "the current folder" by accident
        raise InstallError("missing", "No SillyTavern folder given.")
    path = Path(os.path.abspath(Path(folder).expanduser()))
    if not path.is_dir():
        what = "is not a folder" if path.exists() else "does not exist"
        raise InstallError("missing", f"{path} {what}.", path=path)
    if _is_sillytavern(path):
        return path
    nearby = _nearby_sillytavern(path)
    hint = f" Did you mean {nearby}?" if nearby is not None else ""
    raise InstallError(
        "not_sillytavern",
        f"{path} is not a SillyTavern folder (no package.json of sillytavern).{hint}",
        path=path,
        suggestion=nearby,
    )


def check_user(user: str) -> str:
    """A SillyTavern user handle: the name of the user's folder under the data root."""
    if not user:
        problem = "it is empty"
    elif user in (".", ".."):
        problem = "it must be a folder name, not . or .."
    elif any(ch in user for ch in "/\\:"):
        problem = "it must not contain / \\ or :"
    elif has_control_chars(user):
        problem = "it must not contain control characters"
    else:
        return user
    raise InstallError("bad_user", f"Invalid SillyTavern user {user!r}: {problem}.", value=user)


def check_server_url(url: str) -> str:
    """An http(s) URL of scheme, host and optional port only (a trailing / is dropped)."""
    text = url.strip()
    problem = ""
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises ValueError for a port out of range or not a number
    except ValueError as exc:
        problem = str(exc)
    else:
        if parts.scheme not in ("http", "https"):
            problem = "it must start with http:// or https://"
        elif not parts.hostname:
            problem = "it has no host"
        elif parts.username is not None or parts.password is not None:
            problem = "it must not contain a user name or password"
        elif parts.path not in ("", "/") or parts.query or parts.fragment:
            problem = "it must be only scheme, host and port (no path: the extension adds it)"
        elif any(ch.isspace() for ch in text) or has_control_chars(text):
            problem = "it must not contain spaces or control characters"
    if problem:
        raise InstallError(
            "bad_server_url",
            f"Invalid server URL {url!r}: {problem}; for example {EXTENSION_DEFAULT_SERVER_URL}.",
            value=url,
        )
    return text.rstrip("/")


def client_id_problem(client_id: str) -> str | None:
    """Why `client_id` is not a valid clientId (PROTOCOL.md §4.1), or None if it is."""
    forbidden = next((ch for ch in client_id if ch in _FORBIDDEN_IN_CLIENT_ID), None)
    if not client_id:
        return "it is empty"
    if len(client_id) > MAX_CLIENT_ID:
        return f"it has {len(client_id)} characters, at most {MAX_CLIENT_ID} are allowed"
    if has_control_chars(client_id):
        return "it contains control characters"
    if forbidden is not None:
        return f"it contains {forbidden!r}; none of {' '.join(_FORBIDDEN_IN_CLIENT_ID)} is allowed"
    if client_id.startswith("."):
        return "it must not start with '.'"
    if client_id.endswith((".", " ")):
        return "it must not end with '.' or a space"
    if not is_valid_client_id(client_id):  # the protocol's rule is the authority
        return "it is not a valid clientId"
    return None


def check_client_id(client_id: str) -> str:
    problem = client_id_problem(client_id)
    if problem is not None:
        raise InstallError(
            "bad_client_id", f"Invalid clientId {client_id!r}: {problem}.", value=client_id
        )
    return client_id


# --- SillyTavern's folders ---------------------------------------------------------------------
def data_root(sillytavern_dir: Path) -> Path:
    """`dataRoot` of config.yaml (relative to the SillyTavern folder), else `./data`."""
    config = sillytavern_dir / "config.yaml"
    value: object = None
    if config.is_file():
        try:
            loaded = yaml.safe_load(config.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            detail = str(exc).strip()
            raise InstallError(
                "bad_config", f"Cannot read {config}: {detail}", path=config, detail=detail
            ) from exc
        if isinstance(loaded, dict):
            value = loaded.get("dataRoot")
    root = Path(value if isinstance(value, str) and value.strip() else DEFAULT_DATA_ROOT)
    return Path(os.path.normpath(sillytavern_dir / root))


def existing_users(root: Path) -> list[str]:
    """User handles SillyTavern has created under the data root (each has a settings.json)."""
    try:
        children = sorted(root.iterdir())
    except OSError:
        return []
    return [
        child.name
        for child in children
        if not child.name.startswith(("_", ".")) and (child / "settings.json").is_file()
    ]


def extension_dir(
    sillytavern_dir: Path | str,
    user: str = DEFAULT_USER,
    root: Path | str | None = None,
) -> Path:
    """Where the extension of `user` lives (validating both). `root` overrides the data root,
    for a SillyTavern started with `--dataRoot` (relative to the SillyTavern folder)."""
    folder = check_sillytavern_dir(sillytavern_dir)
    base = Path(os.path.normpath(folder / root)) if root is not None else data_root(folder)
    return base / check_user(user) / "extensions" / EXTENSION_NAME


# --- install and status ------------------------------------------------------------------------
def install(
    sillytavern_dir: Path | str,
    *,
    user: str = DEFAULT_USER,
    server_url: str | None = None,
    client_id: str | None = None,
    source: Path | None = None,
    root: Path | str | None = None,
) -> InstallResult:
    """Copy the extension (`source`, default the bundled one) for `user`; write defaults.json.
    `root`: the data root, if SillyTavern runs with `--dataRoot`."""
    target = extension_dir(sillytavern_dir, user, root)
    defaults: dict[str, str] = {}
    if server_url is not None:
        defaults["serverUrl"] = check_server_url(server_url)
    if client_id is not None:
        defaults["clientId"] = check_client_id(client_id)
    source = source if source is not None else bundled_extension_dir()
    if not (source / MANIFEST_FILE).is_file():
        raise InstallError(
            "no_bundle",
            f"The SillyTavern extension is missing from this installation ({source}).",
            path=source,
        )
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        what = "a symbolic link" if target.is_symlink() else "not a folder"
        raise InstallError(
            "not_replaceable",
            f"{target} is {what}; move it away yourself to install a copy there.",
            path=target,
        )
    created_user_dir = not target.parent.parent.is_dir()
    existed = target.is_dir()
    previous = read_version(target) if existed else None
    version = read_version(source)
    partial = target.with_name(f"{_PARTIAL}{secrets.token_hex(4)}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(target.parent)
        _copy_tree(source, partial)
        _write_synced(partial / DEFAULTS_FILE, json.dumps(defaults, indent=2) + "\n")
        _swap_in(partial, target)
    except OSError as exc:
        _remove_tree(partial)
        detail = f"{exc.strerror}: {exc.filename}" if exc.strerror and exc.filename else str(exc)
        raise InstallError(
            "io", f"Cannot install into {target}: {detail}", path=target, detail=detail
        ) from exc
    if not existed:
        action: Action = "installed"
    elif previous is not None and previous == version:
        action = "reinstalled"
    else:
        action = "replaced"
    return InstallResult(target, action, previous, version, defaults, created_user_dir)


def status(
    sillytavern_dir: Path | str,
    *,
    user: str = DEFAULT_USER,
    source: Path | None = None,
    root: Path | str | None = None,
) -> ExtensionStatus:
    target = extension_dir(sillytavern_dir, user, root)
    installed = target.is_dir() and (target / MANIFEST_FILE).is_file()
    defaults: dict[str, Any] | None = None
    if installed:
        try:
            loaded = json.loads((target / DEFAULTS_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            loaded = None
        defaults = loaded if isinstance(loaded, dict) else None
    return ExtensionStatus(
        path=target,
        installed=installed,
        installed_version=read_version(target) if installed else None,
        bundled_version=read_version(source if source is not None else bundled_extension_dir()),
        defaults=defaults,
        user_dir_exists=target.parent.parent.is_dir(),
    )


# --- files -------------------------------------------------------------------------------------
def _copy_tree(source: Path, destination: Path) -> None:
    """Copy files, not permissions: a read-only package folder must not give a read-only copy
    (the next install could not replace it)."""
    destination.mkdir()
    for entry in sorted(source.iterdir()):
        if any(fnmatch.fnmatch(entry.name, pattern) for pattern in _NOT_COPIED):
            continue
        if entry.is_dir():
            _copy_tree(entry, destination / entry.name)
        elif entry.is_file():
            with entry.open("rb") as src, (destination / entry.name).open("xb") as dst:
                shutil.copyfileobj(src, dst)
                dst.flush()
                os.fsync(dst.fileno())


def _write_synced(path: Path, text: str) -> None:
    with path.open("x", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())


def _swap_in(new: Path, target: Path) -> None:
    """Rename the complete `new` folder to `target`, moving an existing one out of the way."""
    if not target.exists():
        new.rename(target)
        return
    old = target.with_name(f"{_OLD}{secrets.token_hex(4)}")
    target.rename(old)
    try:
        new.rename(target)
    except OSError:
        old.rename(target)
        raise
    _remove_tree(old)


def _remove_leftovers(extensions: Path) -> None:
    for child in extensions.iterdir():
        if child.name.startswith((_PARTIAL, _OLD)) and not child.is_symlink():
            _remove_tree(child)


def _remove_tree(path: Path) -> None:
    """Best effort (what stays is removed by the next install); read-only files too (Windows)."""

    def retry_writable(func: Callable[..., Any], name: str, _exc: object) -> None:
        with contextlib.suppress(OSError):
            os.chmod(name, stat.S_IWRITE)
            func(name)

    if not path.is_dir():
        return
    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=retry_writable)
    else:
        shutil.rmtree(path, onerror=retry_writable)
