"""The frozen build as a user starts it: the window under a real X server (Xvfb, the xcb
plugin, not offscreen), its server admitting a real socket.io-client, Quit stopping both.

This is what proves the size cuts (packaging/bundle_trim.py) left everything the window needs:
a missing Qt plugin or library shows here as a window that never draws or a process that dies.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from tests.packaging.frozen_support import FrozenBuild, healthz, xvfb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "interop"))

from interop_support import NewAgeServer, free_port, missing_requirements, run_scenario

pytestmark = [
    pytest.mark.timeout(1500),  # the first packaging test to run also waits for the build
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux build"),
]
XVFB = shutil.which("Xvfb")
START_TIMEOUT_S = 60


def wait_for(
    what: str, ready: Callable[[], bool], proc: subprocess.Popen[bytes], log: Path
) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"exited with {proc.returncode} before {what}:\n{tail(log)}")
        if ready():
            return
        time.sleep(0.2)
    pytest.fail(f"no {what} within {START_TIMEOUT_S} s:\n{tail(log)}")


def tail(log: Path, lines: int = 60) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no output)"


def port_closed(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def distinct_colours(image: QImage, step: int = 4) -> int:
    return len(
        {
            image.pixel(x, y)
            for y in range(0, image.height(), step)
            for x in range(0, image.width(), step)
        }
    )


@pytest.mark.skipif(XVFB is None, reason="needs Xvfb (Debian: xvfb; .ci/run installs it)")
@pytest.mark.skipif(missing_requirements() is not None, reason=str(missing_requirements()))
def test_the_frozen_window_draws_admits_a_client_and_quits(
    frozen_build: FrozenBuild, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert XVFB is not None
    provisioned = NewAgeServer(tmp_path, "frozen")  # only its trust and key files are used
    creds = provisioned.provision("frozen-window-client")
    port = free_port()
    shot = tmp_path / "window.png"
    log = tmp_path / "app.log"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "DISPLAY")
    }
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")  # its own window settings
    with xvfb(XVFB) as display, log.open("wb") as out:
        env["DISPLAY"] = display
        app = subprocess.Popen(
            [
                str(frozen_build.executable),
                "--data-dir",
                str(provisioned.data_dir),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--screenshot",
                str(shot),
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for("/healthz", lambda: healthz(port) is not None, app, log)
            wait_for("the screenshot", shot.is_file, app, log)
            url = f"http://127.0.0.1:{port}"
            run_scenario(
                "admission",
                {
                    "url": url,
                    "cases": [
                        {
                            "name": "frozen: trusted key",
                            "ns": "/",
                            "auth": creds.js(),
                            "expect": "ok",
                        },
                        {
                            "name": "frozen: wrong key",
                            "ns": "/",
                            "auth": {"clientId": creds.clientId, "key": "0" * 36},
                            "expect": "refused",
                            "reason": "Invalid key.",
                        },
                    ],
                },
            )
        finally:
            app.send_signal(signal.SIGTERM)  # gui/app.py handles it as Quit
            try:
                code = app.wait(timeout=30)
            except subprocess.TimeoutExpired:
                app.kill()
                code = app.wait(timeout=10)
                pytest.fail(f"the window did not quit within 30 s of SIGTERM:\n{tail(log)}")
    combined = (provisioned.data_dir / "logs" / "combined.log").read_text(encoding="utf-8")
    assert code == 0, tail(log)
    assert "Server stopped" in combined
    assert port_closed(port)

    image = QImage(str(shot))
    assert not image.isNull(), "the screenshot is not a PNG Qt can read"
    assert image.width() >= 400 and image.height() >= 300, (image.width(), image.height())
    colours = distinct_colours(image)
    assert colours > 20, f"{colours} colours: a blank window, not the drawn docks"
    assert f"saved: {shot}" in combined  # logged, for whoever asked for it
    with capsys.disabled():
        print(
            f"\nfrozen window: {image.width()}x{image.height()}, {colours} colours, "
            f"client admitted, quit with 0\n{frozen_build.sizes}"
        )
