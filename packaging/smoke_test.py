"""Start a built executable headless, check /healthz answers, stop it with SIGTERM; then let it
install its bundled SillyTavern extension into a fake SillyTavern folder (package data found)."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def main(executable: str) -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as data:
        proc = subprocess.Popen(
            [
                executable,
                "--headless",
                "--data-dir",
                data,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ]
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    print(f"smoke test: the build exited with {proc.returncode}", file=sys.stderr)
                    return 1
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                        print("smoke test: /healthz ->", json.load(r))
                        break
                except OSError:
                    time.sleep(0.2)
            else:
                print("smoke test: no answer from /healthz within 30 s", file=sys.stderr)
                return 1
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(15)
    print(f"smoke test: stopped with exit code {proc.returncode}")
    if proc.returncode != 0:
        return 1
    return install_extension(executable)


def install_extension(executable: str) -> int:
    with tempfile.TemporaryDirectory() as folder:
        sillytavern = Path(folder) / "SillyTavern"
        sillytavern.mkdir()
        (sillytavern / "package.json").write_text('{"name": "sillytavern"}')
        done = subprocess.run(
            [executable, "sillytavern", "install", str(sillytavern)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        manifest = sillytavern / "data/default-user/extensions/newage-desktop/manifest.json"
        if done.returncode != 0 or not manifest.is_file():
            print(f"smoke test: sillytavern install failed: {done.stderr}", file=sys.stderr)
            return 1
    print("smoke test: sillytavern install -> ok")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
