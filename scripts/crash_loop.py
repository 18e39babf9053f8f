"""Crash loop: kill -9 the real headless server while keys, trust and rooms are being written.

Each round starts ``python -m newage_desktop --headless`` on one data folder (the same for every
round, so the state of earlier rounds must survive later ones), then at once:

* an admin socket generates keys and removes some of them (``GENERATE_CLIENT_KEY`` and
  ``REMOVE_CLIENT_KEY`` on ``/clients``) and creates rooms (``CREATE_ROOM`` on ``/rooms``);
* the command line generates a key and revokes, trusts or untrusts a client
  (``newage-desktop keys generate|revoke``, ``trust``, ``untrust``), as separate processes;

and kills the server with SIGKILL at a random moment (sometimes the command line too). A write
counts as acknowledged when its ack arrived, or its command exited with status 0. After each
round: every JSON file parses, ``PRAGMA integrity_check`` is ok, no acknowledged key, trust or
room is lost and no key whose removal was acknowledged is back; after the next start no
temporary file of an interrupted write is left (a stale one is planted before each start).

Usage: ``.venv/bin/python scripts/crash_loop.py [ROUNDS] [--seed N] [--dir DIR]``; exits 1 if
anything was lost or resurrected. ``tests/crash/test_crash_loop.py`` runs 30 rounds of it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import signal
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bcrypt
import socketio

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.core.store.jsonfiles import is_temp_file_name, read_json

ADMIN = "crash-admin"
_LISTENING = re.compile(r"listening on http://[^\s:]+:(\d+)")
STALE_TEMP = ".clients.json.0badc0ffee00.tmp"  # our pattern: must be cleaned at start
DECOY = ".clients.json.tmp"  # not our pattern: must be left alone


@dataclass
class Ledger:
    """What the data folder must hold, from the acknowledged writes of every round so far."""

    present: set[str] = field(default_factory=set)  # key acked, no removal tried since
    absent: set[str] = field(default_factory=set)  # removal acked
    unsure: set[str] = field(default_factory=set)  # a write was sent but not acknowledged
    trust: dict[str, bool] = field(default_factory=dict)  # acked trust (True) / untrust (False)
    rooms: set[str] = field(default_factory=set)  # CREATE_ROOM acked
    acknowledged: int = 0
    lost: list[str] = field(default_factory=list)
    resurrected: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # unparsable files, bad DB, temp files
    temp_found_after_kill: int = 0
    rounds: int = 0
    cli_seconds: float = 1.5  # running estimate of one command's run time, for the kill moment

    def key_added(self, client_id: str) -> None:
        self.acknowledged += 1
        self.unsure.discard(client_id)
        self.present.add(client_id)

    def removing(self, client_id: str) -> None:
        self.present.discard(client_id)
        self.unsure.add(client_id)

    def key_removed(self, client_id: str) -> None:
        self.acknowledged += 1
        self.unsure.discard(client_id)
        self.absent.add(client_id)

    def summary(self) -> str:
        return (
            f"crash loop: {self.rounds} rounds, {self.acknowledged} writes acknowledged, "
            f"{len(self.lost)} lost, {len(self.resurrected)} resurrected, "
            f"{len(self.problems)} other problems "
            f"({self.temp_found_after_kill} temp files found after kills, cleaned at start)"
        )

    @property
    def ok(self) -> bool:
        return not (self.lost or self.resurrected or self.problems)


def provision_admin(datadir: DataDir) -> str:
    """A trusted monitor client with a fresh key, written as an operator would (no server)."""
    datadir.ensure()
    trust = {"clientId": ADMIN, "isTrust": True, "clientType": "monitor"}
    (datadir.settings_dir / f"{ADMIN}-settings.json").write_text(json.dumps(trust))
    plaintext = str(uuid.uuid4())
    hashed = bcrypt.hashpw(plaintext.encode(), bcrypt.gensalt(rounds=4)).decode()
    datadir.keys_file.write_text(json.dumps({ADMIN: {"key": hashed, "rooms": []}}))
    return plaintext


def _temp_files(datadir: DataDir) -> list[Path]:
    found: list[Path] = []
    for folder in (datadir.root, datadir.settings_dir, datadir.keys_dir):
        with contextlib.suppress(OSError):
            found += [p for p in folder.iterdir() if is_temp_file_name(p.name)]
    return found


async def _start_server(datadir: DataDir, log_path: Path) -> tuple[asyncio.subprocess.Process, str]:
    log_file = log_path.open("wb")
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "newage_desktop", "--headless", "--data-dir", str(datadir.root),
            "--host", "127.0.0.1", "--port", "0",
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=log_file,
        )  # fmt: skip
    finally:
        log_file.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        match = _LISTENING.search(log_path.read_text(errors="replace"))
        if match:
            return proc, f"http://127.0.0.1:{match.group(1)}"
        if proc.returncode is not None:
            break
        await asyncio.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    await proc.wait()
    raise RuntimeError(f"server did not start:\n{log_path.read_text(errors='replace')}")


async def _connect(url: str, key: str) -> socketio.AsyncClient:
    sio = socketio.AsyncClient(reconnection=False)
    await sio.connect(
        url,
        namespaces=["/clients", "/rooms"],
        auth={"clientId": ADMIN, "key": key, "clientType": "monitor"},
        transports=["websocket"],
        wait_timeout=20,
    )
    return sio


async def _socket_keys(
    sio: socketio.AsyncClient, ledger: Ledger, tag: str, rng: random.Random
) -> None:
    removable = sorted(c for c in ledger.present if c.startswith("sock-"))
    i = 0
    while True:
        if removable and rng.random() < 0.35:
            target = removable.pop(rng.randrange(len(removable)))
            ledger.removing(target)
            ack = await sio.call(
                "REMOVE_CLIENT_KEY", {"targetClientId": target}, namespace="/clients", timeout=20
            )
            if isinstance(ack, dict) and ack.get("status") == "ok":
                if "message" in ack:  # "Client key not found.": an acknowledged key was lost
                    ledger.lost.append(f"round {tag}: key {target} (not found on removal)")
                ledger.key_removed(target)
            continue
        target = f"sock-{tag}-{i}"
        i += 1
        ledger.unsure.add(target)
        ack = await sio.call(
            "GENERATE_CLIENT_KEY", {"targetClientId": target}, namespace="/clients", timeout=20
        )
        if isinstance(ack, dict) and ack.get("status") == "ok":
            ledger.key_added(target)
            removable.append(target)


async def _socket_rooms(sio: socketio.AsyncClient, ledger: Ledger, tag: str) -> None:
    i = 0
    while True:
        name = f"room-{tag}-{i}"
        i += 1
        ack = await sio.call("CREATE_ROOM", {"roomName": name}, namespace="/rooms", timeout=20)
        if isinstance(ack, dict) and ack.get("status") == "ok":
            ledger.acknowledged += 1
            ledger.rooms.add(name)
        await asyncio.sleep(0.05)  # a room now and then; the keys are what races


def _cli_command(
    ledger: Ledger, tag: str, rng: random.Random, *, generate: bool
) -> tuple[list[str], Callable[[], None]]:
    """This round's command-line write, with what its exit status 0 means."""
    choice = rng.random()
    revocable = sorted(c for c in ledger.present if c.startswith("cli-"))
    trusted = sorted(c for c, on in ledger.trust.items() if on)
    if generate or not revocable or choice < 0.3:
        new_key = f"cli-{tag}"
        ledger.unsure.add(new_key)
        return ["keys", "generate", new_key], lambda: ledger.key_added(new_key)
    if choice < 0.7:
        target = rng.choice(revocable)
        ledger.removing(target)
        return ["keys", "revoke", target], lambda: ledger.key_removed(target)
    if trusted and choice < 0.8:
        target = rng.choice(trusted)
        del ledger.trust[target]

        def untrusted() -> None:
            ledger.acknowledged += 1
            ledger.trust[target] = False

        return ["untrust", target], untrusted
    target = f"trusted-{tag}"

    def trusted_now() -> None:
        ledger.acknowledged += 1
        ledger.trust[target] = True

    return ["trust", target, "--desc", f"round {tag}"], trusted_now


