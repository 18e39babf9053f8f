"""Server functions of FUNCTION_CALL (PROTOCOL.md §9.3): the sandbox and the result shapes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newage_desktop.core.app import Core
from newage_desktop.core.files.functions import Caller, FunctionCallError, ServerFunctions
from newage_desktop.core.store.datadir import DataDir

ADMIN = Caller("boss", is_admin=True)
BOB = Caller("bob", is_admin=False)

OUTSIDE = "Access denied: Path is outside the server directory."
RESTRICTED = "Access denied: File is restricted."
ONLY_JSON = "Access denied: Only .json files are allowed."

needs_symlinks = pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")


@pytest.fixture
def core(tmp_path: Path) -> Iterator[Core]:
    c = Core(DataDir(tmp_path / "data"))
    c.open()
    yield c
    c.close()


@pytest.fixture
def root(core: Core) -> Path:
    return core.datadir.root


def call(core: Core, name: str, *args: Any, caller: Caller = BOB) -> Any:
    return ServerFunctions(core).call(name, list(args), caller)


def read(core: Core, path: str, caller: Caller = BOB) -> Any:
    return call(core, "readJsonFromFile", path, caller=caller)


def save(core: Core, path: str, data: Any, caller: Caller = BOB) -> Any:
    return call(core, "saveJsonToFile", path, data, caller=caller)


def refused(message: str) -> dict[str, Any]:
    return {"success": False, "error": {"message": message, "code": "EACCES"}}


def put(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)


# --- reading -------------------------------------------------------------------------------------
def test_read_relative_dot_and_absolute_inside(core: Core, root: Path) -> None:
    put(root / "data" / "x.json", {"a": 1})
    expected = {"success": True, "result": {"a": 1}}
    assert read(core, "data/x.json") == expected
    assert read(core, "./data/x.json") == expected
    assert read(core, "data/sub/../x.json") == expected
    assert read(core, str(root / "data" / "x.json")) == expected


def test_read_missing_file_is_enoent(core: Core) -> None:
    result = read(core, "nothing/here.json")
    assert result["success"] is False
    assert result["error"]["code"] == "ENOENT"
    assert isinstance(result["error"]["message"], str) and result["error"]["message"]


def test_traversal_and_absolute_paths_outside_are_refused(core: Core, root: Path) -> None:
    put(root.parent / "outside.json", {"secret": True})
    assert read(core, "../outside.json") == refused(OUTSIDE)
    assert read(core, "settings/../../outside.json") == refused(OUTSIDE)
    assert read(core, str(root.parent / "outside.json")) == refused(OUTSIDE)
    assert read(core, "/etc/passwd.json") == refused(OUTSIDE)
    # a sibling whose name merely starts like the data directory is outside too
    put(Path(str(root) + "2") / "x.json", {})
    assert read(core, str(Path(str(root) + "2") / "x.json")) == refused(OUTSIDE)
    assert save(core, "../outside.json", {"x": 1}, caller=ADMIN) == {
        "success": False,
        "error": OUTSIDE,
    }
    assert json.loads((root.parent / "outside.json").read_text()) == {"secret": True}


@needs_symlinks
def test_symlinks_leaving_the_data_dir_are_refused(core: Core, root: Path) -> None:
    put(root.parent / "elsewhere" / "x.json", {"secret": True})
    (root / "link.json").symlink_to(root.parent / "elsewhere" / "x.json")
    (root / "linkdir").symlink_to(root.parent / "elsewhere", target_is_directory=True)
    assert read(core, "link.json") == refused(OUTSIDE)
    assert read(core, "linkdir/x.json") == refused(OUTSIDE)
    assert save(core, "linkdir/new.json", {"x": 1}, caller=ADMIN)["error"] == OUTSIDE
    assert not (root.parent / "elsewhere" / "new.json").exists()


@needs_symlinks
def test_symlink_into_keys_is_restricted(core: Core, root: Path) -> None:
    put(core.datadir.keys_file, {"bob": {"key": "$2b$hash", "rooms": []}})
    (root / "innocent.json").symlink_to(core.datadir.keys_file)
    assert read(core, "innocent.json", caller=ADMIN) == refused(RESTRICTED)


def test_restricted_files_even_for_admins(core: Core, root: Path) -> None:
    put(core.datadir.keys_file, {})
    put(core.datadir.logs_dir / "x.json", {})
    for path in (
        "keys/clients.json",
        "keys/other.json",
        "KEYS/clients.json",
        "./logs/x.json",
        "settings/../keys/clients.json",
        "chat_history.sqlite3",
        "chat_history.sqlite3-wal",
        "chat_history.sqlite3-shm",
    ):
        assert read(core, path, caller=ADMIN) == refused(RESTRICTED), path
        assert save(core, path, {"x": 1}, caller=ADMIN) == {
            "success": False,
            "error": RESTRICTED,
        }, path
    assert json.loads(core.datadir.keys_file.read_text()) == {}


def test_restricted_files_setting(core: Core, root: Path) -> None:
    core.settings_store.update({"restrictedFiles": ["private/secret.json", "vault"]})
    put(root / "private" / "secret.json", {})
    put(root / "private" / "open.json", {"ok": True})
    put(root / "vault" / "deep" / "x.json", {})
    assert read(core, "private/secret.json", caller=ADMIN) == refused(RESTRICTED)
    assert read(core, "vault/deep/x.json", caller=ADMIN) == refused(RESTRICTED)
    assert read(core, "private/open.json") == {"success": True, "result": {"ok": True}}


def test_only_json_files(core: Core, root: Path) -> None:
    put(root / "notes.txt", "hello")
    assert read(core, "notes.txt") == refused(ONLY_JSON)
    assert read(core, "") == refused(ONLY_JSON)
    assert save(core, "notes.txt", {"x": 1}, caller=ADMIN) == {
        "success": False,
        "error": ONLY_JSON,
    }
    assert (root / "notes.txt").read_text() == "hello"


def test_non_admins_read_only_the_shared_and_their_own_settings(core: Core, root: Path) -> None:
    settings = core.datadir.settings_dir
    put(settings / "bob-settings.json", {"clientId": "bob", "isTrust": True})
    put(settings / "alice-settings.json", {"clientId": "alice", "isTrust": True})
    assert read(core, "settings/server_settings.json")["success"] is True
    assert read(core, "./settings/bob-settings.json")["result"]["clientId"] == "bob"
    assert read(core, "settings/alice-settings.json") == refused(RESTRICTED)
    assert read(core, "settings/nothing.json") == refused(RESTRICTED)
    assert read(core, "settings/alice-settings.json", caller=ADMIN)["success"] is True


# --- writing -------------------------------------------------------------------------------------
def test_save_merges_shallowly_and_creates_folders(core: Core, root: Path) -> None:
    assert save(core, "store/new/state.json", {"a": 1, "nested": {"x": 1}}) == {"success": True}
    assert save(core, "store/new/state.json", {"b": 2, "nested": {"y": 2}}) == {"success": True}
    assert json.loads((root / "store" / "new" / "state.json").read_text()) == {
        "a": 1,
        "nested": {"y": 2},
        "b": 2,
    }


def test_save_needs_an_object(core: Core, root: Path) -> None:
    for data in ([1, 2], "text", 3, None):
        assert save(core, "x.json", data) == {
            "success": False,
            "error": "Data must be a JSON object.",
        }
    assert not (root / "x.json").exists()


def test_save_never_overwrites_a_corrupt_or_non_object_file(core: Core, root: Path) -> None:
    put(root / "broken.json", "{not json")
    put(root / "list.json", "[1, 2]")
    for name, before in (("broken.json", "{not json"), ("list.json", "[1, 2]")):
        assert save(core, name, {"x": 1}) == {
            "success": False,
            "error": f"Existing file is not a valid JSON object: {name}",
        }
        assert (root / name).read_text() == before


def test_non_admins_may_not_write_settings(core: Core) -> None:
    message = "Access denied: Only administrators may write settings."
    for path in ("settings/bob-settings.json", "settings/server_settings.json", "settings/n.json"):
        assert save(core, path, {"isTrust": True}) == {"success": False, "error": message}
    assert not (core.datadir.settings_dir / "bob-settings.json").exists()
    assert not core.trust.is_trusted("bob")


def test_admin_trust_file_write_is_picked_up_at_once(core: Core) -> None:
    assert not core.trust.is_trusted("carol")
    result = save(
        core, "settings/carol-settings.json", {"clientId": "carol", "isTrust": True}, ADMIN
    )
    assert result == {"success": True}
    assert core.trust.is_trusted("carol")


def test_admin_settings_write_takes_effect_and_keeps_unknown_fields(core: Core) -> None:
    path = core.datadir.server_settings_file
    raw = json.loads(path.read_text())
    raw["upstreamLeftover"] = {"keep": True}
    path.write_text(json.dumps(raw))
    assert save(core, "settings/server_settings.json", {"timeout": 250}, caller=ADMIN) == {
        "success": True
    }
    assert core.settings.timeout == 250
    written = json.loads(path.read_text())
    assert written["upstreamLeftover"] == {"keep": True}
    assert written["timeout"] == 250


def test_corrupt_server_settings_are_not_overwritten(core: Core) -> None:
    path = core.datadir.server_settings_file
    path.write_text("{oops")
    assert save(core, "settings/server_settings.json", {"timeout": 1}, caller=ADMIN) == {
        "success": False,
        "error": "Existing file is not a valid JSON object: settings/server_settings.json",
    }
    assert path.read_text() == "{oops"


# --- the table -----------------------------------------------------------------------------------
def test_unknown_function_and_admin_only_function(core: Core) -> None:
    with pytest.raises(FunctionCallError, match=r'^Function "nope" not found\.$'):
        call(core, "nope")
    with pytest.raises(FunctionCallError, match=r"^Permission denied\.$"):
        call(core, "addStaticResources", {"/x": "x"})


def test_list_functions(core: Core) -> None:
    assert call(core, "listFunctions") == {
        "success": True,
        "result": [
            {"name": "readJsonFromFile", "adminOnly": False},
            {"name": "saveJsonToFile", "adminOnly": False},
            {"name": "addStaticResources", "adminOnly": True},
            {"name": "listFunctions", "adminOnly": False},
        ],
    }


def test_add_static_resources_reports_each_mount(core: Core, root: Path) -> None:
    (root / "site").mkdir()
    (root / "site" / "index.html").write_text("<p>hi</p>")
    result = call(
        core,
        "addStaticResources",
        {
            "/site": "site",
            "/": "site",
            "/healthz": "site",
            "/index.html": "site",
            "/socket.io2": "site",
            "/lib/x": "site",
            "/monitor": "site",
            "relative": "site",
            "/keys": "keys",
            "/settings": "./settings",
            "/root": ".",
            "/missing": "no-such-folder",
            "/out": "..",
        },
        caller=ADMIN,
    )
    assert result["success"] is False
    statuses = {r["urlPath"]: r["status"] for r in result["results"]}
    assert statuses == {
        "/site": "success",
        **{
            p: "error"
            for p in (
                "/",
                "/healthz",
                "/index.html",
                "/socket.io2",
                "/lib/x",
                "/monitor",
                "relative",
                "/keys",
                "/settings",
                "/root",
                "/missing",
                "/out",
            )
        },
    }
    assert all("message" in r for r in result["results"] if r["status"] == "error")
    assert "message" not in result["results"][0]
    assert core.static_mounts.lookup("/site/") is not None
    assert call(core, "addStaticResources", {"/site2": "site"}, caller=ADMIN) == {
        "success": True,
        "results": [{"urlPath": "/site2", "status": "success"}],
    }
    with pytest.raises(FunctionCallError, match=r"^Resources must be an object\.$"):
        call(core, "addStaticResources", ["/x", "site"], caller=ADMIN)


ADMIN_UI_HASH = "$2b$12$" + "a" * 53


def test_the_admin_ui_password_hash_is_never_read_over_function_calls(
    core: Core, root: Path
) -> None:
    put(root / "settings" / "server_settings.json", {"adminUiPasswordHash": ADMIN_UI_HASH})
    for caller in (BOB, ADMIN):
        result = read(core, "settings/server_settings.json", caller=caller)
        assert result["success"] is True
        assert "adminUiPasswordHash" not in result["result"]
    # A client writing back what it read keeps the operator's hash (the merge is shallow).
    assert save(core, "settings/server_settings.json", {"debugMode": True}, caller=ADMIN)["success"]
    stored = json.loads((root / "settings" / "server_settings.json").read_text())
    assert stored["adminUiPasswordHash"] == ADMIN_UI_HASH


@pytest.mark.parametrize(
    "key, value",
    [
        ("adminUiEnabled", True),
        ("adminUiUsername", "mallory"),
        ("adminUiPasswordHash", ADMIN_UI_HASH),
        ("adminUiReadonly", False),
        ("adminUiMode", "development"),
    ],
)
def test_admin_ui_settings_are_for_the_operator_only(
    core: Core, root: Path, key: str, value: Any
) -> None:
    result = save(core, "settings/server_settings.json", {key: value}, caller=ADMIN)
    assert result == {
        "success": False,
        "error": f"Access denied: {key} can only be changed by the operator.",
    }
