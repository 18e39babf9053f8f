"""Helpers for the interop suite: a NewAge Desktop server subprocess, client provisioning
(PROTOCOL.md §3.2, §3.3) and running the Node scenario scripts in ``scenarios/``.

Everything here is written from PROTOCOL.md only; the server is a black box reached through
its command line, its data directory, HTTP and Socket.IO.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bcrypt
import pytest

INTEROP_DIR = Path(__file__).resolve().parent
REPO_ROOT = INTEROP_DIR.parents[1]
SCENARIOS_DIR = INTEROP_DIR / "scenarios"
NODE_MODULES = INTEROP_DIR / "node_modules"
NODE = shutil.which("node")

STARTUP_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 8.0

# Servers currently running; conftest attaches their log tails to failing test reports.
LIVE_SERVERS: list[NewAgeServer] = []


def missing_requirements() -> str | None:
    """Why the interop suite cannot run here, or None."""
    if NODE is None:
        return "interop tests need `node` (Node.js 20) on PATH"
    for pkg in ("socket.io-client", "@sap_oss/node-socketio-stream"):
        if not (NODE_MODULES / pkg / "package.json").is_file():
            return (
                f"interop tests need {pkg} in tests/interop/node_modules "
                "(run `npm ci` in tests/interop)"
            )
    return None


def new_key() -> str:
    """A fresh client key: lowercase UUID v4 (§4.4)."""
    return str(uuid.uuid4())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_json_atomic(path: Path, obj: Any) -> None:
    """Write JSON the way §3.6 asks the server to: temp file in the same folder + rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(obj, f, indent=2)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@dataclass(frozen=True)
class Creds:
    clientId: str
    key: str

    def js(self) -> dict[str, str]:
        return {"clientId": self.clientId, "key": self.key}


