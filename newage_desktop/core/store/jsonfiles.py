"""Reading and writing the data directory's JSON files (PROTOCOL.md §3.6).

Two promises live here so that every store keeps them the same way:

* A file is read strictly, with exactly one tolerance: a trailing comma before ``}`` or ``]``.
  The upstream-shipped ``server_settings.json`` has one, and upstream then silently replaced the
  operator's file with defaults (§12 item 19). Anything else that is not JSON is reported as a
  :class:`CorruptFileError` naming the file, line and column, and is never overwritten here.
* A write never leaves a half-written file: the text goes to a temporary file in the same
  folder, is flushed and fsynced, renamed over the target, and the folder is fsynced, so a
  write that returned survives a crash. Each write holds the folder's lock
  (:func:`~newage_desktop.core.store.filelock.folder_lock`), which a read-merge-write takes
  around its
  read too (:func:`locked`), so writers in other threads and processes cannot interleave.
* A writer killed between creating its temporary file and the rename leaves that file behind;
  :func:`clean_temp_files` removes such files (only names of exactly our pattern) at start-up.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

from newage_desktop.core.store.filelock import folder_lock

__all__ = [
    "CorruptFileError",
    "clean_temp_files",
    "is_temp_file_name",
    "locked",
    "read_json",
    "read_object",
    "write_json_atomic",
]

# ``.<target name>.<12 hex digits>.tmp``, as made by write_json_atomic; targets end in .json.
_TEMP_NAME: Final = re.compile(r"\..+\.json\.[0-9a-f]{12}\.tmp")

_JSON_WHITESPACE = " \t\r\n"


class CorruptFileError(Exception):
    """A file exists but is not (tolerant) JSON, or not the JSON shape its store needs.

    The server refuses to start on a corrupt ``server_settings.json`` or ``keys/clients.json``
    and shows this message, so it names the file and the position an operator has to fix.
    """

    def __init__(self, path: Path, line: int, column: int, detail: str) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.detail = detail
        super().__init__(f"{path}: invalid JSON at line {line}, column {column}: {detail}")


class _NonStandardConstant(Exception):
    """Raised from ``parse_constant``: NaN and Infinity are JavaScript, not JSON."""


def _blank_trailing_commas(text: str) -> tuple[str, int | None]:
    """Replace each trailing comma (outside strings) by a space; find the first bare constant.

    Replacing by a space rather than deleting keeps every offset, so the json module's
    line/column of a later error still point into the operator's original text. The scanner
    only tracks "inside a string or not" (with backslash escapes); everything else is left for
    the json module to judge, so a comma inside ``"a,}"`` is never touched. Only a comma that
    follows a value is blanked: ``{,}`` and ``[1,,]`` stay errors, not empty elements.

    Returns the new text and the offset of the first ``N``/``I`` outside a string (the start
    of ``NaN`` or ``Infinity``), used to place the error when json meets such a constant.
    """
    chars: list[str] | None = None
    first_constant: int | None = None
    in_string = False
    previous = ""  # last significant character outside strings ('"' for a closed string)
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 2
                continue
            if ch == '"':
                in_string = False
        elif ch in _JSON_WHITESPACE:
            i += 1
            continue
        elif ch == '"':
            in_string = True
        elif ch == "," and previous not in ("", ",", "{", "[", ":"):
            j = i + 1
            while j < n and text[j] in _JSON_WHITESPACE:
                j += 1
            if j < n and text[j] in "}]":
                if chars is None:
                    chars = list(text)
                chars[i] = " "
        elif ch in "NI" and first_constant is None:
            first_constant = i
        previous = ch
        i += 1
    return ("".join(chars) if chars is not None else text), first_constant


def _line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset, counted like the json module does."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _reject_constant(name: str) -> Any:
    raise _NonStandardConstant(name)


def read_json(path: Path) -> Any:
    """Parse ``path`` as UTF-8 JSON, tolerating trailing commas.

    Raises FileNotFoundError (and other OSErrors) as the operating system reports them, and
    CorruptFileError for bad UTF-8, bad JSON, or ``NaN``/``Infinity`` (which Python would
    accept but a JavaScript client of the same file would not).
    """
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode("utf-8", errors="replace")
        line, column = _line_column(prefix, len(prefix))
        raise CorruptFileError(path, line, column, "not valid UTF-8") from exc

    tolerant, first_constant = _blank_trailing_commas(text)
    try:
        return json.loads(tolerant, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise CorruptFileError(path, exc.lineno, exc.colno, exc.msg) from exc
    except _NonStandardConstant as exc:
        line, column = _line_column(text, first_constant or 0)
        raise CorruptFileError(path, line, column, f"{exc.args[0]} is not valid JSON") from exc
    except RecursionError as exc:
        raise CorruptFileError(path, 1, 1, "nested too deeply") from exc


def is_temp_file_name(name: str) -> bool:
    """True for the name of a temporary file that :func:`write_json_atomic` creates."""
    return _TEMP_NAME.fullmatch(name) is not None


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the write lock of ``path`` (its folder's), e.g. around a read-merge-write.

    Re-entrant, so :func:`write_json_atomic` inside the block does not wait for itself.
    """
    with folder_lock(Path(path).parent):
        yield


