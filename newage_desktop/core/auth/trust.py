"""Trust files: ``settings/*.json`` other than ``server_settings.json`` (PROTOCOL.md §3.2, §4.5).

Trust is decided by files the operator can write by hand, so the store re-reads the whole
folder on demand instead of watching it: the admission code calls :meth:`TrustStore.reload`
when an unknown clientId knocks, and every write made here reloads too. Files belong to the
operator; only ``clientId``, ``isTrust`` and (when given) ``clientType``/``desc`` are ever
changed, every other field is preserved. A write holds the folder's inter-process lock
(:func:`~newage_desktop.core.store.jsonfiles.locked`, shared with the command line and with the
server settings) while it re-reads the file, merges its change and writes it atomically, so a
trust and an untrust from two processes both take effect, in the order they got the lock.

Admin capability (§4.8) is decided here too. Decision where the protocol is silent: a trust
file grants admin capability only if it says both ``"clientType": "monitor"`` and
``"isTrust": true``. A file that was untrusted (``isTrust: false``) therefore no longer makes
its clientId admin-capable even if another file trusts the same clientId as an ordinary
client. The literal clientId ``monitor`` is admin-capable regardless (upstream convention);
admission still requires it to be trusted and to present a valid key.

A file that cannot be used is reported once per version of it (PROTOCOL.md §13 item 6): the
server re-reads the folder about every second, so :meth:`TrustStore.reload` remembers each
skipped file's signature (mtime, size, inode) and problem and returns its warning again only
when either changes. When such a file becomes usable (or goes away), one info line says so.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.core.store.jsonfiles import (
    CorruptFileError,
    locked,
    read_json,
    write_json_atomic,
)

__all__ = ["MONITOR_CLIENT_ID", "TrustRecord", "TrustStore", "trust_file_name"]

MONITOR_CLIENT_ID = "monitor"
_SERVER_SETTINGS_NAME = "server_settings.json"

log = logging.getLogger("newage.trust")

_Signature = tuple[int, int, int]


def _signature(path: Path) -> _Signature | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def trust_file_name(client_id: str) -> str:
    """The file the server writes when it trusts ``client_id`` (upstream naming)."""
    return f"{client_id}-settings.json"


@dataclass(frozen=True)
class TrustRecord:
    """What one trust file says about its clientId."""

    client_id: str
    trusted: bool
    client_type: str | None
    desc: str | None
    path: Path


def _is_trust_file(path: Path) -> bool:
    # Compared case-insensitively: on Windows and macOS "Server_Settings.json" is the same file.
    return path.is_file() and path.name.lower() != _SERVER_SETTINGS_NAME


class TrustStore:
    """The cached trust set, rebuilt from ``settings/`` by :meth:`reload`."""

    def __init__(self, datadir: DataDir) -> None:
        self._folder = datadir.settings_dir
        self._write_lock = threading.Lock()
        self._records: tuple[TrustRecord, ...] = ()
        self._reload_lock = threading.Lock()
        # Skipped files already reported: path → (signature before reading, warning).
        self._reported: dict[Path, tuple[_Signature | None, str]] = {}

    # --- reading ---------------------------------------------------------------------------

    def reload(self) -> list[str]:
        """Re-read every trust file; return warnings for files newly skipped.

        A file that is not JSON, not an object, or lacks a string ``clientId`` trusts nobody
        and is named in a warning, once per version of the file: a later reload that finds
        the same file unchanged (same signature, same problem) returns no warning for it.
        A missing ``settings/`` folder means nobody is trusted. The new set replaces the old
        one in a single assignment, so readers on other threads see either the old or the
        new set, never a mix.
        """
        with self._reload_lock:
            return self._reload()

    def _reload(self) -> list[str]:
        records: list[TrustRecord] = []
        warnings: list[str] = []
        reported: dict[Path, tuple[_Signature | None, str]] = {}

        def skip(path: Path, signature: _Signature | None, problem: str) -> None:
            warning = f"Trust file {path} skipped: {problem}"
            reported[path] = (signature, warning)
            if self._reported.get(path) != (signature, warning):
                warnings.append(warning)

        for path, signature, data, problem in self._scan():
            if problem is not None:
                skip(path, signature, problem)
                continue
            client_id = data.get("clientId")
            if not isinstance(client_id, str) or not client_id:
                skip(path, signature, "no clientId string")
                continue
            client_type = data.get("clientType")
            desc = data.get("desc")
            records.append(
                TrustRecord(
                    client_id=client_id,
                    trusted=data.get("isTrust") is True,
                    client_type=client_type if isinstance(client_type, str) else None,
                    desc=desc if isinstance(desc, str) else None,
                    path=path,
                )
            )
        self._records = tuple(records)
        for path in sorted(self._reported.keys() - reported.keys()):
            if path.exists():
                log.info(f"Trust file {path} read again")
            else:
                log.info(f"Trust file {path} is gone")
        self._reported = reported
        return warnings

    def _scan(self) -> list[tuple[Path, _Signature | None, dict[str, Any], str | None]]:
        """Every candidate file with its signature (taken before reading) and its object, or
        with the reason it cannot be used."""
        try:
            paths = sorted(p for p in self._folder.glob("*.json") if _is_trust_file(p))
        except OSError:
            return []
        found: list[tuple[Path, _Signature | None, dict[str, Any], str | None]] = []
        for path in paths:
            signature = _signature(path)
            try:
                data = read_json(path)
            except FileNotFoundError:
                continue  # removed between listing and reading
            except CorruptFileError as exc:
                problem = f"invalid JSON at line {exc.line}, column {exc.column}: {exc.detail}"
                found.append((path, signature, {}, problem))
                continue
            except OSError as exc:
                found.append((path, signature, {}, f"cannot be read ({exc.strerror or exc})"))
                continue
            if not isinstance(data, dict):
                found.append((path, signature, {}, "not a JSON object"))
                continue
            found.append((path, signature, data, None))
        return found

    def records(self) -> list[TrustRecord]:
        """All usable trust files, sorted by file name."""
        return list(self._records)

    def is_trusted(self, client_id: str) -> bool:
        """True when at least one file names ``client_id`` with ``isTrust`` exactly ``true``."""
        return any(r.trusted for r in self._records if r.client_id == client_id)

    def is_admin_capable(self, client_id: str) -> bool:
        """§4.8; see the module docstring for why the monitor file must itself be trusted."""
        if client_id == MONITOR_CLIENT_ID:
            return True
        return any(
            r.trusted and r.client_type == "monitor"
            for r in self._records
            if r.client_id == client_id
        )

    def known_client_ids(self) -> set[str]:
        """Every clientId named by a usable trust file, trusted or not (§4.1 identity rule)."""
        return {r.client_id for r in self._records}

    # --- writing ---------------------------------------------------------------------------

    def trust(
        self, client_id: str, *, client_type: str | None = None, desc: str | None = None
    ) -> None:
        """Merge ``{clientId, isTrust: true, clientType?, desc?}`` into the client's own file.

        The caller has validated ``client_id`` (it becomes part of a file name). A corrupt or
        non-object file of that name raises CorruptFileError and is not overwritten.
        """
        path = self._folder / trust_file_name(client_id)
        with self._write_lock, locked(path):
            try:
                data = read_json(path)
            except FileNotFoundError:
                data = {}
            if not isinstance(data, dict):
                raise CorruptFileError(path, 1, 1, "the top level is not a JSON object")
            data["clientId"] = client_id
            data["isTrust"] = True
            if client_type is not None:
                data["clientType"] = client_type
            if desc is not None:
                data["desc"] = desc
            write_json_atomic(path, data)
        self.reload()

    def untrust(self, client_id: str) -> None:
        """Set ``isTrust: false`` in every file naming ``client_id``; other fields stay.

        Files that cannot be read trust nobody already and are left alone. Files already at
        ``false`` are not rewritten.
        """
        with self._write_lock, locked(self._folder / trust_file_name(client_id)):
            for path, _, data, problem in self._scan():
                if (
                    problem is None
                    and data.get("clientId") == client_id
                    and data.get("isTrust") is not False
                ):
                    data["isTrust"] = False
                    write_json_atomic(path, data)
        self.reload()
