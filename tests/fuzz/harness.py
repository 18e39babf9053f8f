"""The fuzz harness: one real server per test module, three senders, the checks of issue 8.

Senders (all on every namespace they may join, PROTOCOL.md §4.2): an admin (`clientType`
`monitor` with a key, §4.8), a plain client, and an extension (`clientType` `SillyTavern`), so
extension-only events (§7.5) get past their permission check too.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from hypothesis import HealthCheck, settings

from newage_desktop.client import NewAgeClient
from newage_desktop.core.store.datadir import DataDir
from newage_desktop.core.store.logs import LOG_FILES, LogControl, setup_logging
from newage_desktop.protocol import errors as err
from newage_desktop.transport.server import RelayServer
from tests.fuzz.catalogue import STREAM_CONTROL
from tests.server.conftest import Client, provision, write_settings
from tests.server.emulated import EmulatedExtension

ACK_TIMEOUT = 15.0
ALL_NAMESPACES = ["/", "/auth", "/clients", "/rooms", "/llm", "/sillytavern", "/function_call"]
FUZZ_ROOM = "fuzz-room"


def examples(default: int) -> int:
    """`default` examples per test, or `NEWAGE_FUZZ_EXAMPLES` when that is larger."""
    raw = os.environ.get("NEWAGE_FUZZ_EXAMPLES", "")
    return max(default, int(raw)) if raw.strip().isdigit() else default


# Small counts in CI (the whole suite in well under 90 s on a slow machine); scripts/fuzz.sh
# raises them. No example database: every run draws afresh, and nothing is written to the tree.
FUZZ_SETTINGS = settings(
    max_examples=examples(4),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class ErrorRecords(logging.Handler):
    """Every ERROR-or-worse record and every record with a traceback, from any logger."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info:
            self.records.append(record)

    def describe(self) -> list[str]:
        out = []
        for record in self.records:
            line = f"{record.name} {record.levelname}: {record.getMessage()}"
            if record.exc_info and record.exc_info[1] is not None:
                line += f" | {type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
            out.append(line)
        return out


class Sender:
    """A `Client` (tests/server/conftest.py) that counts every ack it receives, per emit."""

    def __init__(self, url: str, client_id: str, key: str, client_type: str) -> None:
        self.client_id = client_id
        self.auth = {"clientId": client_id, "key": key, "clientType": client_type}
        self.client = Client(url)
        self.sio = self.client.sio
        self.stray_acks: list[tuple[str, Any]] = []
        self.errors: list[tuple[str, Any]] = []  # ERROR events received, (namespace, payload)
        self.namespaces: list[str] = []
        original = self.sio._handle_ack

        async def handle_ack(namespace: str | None, ack_id: int, data: list[Any]) -> None:
            if ack_id not in self.sio.callbacks.get(namespace or "/", {}):
                self.stray_acks.append((namespace or "/", data))  # a second ack, or unasked
            await original(namespace, ack_id, data)

        self.sio._handle_ack = handle_ack

    async def connect(self, namespaces: list[str]) -> None:
        for ns in namespaces:
            self.sio.on("*", self._catch_all(ns), namespace=ns)
            self.sio.on("FUNCTION_CALL", self._function_call, namespace=ns)
        await self.client.connect(namespaces, self.auth)
        self.namespaces = namespaces

    def _catch_all(self, namespace: str) -> Any:
        async def handler(event: str, *args: Any) -> None:
            if event == "ERROR":
                self.errors.append((namespace, args[0] if args else None))

        return handler

    async def _function_call(self, payload: Any = None) -> Any:
        """A forwarded FUNCTION_CALL (§9.2): answer with a fixed, well-formed ack."""
        request_id = payload.get("requestId") if isinstance(payload, dict) else None
        return {"requestId": request_id, "success": True, "result": "echo"}

    def connected(self) -> list[str]:
        return [ns for ns in self.namespaces if ns in self.sio.namespaces]

    async def send(self, namespace: str, event: str, args: tuple[Any, ...], ack: bool) -> Any:
        """Emit; with `ack`, wait for the acks and return their argument lists."""
        # python-socketio: None sends no argument, a tuple several, anything else one.
        data: Any = None if not args else args[0] if len(args) == 1 else args
        if not ack:
            await self.sio.emit(event, data, namespace=namespace)
            return None
        acks: list[list[Any]] = []
        first = asyncio.get_running_loop().create_future()

        def callback(*received: Any) -> None:
            acks.append(list(received))
            if not first.done():
                first.set_result(None)

        await self.sio.emit(event, data, namespace=namespace, callback=callback)
        await asyncio.wait_for(first, ACK_TIMEOUT)
        return acks

    async def close(self) -> None:
        await self.client.close()


async def fuzz_one(
    env: FuzzServer, role: str, namespace: str, event: str, args: tuple[Any, ...], ack: bool
) -> None:
    """Send one event and check what came back (or that nothing did)."""
    sender = env.senders[role]
    before = len(sender.stray_acks)
    answer = await sender.send(namespace, event, args, ack)
    if ack:
        check_answer(namespace, event, answer)
    else:
        # A round trip on the same connection: an answer that should not come is in by then.
        await sender.send("/auth", "GET_SILLYTAVERN_EXTENSION", (), ack=True)
    assert sender.stray_acks[before:] == [], "an ack nobody asked for, or a second one"
    assert sender.connected() == sender.namespaces, "a sender was disconnected"


