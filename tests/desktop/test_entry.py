"""The launcher entry: what it says, how Exec is quoted, the files it consists of."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newage_desktop.desktop import xdg
from newage_desktop.desktop.command import autostart_command, launch_command
from newage_desktop.desktop.entry import (
    ICON_SIZES,
    desktop_entry_files,
    entry_paths,
    exec_argument,
    exec_value,
    install_entry,
    refresh_caches,
    remove_entry,
    render_desktop_entry,
)
from tests.desktop.conftest import desktop_group, files_under, validate


def test_the_entry_for_a_system_package_is_valid_and_complete(tmp_path: Path) -> None:
    path = tmp_path / "newage-desktop.desktop"
    path.write_text(render_desktop_entry(["/usr/bin/newage-desktop"]), encoding="utf-8")
    validate(path)
    entry = desktop_group(path)
    assert entry["Type"] == "Application"
    assert entry["Name"] == "NewAge Desktop"
    assert entry["Exec"] == entry["TryExec"] == "/usr/bin/newage-desktop"
    assert entry["Icon"] == "newage-desktop"
    assert entry["Terminal"] == "false"
    assert entry["Categories"] == "Network;Chat;"
    assert entry["StartupWMClass"] == "NewAge Desktop"  # QCoreApplication.applicationName()
    assert entry["GenericName"] and entry["Keywords"].startswith("SillyTavern;")
    assert "中继服务器" in entry["Comment[zh_CN]"] and "中继" in entry["Keywords[zh_CN]"]
    assert "X-GNOME-Autostart-enabled" not in entry


@pytest.mark.parametrize(
    ("arg", "quoted"),
    [
        ("/usr/bin/newage-desktop", "/usr/bin/newage-desktop"),
        ("-m", "-m"),
        ("/home/a b/bin/x", '"/home/a b/bin/x"'),
        ('say "hi"', r'"say \"hi\""'),
        ("$HOME`x`", r'"\$HOME\`x\`"'),
        ("C:\\dir", r'"C:\\dir"'),
        ("100%", "100%%"),
        ("semi;colon", '"semi;colon"'),
        ("", '""'),
    ],
)
def test_exec_arguments_are_quoted_as_the_spec_says(arg: str, quoted: str) -> None:
    assert exec_argument(arg) == quoted


def test_exec_backslashes_are_escaped_again_as_a_string_value(tmp_path: Path) -> None:
    text = render_desktop_entry(["/opt/a\\b/newage-desktop", "--data-dir", "/data dir"])
    assert 'Exec="/opt/a\\\\\\\\b/newage-desktop" --data-dir "/data dir"\n' in text
    with pytest.raises(ValueError):
        exec_value([])


@pytest.mark.skipif(shutil.which("gio") is None, reason="gio (GLib) is not installed")
def test_glib_launches_exactly_the_argv_it_was_given(tmp_path: Path) -> None:
    """What a real launcher runs: GLib parses the Exec line back into the same argv."""
    folder = tmp_path / "a b$c\\d\"e'f"
    folder.mkdir()
    out = tmp_path / "argv.json"
    program = folder / "prog"
    program.write_text(
        f"#!{sys.executable}\nimport json, sys\n"
        f"open({str(out)!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
    )
    program.chmod(0o755)
    args = ["two words", "100%", "$HOME", "a\\b", 'q"uote', "semi;colon", "`tick`", "", "~"]
    entry = tmp_path / "t.desktop"
    entry.write_text(render_desktop_entry([str(program), *args]), encoding="utf-8")
    subprocess.run(["gio", "launch", str(entry)], check=True, timeout=30)
    deadline = time.monotonic() + 10
    while not out.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert json.loads(out.read_text()) == args


def test_the_files_are_the_entry_and_the_icon_at_every_hicolor_size(tmp_path: Path) -> None:
    share = tmp_path / "share"
    files = desktop_entry_files(share, ["/usr/bin/newage-desktop"])
    assert list(files) == entry_paths(share)
    hicolor = share / "icons/hicolor"
    assert set(files) == {
        share / "applications/newage-desktop.desktop",
        hicolor / "scalable/apps/newage-desktop.svg",
        *(hicolor / f"{s}x{s}/apps/newage-desktop.png" for s in ICON_SIZES),
    }
    for size in ICON_SIZES:
        png = files[hicolor / f"{size}x{size}/apps/newage-desktop.png"]
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", png[16:24]) == (size, size)  # IHDR width, height
    assert b"<svg" in files[hicolor / "scalable/apps/newage-desktop.svg"]


def test_every_icon_size_the_window_uses_is_installed() -> None:
    from newage_desktop.gui.resources import APP_ICON_SIZES

    assert ICON_SIZES == APP_ICON_SIZES


def test_a_missing_icon_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    icons = tmp_path / "icons"
    (icons / "png").mkdir(parents=True)
    (icons / "newage.svg").write_text("<svg/>")
    share = tmp_path / "share"
    with pytest.raises(FileNotFoundError, match=r"newage-16\.png"):
        install_entry(share, ["/usr/bin/newage-desktop"], icons_dir=icons)
    assert files_under(share) == set()


def test_install_into_a_staging_tree_then_remove_exactly_that(tmp_path: Path) -> None:
    share = tmp_path / "root/usr/share"
    neighbour = share / "applications/other.desktop"
    neighbour.parent.mkdir(parents=True)
    neighbour.write_text("[Desktop Entry]\n")
    written = install_entry(share, ["/usr/bin/newage-desktop"])
    assert files_under(share) == {neighbour, *written}
    assert all(p.stat().st_mode & 0o777 == 0o644 for p in written)
    assert set(remove_entry(share)) == set(written)
    assert files_under(share) == {neighbour}
    assert remove_entry(share) == []


def fake_tool(bin_dir: Path, name: str, exit_code: int = 0) -> Path:
    log = bin_dir / f"{name}.args"
    tool = bin_dir / name
    tool.write_text(f'#!/bin/sh\necho "$@" > {log}\necho oops >&2\nexit {exit_code}\n')
    tool.chmod(0o755)
    return log


def test_caches_are_refreshed_where_the_tools_and_a_cache_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    share = tmp_path / "share"
    (share / "applications").mkdir(parents=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    assert refresh_caches(share) == []  # neither tool installed: nothing, and no error
    desktop_log = fake_tool(bin_dir, "update-desktop-database")
    icons_log = fake_tool(bin_dir, "gtk-update-icon-cache", exit_code=1)
    # No icon cache yet: none is created (a stale one would hide icons installed later).
    assert refresh_caches(share) == ["ran update-desktop-database"]
    assert desktop_log.read_text().split() == ["-q", str(share / "applications")]
    assert not icons_log.exists()
    (share / "icons/hicolor").mkdir(parents=True)
    (share / "icons/hicolor/icon-theme.cache").write_bytes(b"")
    notes = refresh_caches(share)
    assert notes[1] == "gtk-update-icon-cache failed (exit 1): oops"
    assert icons_log.read_text().split() == ["-q", "-t", "-f", str(share / "icons/hicolor")]


def test_the_command_starts_this_installation(tmp_path: Path) -> None:
    venv_bin = tmp_path / "venv/bin"
    venv_bin.mkdir(parents=True)
    python = venv_bin / "python"
    assert launch_command(str(python), frozen=True) == [str(python)]
    assert launch_command(str(python), frozen=False) == [str(python), "-m", "newage_desktop"]
    (venv_bin / "newage-desktop").write_text("#!/bin/sh\n")
    assert launch_command(str(python), frozen=False) == [str(venv_bin / "newage-desktop")]
    # This test run's own environment (an editable install) has the console script.
    assert launch_command() == [str(Path(sys.executable).parent / "newage-desktop")]


def test_autostart_runs_minimized_on_the_same_data_directory(
    tmp_path: Path, xdg_home: Path
) -> None:
    from newage_desktop.core.store.datadir import default_data_dir

    base = ["/usr/bin/newage-desktop"]
    assert autostart_command(default_data_dir(), base) == [*base, "--minimized"]
    assert autostart_command(None, base) == [*base, "--minimized"]
    other = tmp_path / "elsewhere"
    assert autostart_command(other, base) == [*base, "--data-dir", str(other), "--minimized"]


def test_xdg_variables_that_are_empty_or_relative_mean_the_default(tmp_path: Path) -> None:
    home = Path.home()
    assert xdg.data_home({}) == home / ".local/share"
    assert xdg.data_home({"XDG_DATA_HOME": ""}) == home / ".local/share"
    assert xdg.config_home({"XDG_CONFIG_HOME": "relative/dir"}) == home / ".config"
    assert xdg.config_home({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path
