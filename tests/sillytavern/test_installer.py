"""The extension installer: where SillyTavern looks, what a (re)install leaves, what it refuses."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from newage_desktop.protocol.validation import is_valid_client_id
from newage_desktop.sillytavern import installer
from newage_desktop.sillytavern.installer import InstallError, install, status
from tests.sillytavern.conftest import MakeBundle


def extension_path(sillytavern: Path, user: str = "default-user") -> Path:
    return sillytavern / "data" / user / "extensions" / "newage-desktop"


def files_in(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_fresh_install_creates_the_folders_and_writes_the_defaults(
    sillytavern: Path, make_bundle: MakeBundle
) -> None:
    result = install(
        sillytavern,
        server_url="http://127.0.0.1:4100/",
        client_id="st-desktop",
        source=make_bundle("0.1.0"),
    )
    target = extension_path(sillytavern)
    assert result.path == target
    assert (result.action, result.previous_version, result.version) == ("installed", None, "0.1.0")
    assert result.created_user_dir  # SillyTavern was never started there
    assert files_in(target) == {"manifest.json", "index.js", "src/connection.js", "defaults.json"}
    defaults = {"serverUrl": "http://127.0.0.1:4100", "clientId": "st-desktop"}
    assert json.loads((target / "defaults.json").read_text()) == defaults
    assert result.defaults == defaults
    assert [p.name for p in target.parent.iterdir()] == ["newage-desktop"]  # no leftovers


def test_defaults_hold_only_what_was_given(sillytavern: Path, make_bundle: MakeBundle) -> None:
    install(sillytavern, server_url="http://127.0.0.1:4100", source=make_bundle("0.1.0"))
    result = install(sillytavern, source=make_bundle("0.1.0"))
    assert result.defaults == {}
    assert json.loads((result.path / "defaults.json").read_text()) == {}
    result = install(sillytavern, client_id="phone", source=make_bundle("0.1.0"))
    assert json.loads((result.path / "defaults.json").read_text()) == {"clientId": "phone"}


def test_replacing_an_older_version_leaves_only_the_new_copy(
    sillytavern: Path, make_bundle: MakeBundle
) -> None:
    install(sillytavern, source=make_bundle("0.1.0"))
    target = extension_path(sillytavern)
    (target / "src" / "removed_in_0.2.js").write_text("// gone in 0.2\n")
    (target.parent / "other-extension").mkdir()
    result = install(sillytavern, source=make_bundle("0.2.0"))
    assert (result.action, result.previous_version) == ("replaced", "0.1.0")
    assert result.version == "0.2.0"
    assert not result.created_user_dir
    assert (target / "index.js").read_text() == "// index 0.2.0\n"
    assert "src/removed_in_0.2.js" not in files_in(target)
    assert sorted(p.name for p in target.parent.iterdir()) == ["newage-desktop", "other-extension"]


def test_a_downgrade_is_a_replacement_and_the_same_version_a_reinstall(
    sillytavern: Path, make_bundle: MakeBundle
) -> None:
    install(sillytavern, source=make_bundle("0.2.0"))
    result = install(sillytavern, source=make_bundle("0.1.0"))
    assert (result.action, result.previous_version) == ("replaced", "0.2.0")
    assert result.version == "0.1.0"
    result = install(sillytavern, source=make_bundle("0.1.0"))
    assert (result.action, result.previous_version) == ("reinstalled", "0.1.0")


def test_a_failed_copy_keeps_the_old_copy_whole(
    sillytavern: Path, make_bundle: MakeBundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(sillytavern, source=make_bundle("0.1.0"))
    target = extension_path(sillytavern)
    before = {name: (target / name).read_bytes() for name in files_in(target)}
    copy = installer._copy_tree

    def copy_then_fail(source: Path, destination: Path) -> None:
        copy(source, destination)
        raise OSError(28, "No space left on device", str(destination / "index.js"))

    monkeypatch.setattr(installer, "_copy_tree", copy_then_fail)
    with pytest.raises(InstallError) as caught:
        install(sillytavern, source=make_bundle("0.2.0"))
    assert caught.value.kind == "io" and "No space left on device" in str(caught.value)
    assert {name: (target / name).read_bytes() for name in files_in(target)} == before
    assert [p.name for p in target.parent.iterdir()] == ["newage-desktop"]


def test_a_failed_swap_puts_the_old_copy_back(
    sillytavern: Path, make_bundle: MakeBundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(sillytavern, source=make_bundle("0.1.0"))
    rename = Path.rename

    def refuse_the_new_copy(self: Path, target: str | os.PathLike[str]) -> Path:
        if self.name.startswith(".newage-desktop.partial-"):
            raise PermissionError(13, "Permission denied", str(target))
        return rename(self, target)

    monkeypatch.setattr(Path, "rename", refuse_the_new_copy)
    with pytest.raises(InstallError, match="Permission denied"):
        install(sillytavern, source=make_bundle("0.2.0"))
    target = extension_path(sillytavern)
    assert installer.read_version(target) == "0.1.0"
    assert [p.name for p in target.parent.iterdir()] == ["newage-desktop"]


def test_leftovers_of_an_interrupted_install_are_removed(
    sillytavern: Path, make_bundle: MakeBundle
) -> None:
    extensions = extension_path(sillytavern).parent
    for name in (".newage-desktop.partial-dead", ".newage-desktop.old-dead"):
        (extensions / name / "src").mkdir(parents=True)
        (extensions / name / "src" / "half.js").write_text("//")
    install(sillytavern, source=make_bundle("0.1.0"))
    assert [p.name for p in extensions.iterdir()] == ["newage-desktop"]


def test_a_symbolic_link_is_not_replaced(
    sillytavern: Path, make_bundle: MakeBundle, tmp_path: Path
) -> None:
    checkout = make_bundle("0.0.1")
    target = extension_path(sillytavern)
    target.parent.mkdir(parents=True)
    target.symlink_to(checkout, target_is_directory=True)
    with pytest.raises(InstallError, match="symbolic link") as caught:
        install(sillytavern, source=make_bundle("0.1.0"))
    assert caught.value.kind == "not_replaceable"
    assert target.is_symlink() and (checkout / "index.js").read_text() == "// index 0.0.1\n"


def test_status_reports_versions_update_and_defaults(
    sillytavern: Path, make_bundle: MakeBundle
) -> None:
    old, new = make_bundle("0.1.0"), make_bundle("0.10.0")
    before = status(sillytavern, source=old)
    assert not before.installed and not before.user_dir_exists and not before.update_available
    assert before.installed_version is None and before.defaults is None
    assert before.bundled_version == "0.1.0" and before.path == extension_path(sillytavern)

    install(sillytavern, server_url="https://tavern.example:4443", source=old)
    same = status(sillytavern, source=old)
    assert same.installed and same.user_dir_exists
    assert (same.installed_version, same.update_available) == ("0.1.0", False)
    assert same.defaults == {"serverUrl": "https://tavern.example:4443"}
    newer = status(sillytavern, source=new)
    assert newer.bundled_version == "0.10.0" and newer.update_available  # numeric, not text


def test_version_comparison() -> None:
    assert installer.is_newer("0.10.0", "0.9.1")
    assert installer.is_newer("1.0", "0.9.9.9")
    assert not installer.is_newer("0.1.0", "0.1.0")
    assert not installer.is_newer("0.1.0", "0.2.0")
    assert installer.is_newer("0.2.0-beta", "0.1.0")  # not numeric: any difference
    assert installer.is_newer("0.1.0", None)
    assert not installer.is_newer(None, "0.1.0")


def test_the_bundled_extension_is_package_data_with_a_version(
    sillytavern: Path,
) -> None:
    bundled = installer.bundled_extension_dir()
    manifest = json.loads((bundled / "manifest.json").read_text())
    assert installer.read_version(bundled) == manifest["version"]
    result = install(sillytavern)
    assert result.version == manifest["version"]
    assert (result.path / "manifest.json").read_text() == (bundled / "manifest.json").read_text()


def test_users_are_separate_folders(sillytavern: Path, make_bundle: MakeBundle) -> None:
    (sillytavern / "data" / "alice").mkdir(parents=True)
    (sillytavern / "data" / "alice" / "settings.json").write_text("{}")
    (sillytavern / "data" / "_storage").mkdir()
    assert installer.existing_users(sillytavern / "data") == ["alice"]
    result = install(sillytavern, user="alice", source=make_bundle("0.1.0"))
    assert result.path == extension_path(sillytavern, "alice") and not result.created_user_dir
    assert not status(sillytavern, source=make_bundle("0.1.0")).installed  # default-user


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("dataRoot: ./userdata\nlisten: false\n", "userdata"),
        ("# no dataRoot here\nport: 8000\n", "data"),
        ("dataRoot: ''\n", "data"),
        ("", "data"),
    ],
)
def test_the_data_root_comes_from_config_yaml(
    sillytavern: Path, make_bundle: MakeBundle, config: str, expected: str
) -> None:
    (sillytavern / "config.yaml").write_text(config)
    result = install(sillytavern, source=make_bundle("0.1.0"))
    assert result.path == sillytavern / expected / "default-user" / "extensions" / "newage-desktop"


def test_an_absolute_data_root(sillytavern: Path, make_bundle: MakeBundle, tmp_path: Path) -> None:
    elsewhere = tmp_path / "tavern-data"
    (sillytavern / "config.yaml").write_text(f"dataRoot: {json.dumps(str(elsewhere))}\n")
    assert installer.data_root(sillytavern) == elsewhere
    result = install(sillytavern, source=make_bundle("0.1.0"))
    assert result.path.is_relative_to(elsewhere)


def test_an_unreadable_config_yaml_is_reported(sillytavern: Path) -> None:
    (sillytavern / "config.yaml").write_text("dataRoot: [unclosed\n")
    with pytest.raises(InstallError, match=r"Cannot read .*config\.yaml") as caught:
        installer.data_root(sillytavern)
    assert caught.value.kind == "bad_config"


def test_a_folder_that_is_not_sillytavern_is_refused(tmp_path: Path, sillytavern: Path) -> None:
    with pytest.raises(InstallError, match="does not exist") as caught:
        install(tmp_path / "nowhere")
    assert caught.value.kind == "missing"
    with pytest.raises(InstallError, match="No SillyTavern folder given"):
        install("")
    other = tmp_path / "project"
    other.mkdir()
    (other / "package.json").write_text('{"name": "something-else"}')
    with pytest.raises(InstallError) as caught:
        install(other)
    assert caught.value.kind == "not_sillytavern" and caught.value.suggestion is None
    assert str(caught.value) == (
        f"{other} is not a SillyTavern folder (no package.json of sillytavern)."
    )
    assert not (other / "data").exists()


@pytest.mark.parametrize("chosen", [".", "SillyTavern/data", "SillyTavern/public/scripts"])
def test_a_folder_next_to_sillytavern_gets_a_suggestion(
    tmp_path: Path, sillytavern: Path, chosen: str
) -> None:
    folder = tmp_path / chosen
    folder.mkdir(parents=True, exist_ok=True)
    with pytest.raises(InstallError, match="Did you mean") as caught:
        install(folder)
    assert caught.value.suggestion == sillytavern


@pytest.mark.parametrize("user", ["", ".", "..", "a/b", "..\\evil", "c:", "tab\there"])
def test_bad_user_names(sillytavern: Path, user: str) -> None:
    with pytest.raises(InstallError, match="Invalid SillyTavern user") as caught:
        install(sillytavern, user=user)
    assert caught.value.kind == "bad_user"
    assert not (sillytavern / "data").exists()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:4000", "http://127.0.0.1:4000"),
        (" https://tavern.example/ ", "https://tavern.example"),
        ("http://[::1]:4000", "http://[::1]:4000"),
    ],
)
def test_good_server_urls(url: str, expected: str) -> None:
    assert installer.check_server_url(url) == expected


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("127.0.0.1:4000", "http:// or https://"),
        ("ws://127.0.0.1:4000", "http:// or https://"),
        ("http://", "no host"),
        ("http://host:99999", "out of range"),
        ("http://host:port", "Port could not be cast"),
        ("http://user:pw@host:4000", "user name or password"),
        ("http://host:4000/auth", "no path"),
        ("http://host:4000/?x=1", "no path"),
        ("http://ho st:4000", "spaces"),
    ],
)
def test_bad_server_urls(url: str, why: str) -> None:
    with pytest.raises(InstallError, match="Invalid server URL") as caught:
        installer.check_server_url(url)
    assert why in str(caught.value) and caught.value.kind == "bad_server_url"


@pytest.mark.parametrize(
    ("client_id", "why"),
    [
        ("", "empty"),
        ("x" * 129, "129 characters"),
        ("a/b", "'/'"),
        ('say"hi"', "'\"'"),
        ("pipe|", "'|'"),
        ("tab\there", "control characters"),
        (".hidden", "start with '.'"),
        ("dot.", "end with '.'"),
        ("space ", "end with '.' or a space"),
    ],
)
def test_bad_client_ids(client_id: str, why: str) -> None:
    assert not is_valid_client_id(client_id)
    with pytest.raises(InstallError) as caught:
        installer.check_client_id(client_id)
    assert why in str(caught.value) and caught.value.kind == "bad_client_id"


@pytest.mark.parametrize("client_id", ["st", "SillyTavern-main", "x" * 128, "中文 名字", "a.b"])
def test_good_client_ids(client_id: str) -> None:
    assert installer.client_id_problem(client_id) is None and is_valid_client_id(client_id)


def test_a_bundle_without_manifest_is_reported(sillytavern: Path, tmp_path: Path) -> None:
    with pytest.raises(InstallError, match="missing from this installation") as caught:
        install(sillytavern, source=tmp_path / "empty")
    assert caught.value.kind == "no_bundle"
