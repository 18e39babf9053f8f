"""Client keys: generation, bcrypt hashing and ``keys/clients.json`` (PROTOCOL.md §3.3, §4.4).

The file is the source of truth, and an operator (or the command-line admin, another process)
may change it while the server runs. Every write of the store is one change (one record put or
removed) applied to the file as it is on disk: under the folder's inter-process lock
(:func:`~newage_desktop.core.store.jsonfiles.locked`) the file is re-read, the change merged,
and the result written atomically and fsynced before the call returns. So no writer loses another's
key or brings back one another has removed, and the in-memory table is the file as read under
the lock plus the one change. :meth:`KeyStore.reload_if_changed` notices outside changes by the
file's signature and reports which clientIds lost or changed their hash, so the server can
revoke their live sockets (§4.10). The signature of the store's own write is taken under the
lock, so it is never mistaken for an external change, nor does it hide one; an external change
that a write of ours absorbed on its re-read is still reported by the next
:meth:`KeyStore.reload_if_changed`.

Plaintext keys exist only in :func:`new_key`'s return value and the caller's hands: the
hashing helpers are pure, so callers run them in a thread executor (bcrypt cost 10 takes
tens of milliseconds). The only log line written here is the one saying that a file which was
corrupt has been read again (it names the file, never a key or hash).

A file made corrupt while the server runs (PROTOCOL.md §13 item 6) keeps the last good state in
use, and :meth:`KeyStore.reload_if_changed` raises CorruptFileError only once per version of
the corrupt file (by its signature), so the poller's warning appears once per change rather
than at every poll.
"""

from __future__ import annotations

import copy
import logging
import os
import re
import threading
import uuid
from typing import Any, Final

import bcrypt

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.core.store.jsonfiles import (
    CorruptFileError,
    locked,
    read_json,
    write_json_atomic,
)

__all__ = [
    "BCRYPT_COST",
    "KEYS_FILE_MODE",
    "MAX_KEY_BYTES",
    "KeyStore",
    "check_key",
    "hash_key",
    "is_bcrypt_hash",
    "new_key",
]

BCRYPT_COST: Final = 10
MAX_KEY_BYTES: Final = 72  # bcrypt ignores (bcrypt 5: refuses) anything longer
KEYS_FILE_MODE: Final = 0o600
_BCRYPT_HASH = re.compile(r"\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}")

_Signature = tuple[int, int, int]

log = logging.getLogger("newage.keys")


def new_key() -> str:
    """A fresh key: a lowercase UUID v4 string (36 characters)."""
    return str(uuid.uuid4())


def hash_key(plaintext: str) -> str:
    """bcrypt hash, cost 10, ``$2b$`` prefix. Raises ValueError for keys over 72 UTF-8 bytes."""
    secret = plaintext.encode("utf-8")
    if len(secret) > MAX_KEY_BYTES:
        raise ValueError(f"a key must be at most {MAX_KEY_BYTES} UTF-8 bytes")
    return bcrypt.hashpw(secret, bcrypt.gensalt(rounds=BCRYPT_COST, prefix=b"2b")).decode("ascii")


def is_bcrypt_hash(value: object) -> bool:
    """True for a well-formed ``$2a$``/``$2b$``/``$2y$`` hash string."""
    return isinstance(value, str) and _BCRYPT_HASH.fullmatch(value) is not None


def check_key(plaintext: str, hashed: str) -> bool:
    """Verify a key against a stored hash. Never raises: anything malformed is just False.

    ``$2y$`` (PHP) hashes use the same algorithm as ``$2b$``; the bcrypt library only knows
    the latter names, so the prefix is rewritten before checking.
    """
    if not isinstance(plaintext, str) or not is_bcrypt_hash(hashed):
        return False
    try:
        secret = plaintext.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates cannot come from a real key
        return False
    if len(secret) > MAX_KEY_BYTES:
        return False
    if hashed.startswith("$2y$"):
        hashed = "$2b$" + hashed[4:]
    try:
        return bcrypt.checkpw(secret, hashed.encode("ascii"))
    except (ValueError, TypeError):
        return False


def _hash_in(record: Any) -> str | None:
    """The usable hash of one file record, or None (unknown shapes trust nobody)."""
    if isinstance(record, dict):
        key = record.get("key")
        if is_bcrypt_hash(key):
            return str(key)
    return None


