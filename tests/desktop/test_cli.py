"""`newage-desktop desktop-entry install|remove`: what it writes, what it prints, exit status."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from newage_desktop.cli import main
from newage_desktop.desktop import cli as desktop_cli
from newage_desktop.desktop import entry
from newage_desktop.desktop.autostart import XdgAutostart
from newage_desktop.desktop.command import launch_command
from tests.desktop.conftest import desktop_group, files_under, validate


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def cache_tools(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The real update-desktop-database would add its cache file to the fake home
    (tests/desktop/test_entry.py runs fake ones)."""
    calls: list[Path] = []

    def refresh(share: Path) -> list[str]:
        calls.append(share)
        return ["ran update-desktop-database"]

    monkeypatch.setattr(desktop_cli, "refresh_caches", refresh)
    return calls


def test_install_writes_the_launcher_and_icons_and_lists_them(
    xdg_home: Path, capsys: pytest.CaptureFixture[str], cache_tools: list[Path]
) -> None:
    code, out, err = run_cli(capsys, "desktop-entry", "install")
    assert (code, err) == (0, "")
    share = xdg_home / "share"
    paths = entry.entry_paths(share)
    assert files_under(xdg_home) == set(paths)
    launcher = share / "applications/newage-desktop.desktop"
    command = launch_command()
    assert out.splitlines() == [
        f"Installed the NewAge Desktop launcher (it runs: {entry.exec_value(command)}):",
        *(f"  {p}" for p in paths),
        "(ran update-desktop-database)",
        "It is in the application menu now (on some desktops after the next login).",
    ]
    assert cache_tools == [share]
    validate(launcher)
    assert desktop_group(launcher)["Exec"] == str(Path(sys.executable).parent / "newage-desktop")
    # Again (say, after moving the installation): the same files, rewritten.
    assert run_cli(capsys, "desktop-entry", "install")[0] == 0
    assert files_under(xdg_home) == set(paths)


def test_remove_deletes_what_install_wrote_and_says_when_there_was_nothing(
    xdg_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = xdg_home / "share/applications/mine.desktop"
    mine.parent.mkdir(parents=True)
    mine.write_text("[Desktop Entry]\n")
    run_cli(capsys, "desktop-entry", "install")
    code, out, err = run_cli(capsys, "desktop-entry", "remove")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "Removed the NewAge Desktop launcher:",
        *(f"  {p}" for p in entry.entry_paths(xdg_home / "share")),
        "(ran update-desktop-database)",
    ]
    assert files_under(xdg_home) == {mine}
    code, out, err = run_cli(capsys, "desktop-entry", "remove")
    assert (code, err) == (1, "")
    assert out == (
        f"No NewAge Desktop launcher is installed in {xdg_home / 'share'} "
        "(no applications/newage-desktop.desktop); nothing removed.\n"
    )


def test_remove_mentions_that_start_at_login_stays_on(
    xdg_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    autostart = XdgAutostart()
    autostart.enable(["/usr/bin/newage-desktop", "--minimized"])
    run_cli(capsys, "desktop-entry", "install")
    code, out, _ = run_cli(capsys, "desktop-entry", "remove")
    assert code == 0 and f"Start at login stays on ({autostart.path})" in out
    assert autostart.is_enabled()


def test_an_unwritable_data_home_is_reported(
    xdg_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (xdg_home / "share").mkdir(parents=True)
    (xdg_home / "share/applications").write_text("")  # a file where the folder should be
    code, _, err = run_cli(capsys, "desktop-entry", "install")
    assert code == 1 and err.startswith("newage-desktop: ") and "applications" in err


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_other_systems_are_told_the_installer_does_this(
    xdg_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    platform: str,
) -> None:
    monkeypatch.setattr(sys, "platform", platform)
    code, _, err = run_cli(capsys, "desktop-entry", "install")
    assert code == 2 and "desktop entries are for Linux" in err
    assert files_under(xdg_home) == set()


def test_an_action_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "desktop-entry")
    assert code == 2 and "ACTION" in err
