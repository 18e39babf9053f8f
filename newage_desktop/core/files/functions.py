"""Server functions of `FUNCTION_CALL` with `target:'server'` (PROTOCOL.md §9.3).

Remote clients read and write JSON files of the data directory through these functions, so
this module is a sandbox first: every path is resolved (``..`` and symbolic links) before any
rule is applied (:mod:`newage_desktop.core.files.sandbox`), and the rules run in the order of §9.3:

1. outside the data directory → ``Access denied: Path is outside the server directory.``
2. ``keys/``, ``logs/``, the SQLite files, setting ``restrictedFiles`` →
   ``Access denied: File is restricted.``
3. not ``.json`` → ``Access denied: Only .json files are allowed.``
4. ``settings/``: non-admins read only ``server_settings.json`` and their own trust file,
   and write nothing (a trust file grants trust, ``clientType: monitor`` grants admin).
5. ``settings/server_settings.json``: a write that would change one of ``OPERATOR_SETTINGS``
   is refused whole with ``Access denied: <key> can only be changed by the operator.``
6. Non-admin writes never go into a folder served over HTTP (``public/``, ``exampleClient/``,
   any mount), a file as written is at most ``MAX_CLIENT_FILE_BYTES``, and one clientId creates
   at most ``MAX_CLIENT_FILES`` files (counted in ``saved_files.json``, which is restricted).

Results are nested twice for upstream compatibility: :meth:`ServerFunctions.call` returns the
*inner* object (``{success, result|error}``), which the transport puts under ``result`` of a
successful ack. Only an unknown function, missing admin rights or a malformed argument of
``addStaticResources`` fail the call itself (:class:`FunctionCallError`).
"""

from __future__ import annotations

import errno
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from newage_desktop.core.app import Core
from newage_desktop.core.auth.trust import trust_file_name
from newage_desktop.core.files.sandbox import (
    FILE_RECORD_NAME,
    DataPath,
    is_within,
    locate,
    real_path,
)
from newage_desktop.core.files.staticfiles import BUILTIN_MOUNTS
from newage_desktop.core.store.jsonfiles import (
    CorruptFileError,
    locked,
    read_json,
    write_json_atomic,
)
from newage_desktop.core.store.settings import DEFAULTS
from newage_desktop.protocol import errors as err

__all__ = ["Caller", "FunctionCallError", "ServerFunctions"]

log = logging.getLogger("newage.functions")

RESTRICTED_FOLDERS: Final = ("keys", "logs")
SETTINGS_FOLDER: Final = "settings"
SERVER_SETTINGS_NAME: Final = "server_settings.json"
INVALID_FILE_PATH: Final = "Invalid file path."
RESOURCES_NOT_OBJECT: Final = "Resources must be an object."
# Non-admin writes (§9.3): a page may call saveJsonToFile, so it must not fill the disk.
MAX_CLIENT_FILE_BYTES: Final = 64 * 1024  # the file as written, after the merge
MAX_CLIENT_FILES: Final = 32  # files one non-admin clientId may create
SERVED_FOLDER: Final = "Access denied: Folder is served over HTTP."
FILE_TOO_LARGE: Final = f"Access denied: File would exceed {MAX_CLIENT_FILE_BYTES} bytes."
TOO_MANY_FILES: Final = f"Access denied: A client may create at most {MAX_CLIENT_FILES} files."
FILE_RECORD_CORRUPT: Final = "Access denied: The record of saved files is unreadable."
# §9.3: the settings that decide who can reach the server belong to the operator (the window,
# the command line or the file itself); saveJsonToFile may not change them.
OPERATOR_SETTINGS: Final = frozenset(
    {
        "networkSafe",
        "bindAddress",
        "serverPort",
        "corsAllowedOrigins",
        "allowKeyRequests",
        "pairingRequests",
        "maxPayloadBytes",
        "restrictedFiles",
        # The Socket.IO Admin UI shows every socket: who may log in is the operator's choice.
        "adminUiEnabled",
        "adminUiUsername",
        "adminUiPasswordHash",
        "adminUiReadonly",
        "adminUiMode",
    }
)
# Never sent to a client, admin or not: a bcrypt hash can be attacked offline.
SECRET_SETTINGS: Final = frozenset({"adminUiPasswordHash"})