def read_object(path: Path) -> dict[str, Any]:
    """:func:`read_json` of a file that must hold a JSON object; missing → ``{}``."""
    try:
        data = read_json(path)
    except FileNotFoundError:
        return {}
    if not isinstance(data, dict):
        raise CorruptFileError(path, 1, 1, "the top level is not a JSON object")
    return data


def clean_temp_files(folder: Path) -> list[Path]:
    """Remove temporary files left in ``folder`` by a writer that was killed; return them.

    Taken under the folder's lock: every writer creates and renames its temporary file while
    holding it, so any such file found then belongs to a writer that is gone. Only names of
    exactly :func:`write_json_atomic`'s pattern are touched, and only regular files; a missing
    folder has none.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    removed: list[Path] = []
    with folder_lock(folder):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return []
        for entry in entries:
            if not is_temp_file_name(entry.name):
                continue
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                os.unlink(entry.path)
            except OSError:
                continue
            removed.append(Path(entry.path))
        if removed:
            _fsync_directory(folder)
    return removed


def _replace(source: str, target: Path) -> None:
    """``os.replace``, retried briefly on Windows.

    On Windows a virus scanner or an editor holding the target open makes the rename fail
    with PermissionError for a few milliseconds; on POSIX the first error is final.
    """
    attempts = 10 if os.name == "nt" else 1
    for attempt in range(attempts):
        try:
            os.replace(source, target)
            return
        except PermissionError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05)


def _fsync_directory(folder: Path) -> None:
    """Make the rename itself durable (POSIX only; best effort, a crash is not an error)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_json_atomic(path: Path, data: Any, *, mode: int | None = None) -> None:
    """Write ``data`` as JSON (2-space indent, UTF-8, trailing newline) and rename into place.

    The text is serialised before any file is touched, so an object json cannot encode leaves
    the old file as it was. ``mode`` (POSIX) is applied to the temporary file before the
    rename, so a key file is never visible with wider permissions; without ``mode`` an
    existing file keeps its permissions, and a new one gets the process's default.
    Missing parent folders are created. Returns once the new file and its name are on disk
    (both fsynced), so a caller may acknowledge the change.
    """
    path = Path(path)
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    encoded = text.encode("utf-8")
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)

    with folder_lock(folder):
        keep_mode = mode
        if keep_mode is None:
            try:
                keep_mode = path.stat().st_mode & 0o7777
            except FileNotFoundError:
                keep_mode = None
        temp = folder / f".{path.name}.{secrets.token_hex(6)}.tmp"
        create_mode = 0o666 if mode is None else mode
        fd = os.open(
            temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), create_mode
        )
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(encoded)
                handle.flush()
                os.fsync(handle.fileno())
            if keep_mode is not None and os.name == "posix":
                # Filesystems without permissions (vfat, some network shares) refuse chmod;
                # the file was already created with ``mode`` minus the umask, which is never
                # wider than asked.
                with contextlib.suppress(OSError):
                    os.chmod(temp, keep_mode)
            _replace(str(temp), path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        _fsync_directory(folder)
