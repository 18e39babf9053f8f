"""Settings that decide who can reach the server are the operator's (PROTOCOL.md §9.3, §11)."""

from __future__ import annotations

import json
from typing import Any

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.transport.server import RelayServer
from tests.server.conftest import Client, provision

NS = "/function_call"


async def admin(make_client: Any, datadir: DataDir) -> Client:
    key = provision(datadir, "admin", monitor=True)
    client: Client = await make_client(
        [NS], {"clientId": "admin", "key": key, "clientType": "monitor"}
    )
    return client


async def save(client: Client, path: str, data: Any) -> Any:
    answer = await client.call(
        NS, "FUNCTION_CALL", {"functionName": "saveJsonToFile", "args": [path, data]}
    )
    assert answer["success"] is True, answer
    return answer["result"]


def refused(key: str) -> dict[str, Any]:
    return {"success": False, "error": f"Access denied: {key} can only be changed by the operator."}


async def test_operator_settings_are_refused_whole_and_the_file_is_unchanged(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    boss = await admin(make_client, datadir)
    settings_file = datadir.server_settings_file
    before = settings_file.read_bytes()
    attack = {
        "timeout": 1234,
        "bindAddress": "0.0.0.0",
        "networkSafe": True,
        "corsAllowedOrigins": "*",
    }
    assert await save(boss, "./settings/server_settings.json", attack) == refused("bindAddress")
    for key, value in (
        ("networkSafe", True),
        ("serverPort", 4001),
        ("corsAllowedOrigins", ["http://evil.example"]),
        ("allowKeyRequests", True),
        ("pairingRequests", False),
        ("maxPayloadBytes", 2048),
        ("restrictedFiles", []),
    ):
        answer = await save(boss, "settings/server_settings.json", {"timeout": 99, key: value})
        assert answer == refused(key)
    assert settings_file.read_bytes() == before
    assert server.core.settings.timeout != 1234 and server.core.settings.timeout != 99
    assert server.core.settings.network_safe is False
    assert server.core.settings.bind_address == "127.0.0.1"


async def test_permitted_settings_and_unchanged_operator_values_still_save(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    boss = await admin(make_client, datadir)
    current = json.loads(datadir.server_settings_file.read_text())
    same = {"timeout": 4321, "bindAddress": current["bindAddress"], "networkSafe": False}
    assert await save(boss, "./settings/server_settings.json", same) == {"success": True}
    assert server.core.settings.timeout == 4321
    written = json.loads(datadir.server_settings_file.read_text())
    assert written["timeout"] == 4321 and written["bindAddress"] == current["bindAddress"]
    # other settings files are not server settings: the keys mean nothing there
    assert await save(boss, "settings/other-settings.json", {"networkSafe": True}) == {
        "success": True
    }
