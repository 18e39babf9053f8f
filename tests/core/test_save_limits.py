"""Non-admin `saveJsonToFile` is bounded (PROTOCOL.md §9.3, issue 8): a size per file, a number
of files per clientId, and never into a folder served over HTTP."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newage_desktop.core.app import Core
from newage_desktop.core.files.functions import (
    MAX_CLIENT_FILE_BYTES,
    MAX_CLIENT_FILES,
    Caller,
    ServerFunctions,
)
from newage_desktop.core.store.datadir import DataDir

ADMIN = Caller("boss", is_admin=True)
BOB = Caller("bob", is_admin=False)
EVE = Caller("eve", is_admin=False)

SERVED = "Access denied: Folder is served over HTTP."
TOO_LARGE = f"Access denied: File would exceed {MAX_CLIENT_FILE_BYTES} bytes."
TOO_MANY = f"Access denied: A client may create at most {MAX_CLIENT_FILES} files."
RESTRICTED = "Access denied: File is restricted."


@pytest.fixture
def core(tmp_path: Path) -> Iterator[Core]:
    c = Core(DataDir(tmp_path / "data"))
    c.open()
    yield c
    c.close()


def save(core: Core, path: str, data: Any, caller: Caller = BOB) -> Any:
    return ServerFunctions(core).call("saveJsonToFile", [path, data], caller)


def denied(message: str) -> dict[str, Any]:
    return {"success": False, "error": message}


def test_the_limits_are_the_documented_ones() -> None:
    assert MAX_CLIENT_FILE_BYTES == 64 * 1024
    assert MAX_CLIENT_FILES == 32


@pytest.mark.parametrize(
    "path",
    ["public/x.json", "PUBLIC/x.json", "exampleClient/a/b.json", "./public/../public/y.json"],
)
def test_non_admins_may_not_write_into_builtin_served_folders(core: Core, path: str) -> None:
    assert save(core, path, {"x": 1}) == denied(SERVED)
    assert not (core.datadir.root / "public").exists()
    assert save(core, path, {"x": 1}, caller=ADMIN) == {"success": True}


def test_non_admins_may_not_write_into_a_mounted_folder(core: Core) -> None:
    site = core.datadir.root / "site"
    site.mkdir()
    core.static_mounts.add("/s", "site")
    assert save(core, "site/page.json", {"x": 1}) == denied(SERVED)
    assert save(core, str(site / "deep" / "page.json"), {"x": 1}) == denied(SERVED)
    assert save(core, "elsewhere/page.json", {"x": 1}) == {"success": True}


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_a_link_into_a_served_folder_is_no_way_round(core: Core) -> None:
    (core.datadir.root / "public").mkdir()
    (core.datadir.root / "innocent").symlink_to(core.datadir.root / "public")
    assert save(core, "innocent/x.json", {"x": 1}) == denied(SERVED)


def test_non_admin_files_are_limited_in_size_after_the_merge(core: Core) -> None:
    half = "x" * (MAX_CLIENT_FILE_BYTES // 2)
    assert save(core, "store/big.json", {"a": "x" * MAX_CLIENT_FILE_BYTES}) == denied(TOO_LARGE)
    assert not (core.datadir.root / "store" / "big.json").exists()
    assert save(core, "store/grow.json", {"a": half}) == {"success": True}
    # the merged file is what counts: growing a file by small writes is no way round
    assert save(core, "store/grow.json", {"b": half}) == denied(TOO_LARGE)
    assert json.loads((core.datadir.root / "store" / "grow.json").read_text()) == {"a": half}
    # admins are not limited
    assert save(core, "store/grow.json", {"b": half}, caller=ADMIN) == {"success": True}


def test_a_non_admin_creates_a_bounded_number_of_files(core: Core) -> None:
    for i in range(MAX_CLIENT_FILES):
        assert save(core, f"store/bob{i}.json", {"i": i}) == {"success": True}
    assert save(core, "store/one-more.json", {"x": 1}) == denied(TOO_MANY)
    assert not (core.datadir.root / "store" / "one-more.json").exists()
    # rewriting its own files, or files someone else created, is no creation
    assert save(core, "store/bob0.json", {"again": True}) == {"success": True}
    assert save(core, "shared.json", {"x": 1}, caller=ADMIN) == {"success": True}
    assert save(core, "shared.json", {"y": 2}) == {"success": True}
    # the count is per clientId
    assert save(core, "store/eve.json", {"x": 1}, caller=EVE) == {"success": True}
    # a file that is gone no longer counts
    (core.datadir.root / "store" / "bob0.json").unlink()
    assert save(core, "store/one-more.json", {"x": 1}) == {"success": True}


def test_the_count_survives_a_restart(tmp_path: Path) -> None:
    datadir = DataDir(tmp_path / "data")
    first = Core(datadir)
    first.open()
    try:
        for i in range(MAX_CLIENT_FILES):
            assert save(first, f"store/bob{i}.json", {"i": i}) == {"success": True}
    finally:
        first.close()
    second = Core(datadir)
    second.open()
    try:
        assert save(second, "store/one-more.json", {"x": 1}) == denied(TOO_MANY)
    finally:
        second.close()


def test_the_record_of_created_files_is_restricted(core: Core) -> None:
    assert save(core, "store/a.json", {"x": 1}) == {"success": True}
    functions = ServerFunctions(core)
    for caller in (BOB, ADMIN):
        got = functions.call("readJsonFromFile", ["saved_files.json"], caller)
        assert got == {"success": False, "error": {"message": RESTRICTED, "code": "EACCES"}}
        assert save(core, "saved_files.json", {"bob": []}, caller=caller) == denied(RESTRICTED)
