"""Fixtures for the desktop integration: XDG folders in a temporary directory, never the
user's own menu or autostart folder."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest


@pytest.fixture
def xdg_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake home with XDG_DATA_HOME and XDG_CONFIG_HOME inside it; returns the home."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    return home


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def desktop_group(path: Path) -> dict[str, str]:
    """The [Desktop Entry] group as key → raw value."""
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def validate(path: Path) -> None:
    """desktop-file-validate (Debian: desktop-file-utils; .ci/run installs it) says nothing."""
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        pytest.skip("desktop-file-validate is not installed (apt-get install desktop-file-utils)")
    done = subprocess.run([tool, str(path)], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")
