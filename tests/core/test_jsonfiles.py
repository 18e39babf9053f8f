"""JSON files are read strictly but for trailing commas, and written atomically (§3.6)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from newage_desktop.core.store.filelock import LOCK_FILE_NAME, LockTimeout, folder_lock
from newage_desktop.core.store.jsonfiles import (
    CorruptFileError,
    clean_temp_files,
    is_temp_file_name,
    read_json,
    write_json_atomic,
)


def names(folder: Path) -> list[str]:
    """The folder's files, without the (permanent, empty) lock file of its writers."""
    return sorted(p.name for p in folder.iterdir() if p.name != LOCK_FILE_NAME)


def write_text(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


# --- reading ---------------------------------------------------------------------------------


def test_reads_strict_json(tmp_path: Path) -> None:
    path = write_text(tmp_path / "a.json", '{"a": [1, 2.5, "x"], "b": null, "c": true}')
    assert read_json(path) == {"a": [1, 2.5, "x"], "b": None, "c": True}


def test_trailing_comma_before_closing_brace_is_accepted(tmp_path: Path) -> None:
    # The upstream-shipped server_settings.json looks like this (§12 item 19).
    path = write_text(tmp_path / "s.json", '{\n  "serverPort": 4000,\n  "debugMode": false,\n}\n')
    assert read_json(path) == {"serverPort": 4000, "debugMode": False}


def test_nested_trailing_commas_are_accepted(tmp_path: Path) -> None:
    path = write_text(tmp_path / "n.json", '{"a": [1, 2, ], "b": {"c": [], "d": {"e": 1,},},}')
    assert read_json(path) == {"a": [1, 2], "b": {"c": [], "d": {"e": 1}}}


def test_commas_inside_strings_are_untouched(tmp_path: Path) -> None:
    text = r'{"a": "x,}", "b": "y, ]", "c": "quote \", }", "d": "back\\", "e": [",]",],}'
    path = write_text(tmp_path / "s.json", text)
    assert read_json(path) == {
        "a": "x,}",
        "b": "y, ]",
        "c": 'quote ", }',
        "d": "back\\",
        "e": [",]"],
    }


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("[1,,]", 1, 4),  # only ONE trailing comma is tolerated, never an empty element
        ("{,}", 1, 2),  # a comma with nothing before it is still an error
        ("[,]", 1, 2),
        ('{"a":,}', 1, 6),
        ('{\n  "a": 1\n  "b": 2\n}', 3, 3),
        ('{"a": 1, // comment\n}', 1, 10),
        ("", 1, 1),
    ],
)
def test_corrupt_file_reports_line_and_column(
    tmp_path: Path, text: str, line: int, column: int
) -> None:
    path = write_text(tmp_path / "bad.json", text)
    with pytest.raises(CorruptFileError) as caught:
        read_json(path)
    err = caught.value
    assert (err.path, err.line, err.column) == (path, line, column)
    assert str(err) == f"{path}: invalid JSON at line {line}, column {column}: {err.detail}"


def test_nan_and_infinity_are_not_json(tmp_path: Path) -> None:
    path = write_text(tmp_path / "nan.json", '{"text": "NaN", \n "x": NaN}')
    with pytest.raises(CorruptFileError) as caught:
        read_json(path)
    assert (caught.value.line, caught.value.column) == (2, 7)


def test_invalid_utf8_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{\n "a": "caf\xe9"}')
    with pytest.raises(CorruptFileError) as caught:
        read_json(path)
    assert (caught.value.line, caught.value.column) == (2, 11)  # the byte after ' "a": "caf'


def test_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_json(tmp_path / "missing.json")


def test_reading_a_corrupt_file_does_not_modify_it(tmp_path: Path) -> None:
    path = write_text(tmp_path / "bad.json", '{"a": 1')
    before = path.read_bytes()
    with pytest.raises(CorruptFileError):
        read_json(path)
    assert path.read_bytes() == before


# --- writing ---------------------------------------------------------------------------------