def check_answer(namespace: str, event: str, acks: list[list[Any]]) -> None:
    """Exactly one ack with one argument, of the event's shape (§2.2 rule 2, §8, §9)."""
    assert len(acks) == 1, f"{len(acks)} acks: {acks!r}"
    assert len(acks[0]) == 1, f"ack with {len(acks[0])} arguments: {acks[0]!r}"
    answer = acks[0][0]
    if event == "FUNCTION_CALL":
        assert isinstance(answer, dict), answer
        assert isinstance(answer.get("success"), bool), answer
        assert "requestId" in answer, answer
        if answer["success"]:
            assert "result" in answer, answer
        else:
            message = answer["error"]["message"]
            assert isinstance(message, str) and message, answer
            assert message != err.INTERNAL_ERROR, answer
        return
    if event == "$stream-write" and isinstance(answer, str):
        assert answer.startswith("invalid stream id: "), answer
        return
    assert isinstance(answer, dict), f"not a dict: {answer!r}"
    assert answer.get("status") in ("ok", "error"), answer
    if answer["status"] == "error":
        assert isinstance(answer.get("message"), str), answer
        assert answer["message"] != err.INTERNAL_ERROR, answer
    assert event not in STREAM_CONTROL or event == "$stream-write" or answer["status"] == "ok"


@dataclass
class FuzzServer:
    datadir: DataDir
    server: RelayServer
    logs: LogControl
    records: ErrorRecords
    senders: dict[str, Sender] = field(default_factory=dict)
    spare_keys: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def __repr__(self) -> str:  # keeps Hypothesis's failure report short
        return f"FuzzServer({self.url})"


def namespaces_of(role: str) -> list[str]:
    """Every namespace the role may join: /debug admits admins only (§4.2 step 10)."""
    return [*ALL_NAMESPACES, "/debug"] if role == "admin" else list(ALL_NAMESPACES)


async def start(root: Path, **settings: Any) -> FuzzServer:
    datadir = DataDir(root / "data")
    datadir.ensure()
    # Forwarded calls to a silent target time out in 1 s instead of 5; pages without delay.
    write_settings(datadir, timeout=1000, contextSendDelay=0, **settings)
    keys = {
        "admin": provision(datadir, "fuzz-admin", monitor=True) or "",
        "plain": provision(datadir, "fuzz-plain") or "",
        "ext": provision(datadir, "fuzz-ext") or "",
    }
    spare = {cid: provision(datadir, cid) or "" for cid in ("fuzz-check-st", "fuzz-check-app")}
    provision(datadir, "fuzz-victim")
    records = ErrorRecords()
    logging.getLogger().addHandler(records)
    logs = setup_logging(datadir.logs_dir, console=False, debug=False)
    server = RelayServer(datadir, host="127.0.0.1", port=0)
    await server.start()
    env = FuzzServer(datadir, server, logs, records, spare_keys=spare)
    kinds = {"admin": "monitor", "plain": "client", "ext": "SillyTavern"}
    for role, client_id in (("admin", "fuzz-admin"), ("plain", "fuzz-plain"), ("ext", "fuzz-ext")):
        sender = Sender(server.url, client_id, keys[role], kinds[role])
        await sender.connect(namespaces_of(role))
        env.senders[role] = sender
    admin = env.senders["admin"]
    created = await admin.send("/rooms", "CREATE_ROOM", ({"roomName": FUZZ_ROOM},), ack=True)
    assert created[0][0]["status"] == "ok", created
    for identity in ("fuzz-plain", "fuzz-ext"):
        payload = {"roomName": FUZZ_ROOM, "identity": identity, "role": "guest"}
        added = await admin.send("/rooms", "ADD_CLIENT_TO_ROOM", (payload,), ack=True)
        assert added[0][0]["status"] == "ok", added
    return env


async def stop(env: FuzzServer) -> None:
    for sender in env.senders.values():
        await sender.close()
    await env.server.stop()
    env.logs.close()
    logging.getLogger().removeHandler(env.records)


async def still_serves(env: FuzzServer) -> None:
    """A plain LLM_REQUEST through an emulated extension gets its answer; /healthz answers."""
    ext = EmulatedExtension(env.url, "fuzz-check-st", env.spare_keys["fuzz-check-st"])
    await ext.connect()
    app = NewAgeClient(
        env.url, client_id="fuzz-check-app", key=env.spare_keys["fuzz-check-app"], linger=0.1
    )
    try:
        await app.connect()
        reply = await app.request("still there?", target="fuzz-check-st")
        assert await asyncio.wait_for(reply.text(), 20) == ext.text
    finally:
        await app.close()
        await ext.close()
    async with aiohttp.ClientSession() as session, session.get(f"{env.url}/healthz") as response:
        assert response.status == 200
        assert (await response.json())["status"] == "ok"


LOG_LEVEL_ERROR = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \[error\] ")


def log_failures(env: FuzzServer) -> list[str]:
    """ERROR records and tracebacks seen in-process and in the data directory's log files."""
    found = env.records.describe()
    for name in LOG_FILES:
        path = env.datadir.logs_dir / name
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            # the level field, not a client's text quoted in a message ("[error] forged")
            if LOG_LEVEL_ERROR.match(line) or "Traceback" in line:
                found.append(f"{name}: {line[:300]}")
    return found


def senders_of(env: FuzzServer, roles: Iterable[str]) -> list[Sender]:
    return [env.senders[role] for role in roles]
