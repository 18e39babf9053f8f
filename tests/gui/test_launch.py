"""`newage-desktop` without --headless: the window with the server, or headless if it cannot."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newage_desktop.gui.availability import gui_unavailable_reason


def launch(data: Path, env: dict[str, str], *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "newage_desktop", "--data-dir", str(data), "--port", "0", *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_log(data: Path, text: str, proc: subprocess.Popen[str], timeout: float = 30) -> str:
    combined = data / "logs" / "combined.log"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"exited {proc.returncode}: {proc.communicate()[1][-2000:]}")
        if combined.exists() and text in (content := combined.read_text(encoding="utf-8")):
            return content
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared in {combined}")


def base_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env.pop("QT_QPA_PLATFORM", None)
    return env


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM")
def test_the_app_opens_its_window_with_the_server_and_quits_cleanly(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = dict(base_env(tmp_path), QT_QPA_PLATFORM="offscreen")
    app = launch(data, env)
    try:
        log = wait_for_log(data, "Window ready; server at http://", app)
        assert "listening on http://" in log  # logged before the files existed, replayed
        # A second launch on the same data directory shows the first and exits at once.
        second = launch(data, env)
        _, err = second.communicate(timeout=30)
        assert second.returncode == 0 and "already running" in err
    finally:
        app.send_signal(signal.SIGTERM)
        _, err = app.communicate(timeout=30)
    assert app.returncode == 0, err
    assert "running headless" not in err
    assert "Server stopped" in (data / "logs" / "combined.log").read_text(encoding="utf-8")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="display detection is Linux's")
def test_without_a_display_it_says_so_and_runs_headless(tmp_path: Path) -> None:
    data = tmp_path / "data"
    proc = launch(data, base_env(tmp_path))
    try:
        wait_for_log(data, "listening on http://", proc)
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert "cannot open the window (no display" in err and "running headless" in err
    assert proc.returncode == 0


def test_display_detection() -> None:
    assert gui_unavailable_reason({"QT_QPA_PLATFORM": "offscreen"}) is None
    if sys.platform.startswith("linux"):
        reason = gui_unavailable_reason({})
        assert reason is not None and "no display" in reason
        assert gui_unavailable_reason({"WAYLAND_DISPLAY": "wayland-0"}) is None