class KeyStore:
    """``keys/clients.json`` in memory; every write is a locked read-merge-write, mode 0600."""

    def __init__(self, datadir: DataDir) -> None:
        self._path = datadir.keys_file
        self._lock = threading.RLock()
        self._data: dict[str, Any] = {}
        self._signature: _Signature | None = None
        self._unreported: set[str] = set()
        # Signature of the corrupt version already reported, or None while the file is fine.
        self._corrupt_signature: _Signature | None = None

    # --- reading ---------------------------------------------------------------------------

    def _stat(self) -> _Signature | None:
        try:
            st = os.stat(self._path)
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _read(self) -> tuple[dict[str, Any], _Signature | None]:
        """The file's object and the signature taken just before reading it.

        Taking the signature first means a change racing with the read is at worst read
        once more later, never missed.
        """
        signature = self._stat()
        try:
            data = read_json(self._path)
        except FileNotFoundError:
            return {}, None
        if not isinstance(data, dict):
            raise CorruptFileError(self._path, 1, 1, "the top level is not a JSON object")
        return data, signature

    def _hashes(self) -> dict[str, str]:
        return {cid: hashed for cid, record in self._data.items() if (hashed := _hash_in(record))}

    def _adopt(self, data: dict[str, Any], signature: _Signature | None) -> None:
        """Take ``data`` as the current state and remember which hashes went away or changed."""
        before = self._hashes()
        self._data = data
        self._signature = signature
        after = self._hashes()
        self._unreported |= {cid for cid, hashed in before.items() if after.get(cid) != hashed}

    def _readable_again(self) -> None:
        """After a good read: if the file had been reported corrupt, say once that it is fine."""
        if self._corrupt_signature is not None:
            self._corrupt_signature = None
            log.info(f"Keys file {self._path} read again")

    def load(self) -> None:
        """Read the file at start-up. Missing → empty store; corrupt → CorruptFileError.

        A corrupt file is never overwritten: the server must not start on it (§3.6).
        """
        with self._lock:
            self._data, self._signature = self._read()
            self._unreported.clear()
            self._corrupt_signature = None

    def reload_if_changed(self) -> set[str]:
        """Re-read the file if its (mtime_ns, size, inode) changed since the store last saw it.

        Returns the clientIds whose hash was removed or replaced since the last call (the
        keys to revoke). If the file has become unparsable (e.g. an editor is half-way
        through saving), the previous state is kept and CorruptFileError is raised once for
        that version of the file; later calls return quietly while its signature stays the
        same and try again when it changes. When the file can be read again, one info line
        says so.
        """
        with self._lock:
            current = self._stat()
            if current != self._signature and (
                self._corrupt_signature is None or current != self._corrupt_signature
            ):
                try:
                    data, signature = self._read()
                except CorruptFileError:
                    # The signature taken before the read: a change racing with it is read
                    # (and reported) once more, never missed.
                    self._corrupt_signature = current
                    raise
                self._adopt(data, signature)
                self._readable_again()
            changed, self._unreported = self._unreported, set()
            return changed

    def hash_of(self, client_id: str) -> str | None:
        with self._lock:
            return _hash_in(self._data.get(client_id))

    def has_key(self, client_id: str) -> bool:
        return self.hash_of(client_id) is not None

    def client_ids(self) -> list[str]:
        """ClientIds with a usable hash, in file order."""
        with self._lock:
            return list(self._hashes())

    def export(self) -> dict[str, dict[str, Any]]:
        """``{clientId: {"key": hash, "rooms": []}}`` for ``GET_ALL_CLIENT_KEYS``, freshly built."""
        with self._lock:
            return {cid: {"key": hashed, "rooms": []} for cid, hashed in self._hashes().items()}

    # --- writing ---------------------------------------------------------------------------

    def _write(self, data: dict[str, Any]) -> None:
        """Write ``data`` (called under the file lock) and remember its exact signature."""
        write_json_atomic(self._path, data, mode=KEYS_FILE_MODE)
        self._data = data
        self._signature = self._stat()  # still under the lock: nobody else has written since
        self._readable_again()  # the read before this write succeeded

    def put_hash(self, client_id: str, hashed: str) -> None:
        """Store ``hashed`` for ``client_id``; other fields of its record are kept.

        The file is re-read under the lock and only this one record changes, so keys written
        or removed meanwhile by another process stay as that process left them. Returns once
        the file is on disk. Raises ValueError for anything that is not a bcrypt hash (a
        plaintext key must never reach the file), CorruptFileError if the file on disk cannot
        be parsed (it is left alone), and LockTimeout if another process holds the lock for
        too long.
        """
        if not is_bcrypt_hash(hashed):
            raise ValueError("not a bcrypt hash")
        with self._lock, locked(self._path):
            self._adopt(*self._read())
            data = copy.deepcopy(self._data)
            old = data.get(client_id)
            record = dict(old) if isinstance(old, dict) else {}
            record["key"] = hashed
            record["rooms"] = []
            data[client_id] = record
            self._write(data)

    def remove(self, client_id: str) -> bool:
        """Delete ``client_id``'s record; False if the file had none (nothing written then)."""
        with self._lock, locked(self._path):
            self._adopt(*self._read())
            if client_id not in self._data:
                return False
            data = copy.deepcopy(self._data)
            del data[client_id]
            self._write(data)
            return True