async def _exit_time(proc: asyncio.subprocess.Process) -> float:
    await proc.wait()
    return time.monotonic()


async def _run_cli(datadir: DataDir, argv: list[str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "newage_desktop", *argv, "--data-dir", str(datadir.root),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


def check_files(datadir: DataDir, ledger: Ledger, tag: str) -> None:
    """After a kill, with nothing running: files parse, the DB is sound, nothing acked is lost."""
    temps = _temp_files(datadir)
    ledger.temp_found_after_kill += len([p for p in temps if p.name != STALE_TEMP])
    keys: dict[str, Any] = {}
    for path in [datadir.keys_file, *sorted(datadir.settings_dir.glob("*.json"))]:
        try:
            data = read_json(path)
        except Exception as exc:
            ledger.problems.append(f"round {tag}: {path.name} unreadable: {exc}")
            continue
        if path == datadir.keys_file:
            keys = data
    for client_id in sorted(ledger.present - keys.keys()):
        ledger.lost.append(f"round {tag}: key {client_id}")
        ledger.present.discard(client_id)
    for client_id in sorted(ledger.absent & keys.keys()):
        ledger.resurrected.append(f"round {tag}: key {client_id}")
        ledger.absent.discard(client_id)
    for client_id, on in sorted(ledger.trust.items()):
        path = datadir.settings_dir / f"{client_id}-settings.json"
        try:
            is_trust = read_json(path).get("isTrust")
        except Exception:
            is_trust = None
        if is_trust is not on:
            (ledger.lost if on else ledger.resurrected).append(
                f"round {tag}: trust {client_id} is {is_trust}, acknowledged {on}"
            )
            del ledger.trust[client_id]
    if datadir.chat_db_file.exists():
        db = sqlite3.connect(datadir.chat_db_file)
        try:
            result = db.execute("PRAGMA integrity_check").fetchall()
        finally:
            db.close()
        if result != [("ok",)]:
            ledger.problems.append(f"round {tag}: integrity_check {result}")


async def _after_start(
    datadir: DataDir, sio: socketio.AsyncClient, ledger: Ledger, tag: str
) -> None:
    """The server is up again: stale temp files are gone, acked rooms are there."""
    left = _temp_files(datadir)
    if left:
        ledger.problems.append(f"round {tag}: temp files left after start: {left}")
    if not (datadir.keys_dir / DECOY).exists():
        ledger.problems.append(f"round {tag}: {DECOY} (not ours) was removed")
    ack = await sio.call("GET_ROOMS", namespace="/rooms", timeout=20)
    rooms = set(ack.get("rooms", [])) if isinstance(ack, dict) else set()
    for name in sorted(ledger.rooms - rooms):
        ledger.lost.append(f"round {tag}: room {name}")
        ledger.rooms.discard(name)


async def one_round(
    datadir: DataDir,
    admin_key: str,
    ledger: Ledger,
    tag: str,
    rng: random.Random,
    *,
    final: bool = False,
) -> None:
    """Start the server, write from the socket and the command line, kill -9, check."""
    (datadir.keys_dir / STALE_TEMP).write_text("{")
    (datadir.keys_dir / DECOY).write_text("operator's")
    started = time.monotonic()
    sio: socketio.AsyncClient | None = None
    cli: list[tuple[asyncio.subprocess.Process, Callable[[], None]]] = []
    server, url = await _start_server(datadir, datadir.root.parent / f"server-{tag}.log")
    try:
        listening = time.monotonic()
        sio = await _connect(url, admin_key)
        await _after_start(datadir, sio, ledger, tag)
        if final:
            return
        launched = time.monotonic()
        for part in ("a", "b"):  # two command-line writers at once
            argv, acknowledged = _cli_command(ledger, f"{tag}{part}", rng, generate=part == "a")
            cli.append((await _run_cli(datadir, argv), acknowledged))
        exited = [asyncio.create_task(_exit_time(proc)) for proc, _ in cli]
        writers = [
            asyncio.create_task(_socket_keys(sio, ledger, tag, rng)),
            asyncio.create_task(_socket_rooms(sio, ledger, tag)),
        ]
        # Anywhere from before the command line's write to just after it.
        await asyncio.sleep(rng.uniform(0.2, 1.1) * ledger.cli_seconds)
        server.kill()
        if rng.random() < 0.2:  # sometimes the command line dies mid-write too
            for proc, _ in cli:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
        await server.wait()
        killed = time.monotonic()
        for task in writers:
            task.cancel()
        for task in writers:
            with contextlib.suppress(BaseException):
                await task
        for (proc, acknowledged), exit_time in zip(cli, exited, strict=True):
            at = await asyncio.wait_for(exit_time, 120)
            if proc.returncode == 0:
                acknowledged()
                # The next kill falls before, during or just after the command line's writes.
                ledger.cli_seconds = 0.5 * ledger.cli_seconds + 0.5 * (at - launched)
        if os.environ.get("CRASH_LOOP_TIMING"):
            print(
                f"round {tag}: start {listening - started:.2f}s, writes {killed - listening:.2f}s,"
                f" command line after the kill {time.monotonic() - killed:.2f}s"
            )
    finally:
        if sio is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(sio.disconnect(), 5)
        if server.returncode is None:
            if final:
                server.send_signal(signal.SIGTERM)
            else:
                server.kill()
            await server.wait()
        for proc, _ in cli:
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
    check_files(datadir, ledger, tag)
    ledger.rounds += 0 if final else 1


async def run(
    rounds: int, folder: Path, *, seed: int | None = None, echo: Callable[[str], None] = print
) -> Ledger:
    """``rounds`` crash rounds in ``folder`` (a fresh data folder is made inside it)."""
    rng = random.Random(seed)
    datadir = DataDir(folder / "data")
    admin_key = provision_admin(datadir)
    ledger = Ledger()
    for number in range(rounds):
        await one_round(datadir, admin_key, ledger, str(number), rng)
    await one_round(datadir, admin_key, ledger, "final", rng, final=True)
    for line in ledger.lost + ledger.resurrected + ledger.problems:
        echo(line)
    echo(ledger.summary())
    return ledger


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rounds", nargs="?", type=int, default=100)
    parser.add_argument("--seed", type=int, help="random seed (default: a random one, printed)")
    parser.add_argument("--dir", type=Path, help="work folder, kept (default: a temporary one)")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    print(f"seed {seed}")
    if args.dir is not None:
        args.dir.mkdir(parents=True, exist_ok=True)
        ledger = asyncio.run(run(args.rounds, args.dir, seed=seed))
    else:
        with tempfile.TemporaryDirectory(prefix="newage-crash-") as tmp:
            ledger = asyncio.run(run(args.rounds, Path(tmp), seed=seed))
    return 0 if ledger.ok else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
