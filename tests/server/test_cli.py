"""The command line: admin commands on the data directory, and the headless process."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from newage_desktop.cli import main
from newage_desktop.core.auth.keys import check_key


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_trust_generate_list_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(tmp_path / "d")
    code, _, err = run_cli(capsys, "trust", "bot", "--desc", "my bot", "--data-dir", data)
    assert code == 0 and "no key yet" in err
    code, out, err = run_cli(capsys, "keys", "generate", "bot", "--data-dir", data)
    key = out.strip()
    assert code == 0 and len(key) == 36 and "only time" in err
    assert f"base URL http://127.0.0.1:4000/v1, API key bot:{key}" in err
    stored = json.loads((tmp_path / "d/keys/clients.json").read_text())
    assert check_key(key, stored["bot"]["key"]) and key not in json.dumps(stored)
    code, out, _ = run_cli(capsys, "keys", "list", "--data-dir", data)
    assert code == 0 and key not in out and "$2" not in out
    assert out.splitlines()[1].split()[:4] == ["bot", "yes", "yes", "no"]
    code, _, _ = run_cli(capsys, "keys", "revoke", "bot", "--data-dir", data)
    assert code == 0 and "bot" not in json.loads((tmp_path / "d/keys/clients.json").read_text())
    code, _, err = run_cli(capsys, "keys", "revoke", "bot", "--data-dir", data)
    assert code == 1 and "no key" in err
    code, _, _ = run_cli(capsys, "untrust", "bot", "--data-dir", data)
    trust = json.loads((tmp_path / "d/settings/bot-settings.json").read_text())
    assert code == 0 and trust["isTrust"] is False and trust["desc"] == "my bot"


def test_invalid_client_id_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "trust", "../evil", "--data-dir", str(tmp_path))
    assert code == 2 and "invalid clientId" in err
    assert not (tmp_path / "settings").exists() or not list((tmp_path / "settings").iterdir())


def test_data_dir_from_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWAGE_DATA_DIR", str(tmp_path / "env"))
    code, _, _ = run_cli(capsys, "trust", "bot")
    assert code == 0 and (tmp_path / "env/settings/bot-settings.json").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(data: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "newage_desktop", "--headless", "--data-dir", str(data),
         "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _wait_healthy(port: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("server did not become healthy")


def test_headless_stops_cleanly_and_refuses_a_taken_port(tmp_path: Path) -> None:
    port = _free_port()
    first = _start(tmp_path / "d", port)
    try:
        _wait_healthy(port, first)
        second = _start(tmp_path / "d", port)
        _, err = second.communicate(timeout=15)
        assert second.returncode == 1 and "already in use" in err
        combined = (tmp_path / "d/logs/combined.log").read_text()
        assert "listening on" in combined  # the loser did not rotate the winner's log away
    finally:
        first.send_signal(signal.SIGTERM)
        _, err = first.communicate(timeout=15)
    assert first.returncode == 0, err
    assert "Server stopped" in (tmp_path / "d/logs/combined.log").read_text()


def test_corrupt_settings_stop_start_up_and_are_left_alone(tmp_path: Path) -> None:
    settings = tmp_path / "d/settings/server_settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text('{\n  "serverPort": 4000\n  "oops": 1\n}\n')
    before = settings.read_bytes()
    proc = _start(tmp_path / "d", _free_port())
    _, err = proc.communicate(timeout=15)
    assert proc.returncode == 2
    assert "server_settings.json" in err and "line 3" in err
    assert settings.read_bytes() == before


def test_an_admin_command_cleans_temp_files_of_a_killed_writer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "d"
    (data / "keys").mkdir(parents=True)
    (data / "settings").mkdir()
    stale = [
        data / "keys/.clients.json.0123456789ab.tmp",
        data / "settings/.x.json.ba9876543210.tmp",
    ]
    other = data / "settings/.x.json.tmp"
    for path in [*stale, other]:
        path.write_text("{")
    code, _, _ = run_cli(capsys, "keys", "generate", "bot", "--data-dir", str(data))
    assert code == 0
    assert [p for p in stale if p.exists()] == [] and other.exists()
    assert "bot" in json.loads((data / "keys/clients.json").read_text())
