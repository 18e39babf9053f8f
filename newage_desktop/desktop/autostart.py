"""Start at login (off until the user turns it on), one back-end per operating system.

The operating system's own record is the truth (the autostart file, the Run value, the
LaunchAgent), never a copy in the app's preferences: a user who removes it with the desktop's
own tools sees it off in Settings too. Errors (an unwritable folder, a refused registry write)
are raised as OSError for the caller to show.
"""

from __future__ import annotations

import plistlib
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final, Protocol

from newage_desktop.desktop import xdg
from newage_desktop.desktop.entry import ENTRY_FILE, render_desktop_entry, write_file

RUN_KEY: Final = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE: Final = "NewAge Desktop"
LAUNCH_AGENT_LABEL: Final = "org.newage.desktop"
NO_REGISTRY: Final = "the Windows registry exists only on Windows"


class Autostart(Protocol):
    @property
    def location(self) -> str:
        """Where the login item lives, for the user (a path, a registry value)."""
        ...

    def is_enabled(self) -> bool: ...

    def enable(self, command: Sequence[str]) -> None:
        """Run `command` (an argv, `--minimized` included) at every login."""
        ...

    def disable(self) -> None:
        """No-op if not enabled."""
        ...


# --- Linux and other freedesktop systems ------------------------------------------------------
class XdgAutostart:
    """`$XDG_CONFIG_HOME/autostart/newage-desktop.desktop` (XDG Autostart specification)."""

    def __init__(self, config_home: Path | None = None) -> None:
        self.path = (config_home or xdg.config_home()) / "autostart" / ENTRY_FILE

    @property
    def location(self) -> str:
        return str(self.path)

    def is_enabled(self) -> bool:
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except (FileNotFoundError, NotADirectoryError):  # no such file (or folder)
            return False
        # A desktop's own switch may leave the file and mark it off instead of deleting it.
        lines = {line.strip().replace(" ", "") for line in text.splitlines()}
        return not ({"Hidden=true", "X-GNOME-Autostart-enabled=false"} & lines)

    def enable(self, command: Sequence[str]) -> None:
        write_file(self.path, render_desktop_entry(command, autostart=True).encode("utf-8"))

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)


# --- Windows -----------------------------------------------------------------------------------
class RunKey(Protocol):
    """The values of HKCU\\...\\Run: a layer tests replace with a dict."""

    def get(self, name: str) -> str | None: ...

    def set(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> None:
        """No-op if there is no such value."""
        ...


class WinRegRunKey:
    """The real Run key, through winreg (imported only when used, so only on Windows)."""

    def get(self, name: str) -> str | None:
        if sys.platform != "win32":  # also how mypy on other systems skips what follows
            raise OSError(NO_REGISTRY)
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                value, _kind = winreg.QueryValueEx(key, name)
        except FileNotFoundError:
            return None
        return str(value)

    def set(self, name: str, value: str) -> None:
        if sys.platform != "win32":
            raise OSError(NO_REGISTRY)
        import winreg

        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
            winreg.SetValueEx(key, name, 0, winreg.REG_SZ, value)

    def delete(self, name: str) -> None:
        if sys.platform != "win32":
            raise OSError(NO_REGISTRY)
        import winreg

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
                winreg.DeleteValue(key, name)
        except FileNotFoundError:
            pass


def windows_command_line(command: Sequence[str]) -> str:
    """The program always in double quotes (a path with spaces must not be split at the first
    one), the arguments as the C runtime parses them."""
    program, *args = command
    return " ".join([f'"{program}"', *([subprocess.list2cmdline(args)] if args else [])])


class WindowsRunKey:
    def __init__(self, run_key: RunKey | None = None) -> None:
        self.run_key = run_key if run_key is not None else WinRegRunKey()

    @property
    def location(self) -> str:
        return f"HKEY_CURRENT_USER\\{RUN_KEY}\\{RUN_VALUE}"

    def is_enabled(self) -> bool:
        return bool(self.run_key.get(RUN_VALUE))

    def enable(self, command: Sequence[str]) -> None:
        self.run_key.set(RUN_VALUE, windows_command_line(command))

    def disable(self) -> None:
        self.run_key.delete(RUN_VALUE)


# --- macOS -------------------------------------------------------------------------------------
class MacLaunchAgent:
    """`~/Library/LaunchAgents/<label>.plist`; launchd loads it at the next login."""

    def __init__(self, agents_dir: Path | None = None, label: str = LAUNCH_AGENT_LABEL) -> None:
        self.label = label
        agents_dir = agents_dir or Path.home() / "Library" / "LaunchAgents"
        self.path = agents_dir / f"{label}.plist"

    @property
    def location(self) -> str:
        return str(self.path)

    def is_enabled(self) -> bool:
        try:
            with self.path.open("rb") as file:
                agent = plistlib.load(file)
        except FileNotFoundError:
            return False
        except (plistlib.InvalidFileException, ValueError):
            return True  # present but unreadable: launchd would still try; disable removes it
        return isinstance(agent, dict) and not agent.get("Disabled", False)

    def enable(self, command: Sequence[str]) -> None:
        agent = {
            "Label": self.label,
            "ProgramArguments": list(command),
            "RunAtLoad": True,
            # A GUI app: launchd must not throttle or kill it as a background job.
            "ProcessType": "Interactive",
        }
        write_file(self.path, plistlib.dumps(agent))

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)


def default_autostart(platform: str | None = None) -> Autostart:
    """The back-end of this (or the given `sys.platform`) operating system."""
    platform = platform if platform is not None else sys.platform
    if platform == "win32":
        return WindowsRunKey()
    if platform == "darwin":
        return MacLaunchAgent()
    return XdgAutostart()
