"""`newage-desktop admin-ui enable|disable|status`: the Socket.IO Admin UI without editing JSON."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from newage_desktop import cli
from newage_desktop.cli import main
from newage_desktop.core.auth.keys import check_key


def run_cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = ""
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def stored(data: Path) -> dict[str, Any]:
    settings: dict[str, Any] = json.loads((data / "settings/server_settings.json").read_text())
    return settings


def test_enable_with_password_on_stdin_stores_only_a_hash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "d"
    (data / "settings").mkdir(parents=True)
    (data / "settings/server_settings.json").write_text('{"serverPort": 4100, "mine": 1}')
    code, out, err = run_cli(
        capsys, monkeypatch,
        "admin-ui", "enable", "--username", "operator", "--password-stdin", "--data-dir", str(data),
        stdin="s3cret password\n",
    )  # fmt: skip
    assert code == 0, err
    settings = stored(data)
    assert settings["serverPort"] == 4100 and settings["mine"] == 1  # read-merge-write
    assert settings["adminUiEnabled"] is True
    assert settings["adminUiUsername"] == "operator"
    assert check_key("s3cret password", settings["adminUiPasswordHash"])
    assert "s3cret" not in json.dumps(settings) and "s3cret" not in out + err
    assert "restart" in err.lower()
    assert "http://127.0.0.1:4100/admin-ui/" in err


def test_enable_prompts_twice_and_refuses_a_mismatch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter(["first", "second"])
    monkeypatch.setattr(cli, "getpass", lambda prompt="": next(answers))
    code, _, err = run_cli(
        capsys, monkeypatch, "admin-ui", "enable", "--username", "op", "--data-dir", str(tmp_path)
    )
    assert code == 2 and "do not match" in err
    assert not (tmp_path / "settings/server_settings.json").exists()

    answers = iter(["same one", "same one"])
    code, _, err = run_cli(
        capsys, monkeypatch, "admin-ui", "enable", "--username", "op", "--data-dir", str(tmp_path)
    )
    assert code == 0, err
    assert check_key("same one", stored(tmp_path)["adminUiPasswordHash"])


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [("", "pw", "username"), ("op", "", "empty"), ("op", "é" * 40, "72")],
)
def test_enable_refuses_bad_input(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    username: str,
    password: str,
    message: str,
) -> None:
    code, _, err = run_cli(
        capsys, monkeypatch,
        "admin-ui", "enable", "--username", username, "--password-stdin",
        "--data-dir", str(tmp_path),
        stdin=password + "\n",
    )  # fmt: skip
    assert code == 2 and message in err
    assert not (tmp_path / "settings/server_settings.json").exists()


def test_read_write_and_mode_options_then_status_and_disable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = str(tmp_path)
    code, _, err = run_cli(
        capsys, monkeypatch,
        "admin-ui", "enable", "--username", "op", "--password-stdin", "--read-write",
        "--mode", "development", "--data-dir", data,
        stdin="pw\n",
    )  # fmt: skip
    assert code == 0, err
    assert stored(tmp_path)["adminUiReadonly"] is False
    assert stored(tmp_path)["adminUiMode"] == "development"
    code, out, _ = run_cli(capsys, monkeypatch, "admin-ui", "status", "--data-dir", data)
    assert code == 0
    assert "Enabled:    yes" in out and "Username:   op" in out and "Password:   set" in out
    assert "read-write" in out and "development" in out and "$2" not in out

    code, _, err = run_cli(capsys, monkeypatch, "admin-ui", "disable", "--data-dir", data)
    assert code == 0 and "restart" in err.lower()
    assert stored(tmp_path)["adminUiEnabled"] is False
    assert stored(tmp_path)["adminUiUsername"] == "op"  # kept for the next enable
    code, out, _ = run_cli(capsys, monkeypatch, "admin-ui", "status", "--data-dir", data)
    assert code == 1 and "Enabled:    no" in out
