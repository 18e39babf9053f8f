"""Helpers for the dock tests: clients provisioned through the core, waiting on the qasync loop."""

from __future__ import annotations

from newage_desktop.client import NewAgeClient
from newage_desktop.core.app import Core
from newage_desktop.gui.bridge import CoreBridge
from newage_desktop.gui.docks.base import call_async
from tests.gui.conftest import run_async


def server_url(bridge: CoreBridge) -> str:
    server = bridge.runtime.server
    assert server is not None
    return server.url


def trust_with_key(bridge: CoreBridge, client_id: str, *, monitor: bool = False) -> str:
    """Trust `client_id` and give it a key through the core API; returns the plaintext."""

    async def provision(core: Core) -> str:
        await core.trust_client(client_id, client_type="monitor" if monitor else None)
        return await core.generate_key(client_id)

    return run_async(call_async(bridge, provision))


def connect_client(
    bridge: CoreBridge,
    client_id: str,
    key: str,
    *,
    client_type: str = "client",
    namespaces: tuple[str, ...] = ("/llm", "/clients"),
    desc: str = "",
) -> NewAgeClient:
    client = NewAgeClient(
        server_url(bridge),
        client_id=client_id,
        key=key,
        client_type=client_type,
        namespaces=namespaces,
        desc=desc,
    )
    run_async(client.connect())
    return client
