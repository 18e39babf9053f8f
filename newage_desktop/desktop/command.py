"""The command line that starts this installation of the app, for launchers and autostart.

A launcher entry or a login item outlives the process that wrote it, so it names the program
by absolute path: the frozen executable of a PyInstaller build, else the `newage-desktop`
console script of this environment (venv or pipx), else this interpreter with `-m`. Paths are
made absolute but not resolved: resolving a venv's `python` symlink would leave the venv.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Final

from newage_desktop.core.store.datadir import default_data_dir

CONSOLE_SCRIPTS: Final = ("newage-desktop", "newage-desktop.exe")
MINIMIZED: Final = "--minimized"


def launch_command(executable: str | None = None, *, frozen: bool | None = None) -> list[str]:
    """argv that starts the window (defaults: `sys.executable`, `sys.frozen`)."""
    exe = os.path.abspath(executable if executable is not None else sys.executable)
    if frozen if frozen is not None else bool(getattr(sys, "frozen", False)):
        return [exe]
    for name in CONSOLE_SCRIPTS:
        script = Path(exe).parent / name
        if script.is_file():
            return [str(script)]
    return [exe, "-m", "newage_desktop"]


def autostart_command(data_dir: Path | None = None, base: list[str] | None = None) -> list[str]:
    """What a login item runs: the window, hidden in the tray, on the same data directory.

    `--data-dir` is added only when `data_dir` is not the default one: a run chosen with
    NEWAGE_DATA_DIR or --data-dir would otherwise come back at login on another directory.
    """
    command = list(base if base is not None else launch_command())
    if data_dir is not None and Path(os.path.abspath(data_dir)) != Path(
        os.path.abspath(default_data_dir())
    ):
        command += ["--data-dir", str(data_dir)]
    return [*command, MINIMIZED]
