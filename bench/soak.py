#!/usr/bin/env python3
"""Soak test: many requests through one server, watching for leaks. Not part of CI.

    .venv/bin/python bench/soak.py [--requests 10000] [--every 1000] [--clients 4]
                                   [--tokens 10] [--batch 5] [--settings JSON] [--keep]

Starts the real server in a subprocess (this file with `--serve`: a `RelayServer` on
127.0.0.1, logging to its data directory as the headless server does), connects one emulated
SillyTavern extension (tests/server/emulated.py) and `--clients` clients (the Python SDK) that
are all guests of one room, and runs closed-loop requests: each client sends `LLM_REQUEST`
(`targetRoom` the room, `target` the extension) and waits for the whole streamed answer before
the next. Every room member receives every request's streams and reads them all.

Requests run in blocks of `--every`; between blocks the load pauses (nothing in flight) and
the server is sampled: its RSS (/proc/<pid>/status VmRSS), open descriptors (/proc/<pid>/fd)
and asyncio task count (nothing on the wire reports that — SERVER_STATUS, §6.9, has no such
field — so the `--serve` process answers a `tasks` line on its stdin with
`len(asyncio.all_tasks())`). Prints one row per block, then whether RSS, descriptors and tasks
stayed within 10 % of the 2nd block's value from the 2nd block on (the 1st block warms up).
Linux only (/proc).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from newage_desktop.client import NewAgeClient  # noqa: E402
from newage_desktop.core.store.datadir import DataDir  # noqa: E402

ROOM = "soak-room"
EXTENSION = "soak-ext"
ADMIN = "soak-admin"
TOLERANCE = 0.10


# --- the server process ------------------------------------------------------------------------
async def serve(data_dir: Path) -> None:
    """Run the server; print `PORT <n>`, answer `tasks` with `TASKS <n>`, stop on `quit`/EOF."""
    from newage_desktop.core.store.logs import setup_logging
    from newage_desktop.transport.server import RelayServer

    datadir = DataDir(data_dir)
    logs = setup_logging(datadir.logs_dir, console=False, debug=False)
    server = RelayServer(datadir, host="127.0.0.1", port=0)
    await server.start()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    print(f"PORT {server.port}", flush=True)
    try:
        while True:
            line = (await reader.readline()).decode().strip()
            if line == "tasks":
                print(f"TASKS {len(asyncio.all_tasks())}", flush=True)
            elif line in ("quit", ""):
                break
    finally:
        await server.stop()
        logs.close()


class ServerProcess:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.proc: asyncio.subprocess.Process | None = None
        self.port = 0

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--serve", "--data-dir", str(self.data_dir),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        self.port = int((await self._line("PORT")).split()[1])

    async def _line(self, prefix: str) -> str:
        assert self.proc is not None and self.proc.stdout is not None
        while True:
            raw = await asyncio.wait_for(self.proc.stdout.readline(), 60)
            if not raw:
                raise RuntimeError(f"server exited ({await self.proc.wait()})")
            line = raw.decode().strip()
            if line.startswith(prefix):
                return line

    async def tasks(self) -> int:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(b"tasks\n")
        await self.proc.stdin.drain()
        return int((await self._line("TASKS")).split()[1])

    def rss_kib(self) -> int:
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def fds(self) -> int:
        assert self.proc is not None
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    async def stop(self) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"quit\n")
        await self.proc.stdin.drain()
        try:
            await asyncio.wait_for(self.proc.wait(), 20)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


# --- the load ----------------------------------------------------------------------------------
class SoakClient(NewAgeClient):
    """The SDK client, also reading the streams of other members' requests (a room member
    receives them all, §7.7; a socket that never reads them would stall them until
    `Receiver timed out.`, §8.3 rule 5, which is not what a soak should measure)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._foreign: set[str] = set()

    async def _on_stream(self, name: Any, handle: Any = None, meta: Any = None) -> None:
        request_id = meta.get("requestId") if isinstance(meta, dict) else None
        ss_id = handle.get("$stream") if isinstance(handle, dict) else None
        if request_id in self._replies or not isinstance(ss_id, str):
            await super()._on_stream(name, handle, meta)
            return
        self._foreign.add(ss_id)
        await self.sio.emit("$stream-read", (ss_id, 16384), namespace="/llm")

    async def _on_write(self, ss_id: Any, chunk: Any = None, encoding: Any = "utf8") -> None:
        if ss_id in self._foreign:
            await self.sio.emit("$stream-read", (ss_id, 16384), namespace="/llm")
            return
        await super()._on_write(ss_id, chunk, encoding)

    async def _on_end(self, ss_id: Any = None) -> None:
        self._foreign.discard(ss_id)
        await super()._on_end(ss_id)

    async def _on_error(self, ss_id: Any = None, message: Any = None) -> None:
        self._foreign.discard(ss_id)
        await super()._on_error(ss_id, message)


@dataclass
class Row:
    done: int
    rate: float
    median_ms: float
    rss_kib: int
    fds: int
    tasks: int