class NewAgeServer:
    """One ``python -m newage_desktop --headless`` process on a data directory of its own."""

    def __init__(self, base_dir: Path, name: str, settings: dict[str, Any] | None = None) -> None:
        self.name = name
        self.base_dir = base_dir
        self.data_dir = base_dir / "data"
        self.log_path = base_dir / f"{name}.log"
        self.port: int | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.exit_codes: list[int] = []
        self.creds: dict[str, Creds] = {}
        (self.data_dir / "settings").mkdir(parents=True, exist_ok=True)
        if settings is not None:
            write_json_atomic(self.settings_dir / "server_settings.json", settings)

    # ----- paths -----------------------------------------------------------------------------
    @property
    def settings_dir(self) -> Path:
        return self.data_dir / "settings"

    @property
    def keys_file(self) -> Path:
        return self.data_dir / "keys" / "clients.json"

    def trust_file(self, client_id: str) -> Path:
        return self.settings_dir / f"{client_id}-settings.json"

    @property
    def url(self) -> str:
        assert self.port is not None, f"server {self.name} was never started"
        return f"http://127.0.0.1:{self.port}"

    # ----- provisioning (§3.2, §3.3) --------------------------------------------------------------
    def trust(self, client_id: str, *, monitor: bool = False, is_trust: bool = True) -> None:
        doc: dict[str, Any] = {"clientId": client_id, "isTrust": is_trust}
        if monitor:
            doc["clientType"] = "monitor"
        write_json_atomic(self.trust_file(client_id), doc)

    def store_key(self, client_id: str, key: str) -> None:
        """Read-merge-write a bcrypt hash (cost 4, to keep tests fast) into keys/clients.json."""
        current: dict[str, Any] = {}
        if self.keys_file.exists():
            current = json.loads(self.keys_file.read_text(encoding="utf-8"))
        hashed = bcrypt.hashpw(key.encode(), bcrypt.gensalt(rounds=4)).decode()
        current[client_id] = {"key": hashed, "rooms": []}
        write_json_atomic(self.keys_file, current)

    def provision(
        self,
        client_id: str,
        *,
        monitor: bool = False,
        trusted: bool = True,
        with_key: bool = True,
        is_trust: bool = True,
    ) -> Creds:
        """Trust file (unless trusted=False) and a key hash (unless with_key=False)."""
        if trusted:
            self.trust(client_id, monitor=monitor, is_trust=is_trust)
        key = new_key()
        if with_key:
            self.store_key(client_id, key)
        creds = Creds(client_id, key)
        self.creds[client_id] = creds
        return creds

    # ----- process --------------------------------------------------------------------------
    def start(self, timeout: float = STARTUP_TIMEOUT_S) -> None:
        assert self.proc is None, f"server {self.name} already running"
        self.port = free_port()
        cmd = [
            sys.executable,
            "-m",
            "newage_desktop",
            "--headless",
            "--data-dir",
            str(self.data_dir),
            "--port",
            str(self.port),
            "--host",
            "127.0.0.1",
        ]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== start: {' '.join(cmd)}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                cmd,
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
        LIVE_SERVERS.append(self)
        deadline = time.monotonic() + timeout
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            code = self.proc.poll()
            if code is not None:
                self._forget()
                pytest.fail(
                    f"server {self.name} exited with status {code} before /healthz answered.\n"
                    f"--- server log ({self.log_path}) ---\n{self.log_tail()}",
                    pytrace=False,
                )
            try:
                status, ctype, body = self.http_get("/healthz", timeout=1.0)
                if status == 200:
                    return
                last_error = f"HTTP {status} {ctype} {body[:200]!r}"
            except (OSError, urllib.error.URLError) as e:
                last_error = repr(e)
            time.sleep(0.05)
        self.stop(check=False)
        pytest.fail(
            f"server {self.name} did not answer GET /healthz with 200 within {timeout:.0f} s "
            f"(last: {last_error}).\n--- server log ---\n{self.log_tail()}",
            pytrace=False,
        )

    def stop(self, timeout: float = STOP_TIMEOUT_S, *, check: bool = True) -> int | None:
        """SIGTERM, wait; with check, assert a clean exit (status 0) within `timeout`."""
        proc = self.proc
        if proc is None:
            return None
        killed = False
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
                killed = True
        code = proc.returncode
        self.exit_codes.append(code)
        self._forget()
        if check:
            assert not killed, (
                f"server {self.name} did not exit within {timeout} s of SIGTERM (killed).\n"
                f"--- server log ---\n{self.log_tail()}"
            )
            assert code == 0, (
                f"server {self.name} exited with status {code} after SIGTERM (expected 0).\n"
                f"--- server log ---\n{self.log_tail()}"
            )
        return code

    def _forget(self) -> None:
        self.proc = None
        if self in LIVE_SERVERS:
            LIVE_SERVERS.remove(self)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines: int = 120) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    # ----- HTTP ------------------------------------------------------------------------------
    def http_get(self, path: str, timeout: float = 5.0) -> tuple[int, str, bytes]:
        """GET path; returns (status, content-type, body) for any status."""
        req = urllib.request.Request(self.url + path, method="GET")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, resp.headers.get("Content-Type", ""), resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type", ""), e.read()

    def healthz(self) -> dict[str, Any]:
        status, _ctype, body = self.http_get("/healthz")
        assert status == 200, f"GET /healthz: HTTP {status} {body[:200]!r}"
        data = json.loads(body)
        assert isinstance(data, dict), f"/healthz body is not a JSON object: {body[:200]!r}"
        return data


def run_scenario(
    name: str, params: dict[str, Any], *, timeout: float = 60.0
) -> list[dict[str, Any]]:
    """Run scenarios/<name>.js with the JSON params; fail the test (showing the script's
    output) unless it exits 0. Returns the parsed ``RESULT {...}`` lines it printed."""
    script = SCENARIOS_DIR / f"{name}.js"
    assert NODE is not None
    cmd = [NODE, str(script), json.dumps(params)]
    started = time.monotonic()
    try:
        proc = subprocess.run(
            cmd,
            cwd=INTEROP_DIR,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = (e.stderr or b"").decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
        pytest.fail(
            f"scenario {name}.js did not finish within {timeout} s\n"
            f"--- stdout ---\n{out}\n--- stderr ---\n{err}",
            pytrace=False,
        )
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        first = next(
            (ln for ln in proc.stderr.splitlines() if ln.startswith("SCENARIO FAILED")),
            proc.stderr.strip().splitlines()[0] if proc.stderr.strip() else "(no stderr)",
        )
        pytest.fail(
            f"scenario {name}.js failed (exit {proc.returncode}, {elapsed:.1f} s): {first}\n"
            f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}",
            pytrace=False,
        )
    results = []
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            results.append(json.loads(line[len("RESULT ") :]))
    return results
