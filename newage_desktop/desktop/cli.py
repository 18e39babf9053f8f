"""`newage-desktop desktop-entry install|remove`: the per-user launcher and icons (Linux)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newage_desktop.desktop import xdg
from newage_desktop.desktop.autostart import XdgAutostart
from newage_desktop.desktop.command import launch_command
from newage_desktop.desktop.entry import (
    entry_paths,
    exec_value,
    install_entry,
    refresh_caches,
    remove_entry,
)

COMMAND = "desktop-entry"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    entry = sub.add_parser(
        COMMAND, help="add NewAge Desktop to the application menu (Linux), or remove it"
    )
    actions = entry.add_subparsers(dest="entry_command", metavar="ACTION", required=True)
    actions.add_parser(
        "install",
        help="write the launcher and the icons for this user",
        description="Write $XDG_DATA_HOME/applications/newage-desktop.desktop (default "
        "~/.local/share) starting this installation, and the app icon into "
        "$XDG_DATA_HOME/icons/hicolor. Run again after moving the installation. "
        "Exit status: 0 done, 1 could not write, 2 not a freedesktop system.",
    )
    actions.add_parser(
        "remove",
        help="delete what install wrote",
        description="Exit status: 0 removed, 1 nothing was installed or could not delete, "
        "2 not a freedesktop system.",
    )


def run(args: argparse.Namespace) -> int:
    if sys.platform in ("win32", "darwin"):
        print(
            "newage-desktop: desktop entries are for Linux and other freedesktop desktops; "
            "the installer adds NewAge Desktop to the menu on this system.",
            file=sys.stderr,
        )
        return 2
    share = xdg.data_home()
    try:
        if args.entry_command == "install":
            return _install(share)
        return _remove(share)
    except OSError as exc:
        print(f"newage-desktop: {exc}", file=sys.stderr)
        return 1


def _install(share: Path) -> int:
    command = launch_command()
    written = install_entry(share, command)
    print(f"Installed the NewAge Desktop launcher (it runs: {exec_value(command)}):")
    print("\n".join(f"  {path}" for path in written))
    _print_notes(refresh_caches(share))
    print("It is in the application menu now (on some desktops after the next login).")
    return 0


def _remove(share: Path) -> int:
    removed = remove_entry(share)
    if not removed:
        print(
            f"No NewAge Desktop launcher is installed in {share} (no "
            f"{entry_paths(share)[0].relative_to(share)}); nothing removed."
        )
        return 1
    print("Removed the NewAge Desktop launcher:")
    print("\n".join(f"  {path}" for path in removed))
    _print_notes(refresh_caches(share))
    autostart = XdgAutostart()
    if autostart.is_enabled():
        print(f"Start at login stays on ({autostart.location}); turn it off in Settings → Desktop.")
    return 0


def _print_notes(notes: list[str]) -> None:
    for note in notes:
        print(f"({note})")
