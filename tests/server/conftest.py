"""Fixtures for tests that run the real server on 127.0.0.1 and talk to it with python-socketio."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import bcrypt
import pytest
import socketio

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.transport.server import RelayServer


def provision(
    datadir: DataDir, client_id: str, *, monitor: bool = False, key: bool = True
) -> str | None:
    """Trust `client_id` by file and store a hash of a fresh key, as an operator would."""
    datadir.ensure()
    trust: dict[str, Any] = {"clientId": client_id, "isTrust": True}
    if monitor:
        trust["clientType"] = "monitor"
    (datadir.settings_dir / f"{client_id}-settings.json").write_text(json.dumps(trust))
    if not key:
        return None
    plaintext = str(uuid.uuid4())
    keys_file = datadir.keys_file
    records = json.loads(keys_file.read_text()) if keys_file.exists() else {}
    # Cost 4 keeps tests fast; the server accepts any cost.
    hashed = bcrypt.hashpw(plaintext.encode(), bcrypt.gensalt(rounds=4)).decode()
    records[client_id] = {"key": hashed, "rooms": []}
    keys_file.write_text(json.dumps(records))
    return plaintext


def write_settings(datadir: DataDir, **settings: Any) -> None:
    datadir.ensure()
    datadir.server_settings_file.write_text(json.dumps(settings))


@pytest.fixture
def datadir(tmp_path: Path) -> DataDir:
    d = DataDir(tmp_path / "data")
    d.ensure()
    return d


@pytest.fixture
async def server(datadir: DataDir) -> AsyncIterator[RelayServer]:
    srv = RelayServer(datadir, host="127.0.0.1", port=0)
    await srv.start()
    yield srv
    await srv.stop()


class Client:
    """One python-socketio client with helpers to await events and refusals."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: dict[tuple[str, str], asyncio.Queue[Any]] = {}
        self.refusals: dict[str, asyncio.Queue[Any]] = {}
        self.disconnects: dict[str, asyncio.Queue[Any]] = {}

    def queue(self, namespace: str, event: str) -> asyncio.Queue[Any]:
        key = (namespace, event)
        if key not in self.events:
            q: asyncio.Queue[Any] = asyncio.Queue()
            self.events[key] = q
            self.sio.on(
                event, lambda *args: q.put_nowait(args[0] if args else None), namespace=namespace
            )
        return self.events[key]

    async def connect(self, namespaces: list[str], auth: Any, transport: str = "websocket") -> None:
        for ns in namespaces:
            rq: asyncio.Queue[Any] = asyncio.Queue()
            self.refusals[ns] = rq
            self.sio.on("connect_error", lambda data, q=rq: q.put_nowait(data), namespace=ns)
            dq: asyncio.Queue[Any] = asyncio.Queue()
            self.disconnects[ns] = dq
            self.sio.on("disconnect", lambda *a, q=dq: q.put_nowait(a), namespace=ns)
        await self.sio.connect(
            self.url, namespaces=namespaces, auth=auth, transports=[transport], wait_timeout=5
        )

    async def call(self, namespace: str, event: str, *args: Any) -> Any:
        return await self.sio.call(event, *args, namespace=namespace, timeout=5)

    async def next(self, namespace: str, event: str, timeout: float = 5) -> Any:
        return await asyncio.wait_for(self.queue(namespace, event).get(), timeout)

    async def close(self) -> None:
        await self.sio.disconnect()


@pytest.fixture
async def make_client(server: RelayServer) -> AsyncIterator[Callable[..., Awaitable[Client]]]:
    clients: list[Client] = []

    async def make(
        namespaces: list[str], auth: Any, *, subscribe: tuple[tuple[str, str], ...] = ()
    ) -> Client:
        client = Client(server.url)
        for ns, event in subscribe:
            client.queue(ns, event)
        clients.append(client)
        await client.connect(namespaces, auth)
        return client

    yield make
    for client in clients:
        await client.close()


async def refusal(url: str, namespace: str, auth: Any) -> Any:
    """Connect one namespace and return the connect_error data (fails if it was accepted)."""
    sio = socketio.AsyncClient(reconnection=False)
    got: asyncio.Queue[Any] = asyncio.Queue()
    sio.on("connect_error", lambda data: got.put_nowait(data), namespace=namespace)
    with contextlib.suppress(socketio.exceptions.ConnectionError):
        await sio.connect(
            url, namespaces=[namespace], auth=auth, transports=["websocket"], wait_timeout=5
        )
    try:
        return await asyncio.wait_for(got.get(), 5)
    finally:
        await sio.disconnect()
