"""Start at login: the XDG file for real, the Windows Run value and the macOS LaunchAgent
through their layers (so all three run here)."""

from __future__ import annotations

import plistlib
from pathlib import Path

import pytest

from newage_desktop.desktop.autostart import (
    MacLaunchAgent,
    WindowsRunKey,
    WinRegRunKey,
    XdgAutostart,
    default_autostart,
    windows_command_line,
)
from tests.desktop.conftest import desktop_group, files_under, validate

COMMAND = ["/opt/new age/bin/newage-desktop", "--minimized"]


# --- Linux -------------------------------------------------------------------------------------
def test_xdg_enable_writes_exactly_the_autostart_file(xdg_home: Path) -> None:
    autostart = XdgAutostart()
    path = xdg_home / "config/autostart/newage-desktop.desktop"
    assert autostart.location == str(path)
    assert not autostart.is_enabled()  # off by default
    autostart.enable(COMMAND)
    assert files_under(xdg_home) == {path}
    assert autostart.is_enabled()
    validate(path)
    entry = desktop_group(path)
    assert entry["Exec"] == '"/opt/new age/bin/newage-desktop" --minimized'
    assert entry["X-GNOME-Autostart-enabled"] == "true"
    assert entry["Type"] == "Application" and entry["Icon"] == "newage-desktop"


def test_xdg_disable_removes_exactly_that_file(xdg_home: Path) -> None:
    folder = xdg_home / "config/autostart"
    folder.mkdir(parents=True)
    other = folder / "other-app.desktop"
    other.write_text("[Desktop Entry]\n")
    autostart = XdgAutostart()
    autostart.enable(COMMAND)
    autostart.disable()
    assert files_under(xdg_home) == {other}
    assert not autostart.is_enabled()
    autostart.disable()  # already off: nothing to do, no error


@pytest.mark.parametrize("off", ["Hidden=true", "X-GNOME-Autostart-enabled=false"])
def test_xdg_an_entry_switched_off_by_the_desktop_counts_as_off(xdg_home: Path, off: str) -> None:
    autostart = XdgAutostart()
    autostart.enable(COMMAND)
    text = autostart.path.read_text(encoding="utf-8")
    autostart.path.write_text(text.replace("X-GNOME-Autostart-enabled=true", "") + off + "\n")
    assert not autostart.is_enabled()
    autostart.enable(COMMAND)  # turning it on again rewrites the file
    assert autostart.is_enabled()


def test_xdg_an_unwritable_folder_is_an_error(xdg_home: Path) -> None:
    # A file where the folder should be (chmod would not stop root).
    (xdg_home / "config").mkdir(parents=True)
    (xdg_home / "config/autostart").write_text("")
    with pytest.raises(OSError):
        XdgAutostart().enable(COMMAND)


# --- Windows -----------------------------------------------------------------------------------
class FakeRunKey:
    def __init__(self) -> None:
        self.values: dict[str, str] = {"OtherApp": '"C:\\Other\\other.exe"'}

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value

    def delete(self, name: str) -> None:
        self.values.pop(name, None)


def test_windows_enable_sets_the_run_value_to_the_quoted_command() -> None:
    run_key = FakeRunKey()
    autostart = WindowsRunKey(run_key)
    assert not autostart.is_enabled()
    exe = r"C:\Program Files\NewAge Desktop\newage-desktop.exe"
    autostart.enable([exe, "--minimized"])
    assert run_key.values == {
        "OtherApp": '"C:\\Other\\other.exe"',
        "NewAge Desktop": f'"{exe}" --minimized',
    }
    assert autostart.is_enabled()
    autostart.disable()
    assert run_key.values == {"OtherApp": '"C:\\Other\\other.exe"'}
    assert not autostart.is_enabled()
    autostart.disable()
    assert autostart.location.endswith(
        r"\Software\Microsoft\Windows\CurrentVersion\Run\NewAge Desktop"
    )


def test_windows_command_line_quotes_the_program_and_arguments_with_spaces() -> None:
    assert windows_command_line([r"C:\Python\python.exe"]) == r'"C:\Python\python.exe"'
    command = [r"C:\py\python.exe", "-m", "newage_desktop", "--data-dir", r"D:\my data"]
    assert (
        windows_command_line([*command, "--minimized"])
        == r'"C:\py\python.exe" -m newage_desktop --data-dir "D:\my data" --minimized'
    )


def test_the_real_registry_layer_refuses_clearly_off_windows() -> None:
    with pytest.raises(OSError, match="only on Windows"):
        WinRegRunKey().get("NewAge Desktop")


# --- macOS -------------------------------------------------------------------------------------
def test_macos_enable_writes_a_launch_agent_that_runs_at_load(tmp_path: Path) -> None:
    agents = tmp_path / "Library/LaunchAgents"
    autostart = MacLaunchAgent(agents)
    assert not autostart.is_enabled()
    command = ["/Applications/NewAge Desktop.app/Contents/MacOS/NewAge Desktop", "--minimized"]
    autostart.enable(command)
    path = agents / "org.newage.desktop.plist"
    assert files_under(tmp_path) == {path} and autostart.location == str(path)
    with path.open("rb") as file:
        agent = plistlib.load(file)
    assert agent["Label"] == "org.newage.desktop"
    assert agent["ProgramArguments"] == command
    assert agent["RunAtLoad"] is True
    assert autostart.is_enabled()
    autostart.disable()
    assert files_under(tmp_path) == set() and not autostart.is_enabled()


def test_macos_an_agent_marked_disabled_counts_as_off(tmp_path: Path) -> None:
    autostart = MacLaunchAgent(tmp_path)
    autostart.enable(COMMAND)
    agent = plistlib.loads(autostart.path.read_bytes())
    autostart.path.write_bytes(plistlib.dumps({**agent, "Disabled": True}))
    assert not autostart.is_enabled()


def test_the_back_end_follows_the_platform() -> None:
    assert isinstance(default_autostart("linux"), XdgAutostart)
    assert isinstance(default_autostart("freebsd14"), XdgAutostart)
    assert isinstance(default_autostart("win32"), WindowsRunKey)
    assert isinstance(default_autostart("darwin"), MacLaunchAgent)