async def one_request(client: SoakClient, expected: str) -> float:
    started = time.perf_counter()
    reply = await client.request("soak", target=EXTENSION, target_room=ROOM)
    text = ""
    async for chunk in reply:
        text += chunk
        if text == expected:
            break
    if text != expected:
        raise RuntimeError(f"wrong answer {text!r} ({reply.error})")
    client._replies.pop(reply.request_id, None)
    return (time.perf_counter() - started) * 1000


async def run_block(clients: list[SoakClient], count: int, expected: str) -> list[float]:
    remaining = count
    latencies: list[float] = []

    async def loop(client: SoakClient) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            latencies.append(await one_request(client, expected))

    await asyncio.gather(*(loop(c) for c in clients))
    return latencies


def flat(values: list[int]) -> tuple[bool, str]:
    """Within ±10 % of the 2nd block's value from the 2nd block on."""
    if len(values) < 3:
        return True, f"only {len(values)} row(s): nothing to compare; use more requests"
    base = values[1]
    later = values[1:]
    ok = all(abs(v - base) <= TOLERANCE * max(base, 1) for v in later)
    return ok, f"{base} → min {min(later)}, max {max(later)}, last {later[-1]}"


async def soak(args: argparse.Namespace) -> int:
    # Provisioning as the tests do it (trust file + bcrypt hash), before the server starts.
    from tests.server.conftest import provision, write_settings
    from tests.server.emulated import EmulatedExtension

    root = Path(tempfile.mkdtemp(prefix="newage-soak-"))
    datadir = DataDir(root / "data")
    datadir.ensure()
    if args.settings:
        write_settings(datadir, **json.loads(args.settings))
    admin_key = provision(datadir, ADMIN, monitor=True) or ""
    ext_key = provision(datadir, EXTENSION) or ""
    ids = [f"soak-client-{i}" for i in range(args.clients)]
    keys = {cid: provision(datadir, cid) or "" for cid in ids}

    server = ServerProcess(datadir.root)
    await server.start()
    url = f"http://127.0.0.1:{server.port}"
    tokens = [f"t{i} " if i % 3 else f"世界{i} " for i in range(args.tokens)]
    ext = EmulatedExtension(url, EXTENSION, ext_key, tokens=tokens, batch=args.batch)
    admin = NewAgeClient(url, client_id=ADMIN, key=admin_key, client_type="monitor")
    clients = [SoakClient(url, client_id=cid, key=keys[cid], linger=0.05) for cid in ids]
    rows: list[Row] = []
    try:
        await ext.connect()
        await admin.connect()
        assert (await admin.call("/rooms", "CREATE_ROOM", {"roomName": ROOM}))["status"] == "ok"
        for cid in [*ids, EXTENSION]:
            added = await admin.call(
                "/rooms", "ADD_CLIENT_TO_ROOM", {"roomName": ROOM, "identity": cid}
            )
            assert added["status"] == "ok", added
        for client in clients:
            await client.connect()
        print(
            f"server pid {server.proc.pid if server.proc else '?'}, {url}, data {root}; "
            f"{args.requests} requests, {args.clients} clients, {args.tokens} tokens "
            f"in mini-streams of {args.batch}",
            file=sys.stderr,
        )
        header = (
            f"{'requests':>9} {'req/s':>7} {'median ms':>10} {'RSS MiB':>8} {'fds':>5} {'tasks':>6}"
        )
        print(header)
        done = 0
        while done < args.requests:
            count = min(args.every, args.requests - done)
            started = time.perf_counter()
            latencies = await run_block(clients, count, ext.text)
            elapsed = time.perf_counter() - started
            done += count
            ext.tasks = [t for t in ext.tasks if not t.done()]
            row = Row(
                done,
                count / elapsed,
                statistics.median(latencies),
                server.rss_kib(),
                server.fds(),
                await server.tasks(),
            )
            rows.append(row)
            print(
                f"{row.done:>9} {row.rate:>7.1f} {row.median_ms:>10.1f} "
                f"{row.rss_kib / 1024:>8.1f} {row.fds:>5} {row.tasks:>6}",
                flush=True,
            )
    finally:
        for client in clients:
            await client.close()
        await admin.close()
        await ext.close()
        await server.stop()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    verdicts = {
        "RSS KiB": flat([r.rss_kib for r in rows]),
        "descriptors": flat([r.fds for r in rows]),
        "tasks": flat([r.tasks for r in rows]),
    }
    print()
    for name, (ok, detail) in verdicts.items():
        print(f"{name:<12} {'flat' if ok else 'NOT FLAT'} (±10 % from block 2: {detail})")
    return 0 if all(ok for ok, _ in verdicts.values()) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--every", type=int, default=1000, help="requests per block/row")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--tokens", type=int, default=10, help="tokens per answer")
    parser.add_argument("--batch", type=int, default=5, help="tokens per mini-stream")
    parser.add_argument("--settings", default="", help="server_settings.json content (JSON)")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(Path(args.data_dir)))
        return 0
    return asyncio.run(soak(args))


if __name__ == "__main__":
    raise SystemExit(main())
