"""A real server as a subprocess from a source checkout, and what the probes need around it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import bcrypt

PYTHON = "/work/main/.venv/bin/python"
START_TIMEOUT = 60.0


@dataclass
class Ctx:
    """What every probe gets: the checkout to run, the smoke-run switch, a scratch folder."""

    source: Path
    quick: bool
    scratch: Path


@dataclass
class Result:
    name: str
    summary: str
    figures: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def provision(
    data: Path, client_id: str, *, monitor: bool = False, key: bool = True, cost: int = 4
) -> str | None:
    """Trust `client_id` by file and store a bcrypt hash of a fresh key, as an operator would."""
    (data / "settings").mkdir(parents=True, exist_ok=True)
    (data / "keys").mkdir(parents=True, exist_ok=True)
    trust: dict[str, Any] = {"clientId": client_id, "isTrust": True}
    if monitor:
        trust["clientType"] = "monitor"
    (data / "settings" / f"{client_id}-settings.json").write_text(json.dumps(trust))
    if not key:
        return None
    plaintext = str(uuid.uuid4())
    keys_file = data / "keys" / "clients.json"
    records = json.loads(keys_file.read_text()) if keys_file.exists() else {}
    hashed = bcrypt.hashpw(plaintext.encode(), bcrypt.gensalt(rounds=cost)).decode()
    records[client_id] = {"key": hashed, "rooms": []}
    keys_file.write_text(json.dumps(records))
    return plaintext


def write_settings(data: Path, **settings: Any) -> None:
    (data / "settings").mkdir(parents=True, exist_ok=True)
    path = data / "settings" / "server_settings.json"
    current = json.loads(path.read_text()) if path.exists() else {}
    current.update(settings)
    path.write_text(json.dumps(current, indent=2))


def log_bytes(data: Path) -> int:
    return sum(p.stat().st_size for p in (data / "logs").glob("*.log") if p.is_file())


def log_lines(data: Path, name: str = "combined.log") -> list[str]:
    path = data / "logs" / name
    if not path.exists():
        return []
    return path.read_text(errors="replace").splitlines()


class Server:
    """`python -m newage_desktop --headless` from `source`, on a free port of 127.0.0.1."""

    def __init__(self, source: Path, data: Path) -> None:
        self.source = source
        self.data = data
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.output = data.parent / f"server-{self.port}.out"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        env = dict(os.environ, PYTHONPATH=str(self.source), PYTHONUNBUFFERED="1")
        env.pop("NEWAGE_DATA_DIR", None)
        out = self.output.open("ab")
        self.proc = subprocess.Popen(
            [
                *(PYTHON, "-m", "newage_desktop", "--headless", "--data-dir", str(self.data)),
                *("--host", "127.0.0.1", "--port", str(self.port)),
            ],
            cwd=self.source,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        out.close()
        deadline = time.monotonic() + START_TIMEOUT
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    tail = self.output.read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"server exited with {self.proc.returncode}: {tail}")
                with contextlib.suppress(aiohttp.ClientError, OSError, asyncio.TimeoutError):
                    async with session.get(
                        self.url + "/healthz", timeout=aiohttp.ClientTimeout(total=2)
                    ) as resp:
                        if resp.status == 200:
                            return
                await asyncio.sleep(0.2)
        self.kill9()
        raise RuntimeError("server did not answer /healthz within 60 s")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.kill9()

    def kill9(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def rss_mb(self) -> float:
        assert self.proc is not None
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
        return float("nan")

    def cpu_s(self) -> float:
        assert self.proc is not None
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def fds(self) -> int:
        assert self.proc is not None
        with contextlib.suppress(OSError):
            return len(os.listdir(f"/proc/{self.proc.pid}/fd"))
        return -1


@contextlib.asynccontextmanager
async def running(ctx: Ctx, data: Path | None = None) -> Any:
    """A started server on `data` (a fresh folder by default); stopped on the way out."""
    if data is None:
        data = Path(tempfile.mkdtemp(prefix="data-", dir=ctx.scratch))
    srv = Server(ctx.source, data)
    await srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def new_data(ctx: Ctx) -> Path:
    return Path(tempfile.mkdtemp(prefix="data-", dir=ctx.scratch))
