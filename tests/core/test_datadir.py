"""The data directory is chosen by flag, environment or default, and laid out as upstream (§3)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from newage_desktop.core.store.datadir import APP_NAME, DataDir, default_data_dir, resolve_data_dir


def test_default_is_the_per_user_app_data_folder() -> None:
    assert APP_NAME == "NewAge Desktop"
    assert default_data_dir().name == APP_NAME


def test_command_line_beats_environment_beats_default(tmp_path: Path) -> None:
    env = {"NEWAGE_DATA_DIR": str(tmp_path / "from-env")}
    assert resolve_data_dir(str(tmp_path / "from-cli"), env) == tmp_path / "from-cli"
    assert resolve_data_dir(None, env) == tmp_path / "from-env"
    assert resolve_data_dir(None, {}) == default_data_dir().absolute()
    assert resolve_data_dir("", {"NEWAGE_DATA_DIR": ""}) == default_data_dir().absolute()


def test_result_is_absolute_with_home_expanded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    assert resolve_data_dir("~/data", {}) == tmp_path / "data"
    monkeypatch.chdir(tmp_path)
    relative = resolve_data_dir("rel", {})
    assert relative.is_absolute()
    assert relative == tmp_path / "rel"


def test_paths_follow_the_upstream_layout(tmp_path: Path) -> None:
    data = DataDir(tmp_path)
    assert data.settings_dir == tmp_path / "settings"
    assert data.keys_dir == tmp_path / "keys"
    assert data.logs_dir == tmp_path / "logs"
    assert data.server_settings_file == tmp_path / "settings" / "server_settings.json"
    assert data.keys_file == tmp_path / "keys" / "clients.json"
    assert data.chat_db_file == tmp_path / "chat_history.sqlite3"


def test_ensure_creates_missing_folders(tmp_path: Path) -> None:
    data = DataDir(tmp_path / "new" / "root")
    data.ensure()
    for folder in (data.root, data.settings_dir, data.keys_dir, data.logs_dir):
        assert folder.is_dir()
    if os.name == "posix":
        assert data.keys_dir.stat().st_mode & 0o777 == 0o700


def test_an_upstream_server_folder_works_as_it_is(tmp_path: Path) -> None:
    server = tmp_path / "server"
    (server / "settings").mkdir(parents=True)
    (server / "keys").mkdir()
    settings_file = server / "settings" / "server_settings.json"
    settings_file.write_text('{"serverPort": 4000,}', encoding="utf-8")
    (server / "settings" / "monitor-settings.json").write_text("{}", encoding="utf-8")
    data = DataDir(server)
    data.ensure()
    assert settings_file.read_text(encoding="utf-8") == '{"serverPort": 4000,}'
    assert (server / "settings" / "monitor-settings.json").exists()
    assert data.logs_dir.is_dir()
    if os.name == "posix":
        assert data.keys_dir.stat().st_mode & 0o777 == 0o700  # tightened