def operator_only(key: str) -> str:
    return f"Access denied: {key} can only be changed by the operator."


@dataclass(frozen=True)
class Caller:
    """Who calls: the rules depend on admin rights and on the caller's own trust file."""

    client_id: str
    is_admin: bool


class FunctionCallError(Exception):
    """Fails the call itself: the ack is ``{requestId, success:false, error:{message}}``."""


class _Refused(Exception):
    """A path refusal; reported inside the function's own result (``EACCES``)."""


@dataclass(frozen=True)
class _Function:
    name: str
    admin_only: bool
    run: Callable[[ServerFunctions, Caller, list[Any]], Any]


def _arg(args: list[Any], index: int) -> Any:
    """JavaScript semantics: a missing argument is ``undefined`` (None here)."""
    return args[index] if index < len(args) else None


def _os_error(exc: OSError, path: str) -> dict[str, Any]:
    code = errno.errorcode.get(exc.errno or 0, "EIO")
    reason = exc.strerror or str(exc)
    return {"message": f"{code}: {reason.lower()}, open '{path}'", "code": code}


class ServerFunctions:
    """The function table over one core. Cheap to build; holds no state of its own."""

    def __init__(self, core: Core) -> None:
        self._core = core

    # --- the table -----------------------------------------------------------------------------
    def read_json_from_file(self, caller: Caller, args: list[Any]) -> dict[str, Any]:
        file_path = _arg(args, 0)
        if not isinstance(file_path, str):
            return {"success": False, "error": {"message": INVALID_FILE_PATH, "code": "EINVAL"}}
        try:
            target = self._check_path(file_path)
            if target.under(SETTINGS_FOLDER) and not caller.is_admin:
                allowed = (SERVER_SETTINGS_NAME, trust_file_name(caller.client_id))
                if len(target.parts) != 2 or target.parts[1] not in allowed:
                    raise _Refused(err.FILE_RESTRICTED)
        except _Refused as exc:
            return {"success": False, "error": {"message": str(exc), "code": "EACCES"}}
        try:
            data = read_json(target.real)
        except FileNotFoundError:
            message = f"ENOENT: no such file or directory, open '{file_path}'"
            return {"success": False, "error": {"message": message, "code": "ENOENT"}}
        except CorruptFileError as exc:
            message = f"Invalid JSON in {file_path}: line {exc.line}, column {exc.column}"
            return {"success": False, "error": {"message": message, "code": "EINVAL"}}
        except OSError as exc:
            return {"success": False, "error": _os_error(exc, file_path)}
        if self._is_server_settings(target) and isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in SECRET_SETTINGS}
        return {"success": True, "result": data}

    def save_json_to_file(self, caller: Caller, args: list[Any]) -> dict[str, Any]:
        file_path, data = _arg(args, 0), _arg(args, 1)
        if not isinstance(file_path, str):
            return {"success": False, "error": INVALID_FILE_PATH}
        try:
            target = self._check_path(file_path)
        except _Refused as exc:
            return {"success": False, "error": str(exc)}
        in_settings = target.under(SETTINGS_FOLDER)
        if in_settings and not caller.is_admin:
            return {"success": False, "error": err.ONLY_ADMINS_WRITE_SETTINGS}
        if not caller.is_admin and self._is_served(target):
            return {"success": False, "error": SERVED_FOLDER}
        if not isinstance(data, dict):
            return {"success": False, "error": err.DATA_NOT_OBJECT}
        try:
            # One writer (§3.6): the read, the checks and the write under the folder's lock, so
            # a change the command line makes meanwhile is neither undone nor raced.
            if self._is_server_settings(target):
                with locked(self._core.datadir.server_settings_file):
                    changed = self._operator_setting_changed(data)
                    if changed is not None:
                        log.warning(f"saveJsonToFile: {caller.client_id} may not change {changed}")
                        return {"success": False, "error": operator_only(changed)}
                    self._save_settings(data)
            else:
                with locked(target.real):
                    merged = self._merged(target, data)
                    if not caller.is_admin:
                        refusal = self._client_limits(caller, target, merged)
                        if refusal is not None:
                            log.info(f"saveJsonToFile: {caller.client_id} refused: {refusal}")
                            return {"success": False, "error": refusal}
                    write_json_atomic(target.real, merged)
        except CorruptFileError:
            return {"success": False, "error": err.existing_not_object(file_path)}
        except (OSError, ValueError) as exc:
            return {"success": False, "error": str(exc) or err.UNKNOWN_FUNCTION_ERROR}
        if in_settings:
            self._core.refresh_files()  # §3.2: keys, then trust, re-read at once
        log.info(f"saveJsonToFile: {caller.client_id} wrote {'/'.join(target.parts)}")
        return {"success": True}

    def add_static_resources(self, caller: Caller, args: list[Any]) -> dict[str, Any]:
        resources = _arg(args, 0)
        if not isinstance(resources, dict):
            raise FunctionCallError(RESOURCES_NOT_OBJECT)
        results: list[dict[str, Any]] = []
        for url_path, message in self._core.static_mounts.add_all(resources):
            if message is None:
                log.info(f"Static resource mounted by {caller.client_id}: {url_path}")
                results.append({"urlPath": url_path, "status": "success"})
            else:
                results.append({"urlPath": url_path, "status": "error", "message": message})
        return {"success": all(r["status"] == "success" for r in results), "results": results}

    def list_functions(self, caller: Caller, args: list[Any]) -> dict[str, Any]:
        table = [{"name": f.name, "adminOnly": f.admin_only} for f in _FUNCTIONS.values()]
        return {"success": True, "result": table}

    # --- dispatch ------------------------------------------------------------------------------
    def call(self, name: str, args: list[Any], caller: Caller) -> Any:
        """Run one function; returns its (inner) result or raises FunctionCallError."""
        function = _FUNCTIONS.get(name)
        if function is None:
            raise FunctionCallError(err.function_not_found(name))
        if function.admin_only and not caller.is_admin:
            raise FunctionCallError(err.PERMISSION_DENIED)
        return function.run(self, caller, args)

    # --- helpers -------------------------------------------------------------------------------
    def _check_path(self, file_path: str) -> DataPath:
        """Rules 1-3 of the module docstring; raises _Refused with the wire message."""
        root = real_path(self._core.datadir.root)
        target = locate(root, file_path)
        if target is None:
            raise _Refused(err.PATH_OUTSIDE)
        if self._restricted(root, target):
            raise _Refused(err.FILE_RESTRICTED)
        if target.real.suffix != ".json":
            raise _Refused(err.ONLY_JSON)
        return target

    def _restricted(self, root: Path, target: DataPath) -> bool:
        if target.is_database or target.is_file_record or target.has_stream_name:
            return True
        if any(target.under(folder) for folder in RESTRICTED_FOLDERS):
            return True
        for entry in self._core.settings.restricted_files:
            restricted = locate(root, entry) if entry else None
            if restricted is None or not restricted.parts:
                continue  # an entry outside (or naming all of) the data dir restricts nothing
            if target.folded[: len(restricted.parts)] == restricted.folded:
                return True
        return False

    def _is_server_settings(self, target: DataPath) -> bool:
        settings_file = real_path(self._core.datadir.server_settings_file)
        return os.path.normcase(target.real) == os.path.normcase(settings_file)

    def _operator_setting_changed(self, data: dict[str, Any]) -> str | None:
        """The first operator-only key of ``data`` whose value differs from the file's (§9.3).

        Compared with the file as it is on disk (a key it lacks has its default), as canonical
        JSON, so ``0`` does not pass for ``false`` nor ``[true]`` for ``[1]``. A corrupt file
        raises CorruptFileError, like the write itself would.
        """
        try:
            current = read_json(self._core.datadir.server_settings_file)
        except FileNotFoundError:
            current = {}
        if not isinstance(current, dict):
            raise CorruptFileError(
                self._core.datadir.server_settings_file, 1, 1, "the top level is not a JSON object"
            )
        for key, value in data.items():
            if key not in OPERATOR_SETTINGS:
                continue
            if _canonical(value) != _canonical(current.get(key, DEFAULTS[key])):
                return key
        return None

    def _save_settings(self, data: dict[str, Any]) -> None:
        """Through the settings store, so the change takes effect at once (§3.1)."""
        store = self._core.settings_store
        was_network_safe = store.settings.network_safe
        for warning in store.update(data):
            log.warning(warning)
        network_safe = store.settings.network_safe
        if network_safe != was_network_safe:
            if network_safe:
                log.warning("networkSafe is ON: authentication is disabled on every namespace")
            else:
                log.info("networkSafe is OFF: authentication is required again")

    @staticmethod
    def _merged(target: DataPath, data: dict[str, Any]) -> dict[str, Any]:
        """Shallow merge over the existing object (missing → ``{}``); written by the caller."""
        try:
            existing = read_json(target.real)
        except FileNotFoundError:
            existing = {}
        if not isinstance(existing, dict):
            raise CorruptFileError(target.real, 1, 1, "the top level is not a JSON object")
        return {**existing, **data}

    def _is_served(self, target: DataPath) -> bool:
        """In ``public/``, ``exampleClient/`` (by name, as the sandbox folds names) or in any
        mounted folder as it resolves now: a file written there would be served over HTTP."""
        if any(target.under(folder) for folder in BUILTIN_MOUNTS.values()):
            return True
        mounts = self._core.static_mounts.mounts().values()
        return any(is_within(target.real, real_path(folder)) for folder in mounts)

    def _client_limits(
        self, caller: Caller, target: DataPath, merged: dict[str, Any]
    ) -> str | None:
        """Rule 6: size and number of files of a non-admin write; records a new file.

        The file is recorded before it is written: a write that then fails leaves a record of
        a missing file, which is not counted (files removed since are not counted either).
        """
        text = json.dumps(merged, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        if len(text.encode("utf-8")) > MAX_CLIENT_FILE_BYTES:
            return FILE_TOO_LARGE
        if target.real.exists():
            return None  # rewriting a file is no creation
        record_file = self._core.datadir.root / FILE_RECORD_NAME
        try:
            record = read_json(record_file)
        except FileNotFoundError:
            record = {}
        except CorruptFileError:
            log.warning(f"{FILE_RECORD_NAME} is corrupt: non-admins cannot create files")
            return FILE_RECORD_CORRUPT
        if not isinstance(record, dict):
            return FILE_RECORD_CORRUPT
        root = real_path(self._core.datadir.root)
        entries = record.get(caller.client_id)
        created = [
            entry
            for entry in (entries if isinstance(entries, list) else [])
            if isinstance(entry, str) and _still_there(root, entry)
        ]
        if len(created) >= MAX_CLIENT_FILES:
            return TOO_MANY_FILES
        record[caller.client_id] = [*created, "/".join(target.parts)]
        write_json_atomic(record_file, record)
        return None


def _still_there(root: Path, entry: str) -> bool:
    located = locate(root, entry)
    return located is not None and located.real.is_file()


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


_FUNCTIONS: Final[dict[str, _Function]] = {
    f.name: f
    for f in (
        _Function("readJsonFromFile", False, ServerFunctions.read_json_from_file),
        _Function("saveJsonToFile", False, ServerFunctions.save_json_to_file),
        _Function("addStaticResources", True, ServerFunctions.add_static_resources),
        _Function("listFunctions", False, ServerFunctions.list_functions),
    )
}