def test_write_format_is_two_space_utf8_with_trailing_newline(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "out.json"  # parents are created
    write_json_atomic(path, {"name": "Zoë", "list": [1]})
    assert path.read_bytes().decode("utf-8") == '{\n  "name": "Zoë",\n  "list": [\n    1\n  ]\n}\n'


def test_write_leaves_no_temporary_files(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    write_json_atomic(path, {"a": 1})
    write_json_atomic(path, {"a": 2})
    assert names(tmp_path) == ["out.json"]
    assert read_json(path) == {"a": 2}


def test_failed_serialisation_keeps_old_content(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    write_json_atomic(path, {"a": 1})
    before = path.read_bytes()
    with pytest.raises(TypeError):
        write_json_atomic(path, {"a": object()})
    with pytest.raises(ValueError):
        write_json_atomic(path, {"a": float("nan")})
    assert path.read_bytes() == before
    assert names(tmp_path) == ["out.json"]


def test_failed_rename_removes_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "out.json"
    write_json_atomic(path, {"a": 1})

    def refuse(src: str, dst: object) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk on fire"):
        write_json_atomic(path, {"a": 2})
    assert names(tmp_path) == ["out.json"]
    assert read_json(path) == {"a": 1}


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_mode_is_applied_and_existing_mode_is_kept(tmp_path: Path) -> None:
    secret = tmp_path / "secret.json"
    write_json_atomic(secret, {}, mode=0o600)
    assert secret.stat().st_mode & 0o777 == 0o600

    shared = tmp_path / "shared.json"
    write_json_atomic(shared, {})
    shared.chmod(0o640)
    write_json_atomic(shared, {"a": 1})
    assert shared.stat().st_mode & 0o777 == 0o640


def test_concurrent_writes_to_one_path_all_complete(tmp_path: Path) -> None:
    path = tmp_path / "race.json"
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(20):
                write_json_atomic(path, {"writer": n, "i": i})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert json.loads(path.read_text("utf-8"))["i"] == 19
    assert names(tmp_path) == ["race.json"]


# --- one writer across processes (issue 8) ---------------------------------------------------

_HOLD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from newage_desktop.core.store.filelock import folder_lock

    with folder_lock(Path(sys.argv[1])):
        print("held", flush=True)
        sys.stdin.readline()
    """
)


def test_the_folder_lock_excludes_another_process(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(LockTimeout), folder_lock(tmp_path, timeout=0.2):
            pass  # pragma: no cover - the lock is taken by the other process
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(30)
    with folder_lock(tmp_path, timeout=5):  # free again once the holder is gone
        write_json_atomic(tmp_path / "a.json", {"a": 1})  # re-entrant: does not wait for itself
    assert read_json(tmp_path / "a.json") == {"a": 1}


def test_a_writer_killed_while_holding_the_lock_blocks_nobody(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    holder.kill()
    holder.wait(30)
    with folder_lock(tmp_path, timeout=5):
        pass


def test_temp_file_pattern_is_exactly_ours(tmp_path: Path) -> None:
    assert is_temp_file_name(".clients.json.0123456789ab.tmp")
    assert not is_temp_file_name("clients.json.0123456789ab.tmp")
    assert not is_temp_file_name(".clients.json.0123456789AB.tmp")
    assert not is_temp_file_name(".clients.txt.0123456789ab.tmp")
    assert not is_temp_file_name(".clients.json.0123456789ab.tmp~")
    (tmp_path / ".a.json.0123456789ab.tmp").write_text("{")
    (tmp_path / ".a.json.0123456789ab.tmp.keep").write_text("{")
    (tmp_path / "folder.json.0123456789ab.tmp").mkdir()
    (tmp_path / ".dir.json.0123456789ab.tmp").mkdir()  # a folder of that name is not ours
    assert clean_temp_files(tmp_path) == [tmp_path / ".a.json.0123456789ab.tmp"]
    assert names(tmp_path) == [
        ".a.json.0123456789ab.tmp.keep",
        ".dir.json.0123456789ab.tmp",
        "folder.json.0123456789ab.tmp",
    ]
    assert clean_temp_files(tmp_path / "missing") == []
