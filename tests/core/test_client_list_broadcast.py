"""§5: client-list broadcasts are coalesced, at most one pair every clientListUpdateIntervalMs."""

from __future__ import annotations

import asyncio
from typing import Any

from newage_desktop.core.app import Core
from newage_desktop.core.registry import SocketInfo
from newage_desktop.protocol import events as names
from tests.core.conftest import RecordingGateway

WATCHER = "watcher-sid"
PAIR = (names.UPDATE_CONNECTED_CLIENTS, names.CONNECTED_CLIENTS_UPDATE)


def info(sid: str, identity: str, namespace: str = names.NS_CLIENTS) -> SocketInfo:
    return SocketInfo(
        sid=sid,
        namespace=namespace,
        client_id=identity,
        identity=identity,
        client_type="client",
        desc="",
        address="127.0.0.1",
        origin=None,
        connected_at="2024-01-01T00:00:00.000Z",
    )


def lists(gateway: RecordingGateway, event: str) -> list[list[dict[str, Any]]]:
    return [data["clients"] for sid, _, e, data in gateway.sent if sid == WATCHER and e == event]


def identities(clients: list[dict[str, Any]]) -> set[str]:
    return {c["identity"] for c in clients}


async def settle(core: Core) -> None:
    """Wait past one interval so a pending trailing broadcast goes out."""
    await asyncio.sleep(core.settings.client_list_update_interval_ms / 1000 * 1.5 + 0.05)


async def test_a_burst_of_connections_costs_few_broadcasts(
    core: Core, gateway: RecordingGateway
) -> None:
    core.settings_store.update({"clientListUpdateIntervalMs": 100})
    await core.register(info(WATCHER, "watcher"))
    for n in range(30):
        await core.register(info(f"s{n}", f"c{n}", names.NS_LLM))
    await settle(core)
    expected = {"watcher"} | {f"c{n}" for n in range(30)}
    for event in PAIR:
        got = lists(gateway, event)
        assert 1 <= len(got) <= 3, len(got)
        assert identities(got[-1]) == expected
    assert len(lists(gateway, PAIR[0])) == len(lists(gateway, PAIR[1]))


async def test_single_change_is_delivered_within_the_interval_and_final_list_is_right(
    core: Core, gateway: RecordingGateway
) -> None:
    core.settings_store.update({"clientListUpdateIntervalMs": 200})
    await core.register(info(WATCHER, "watcher"))
    await settle(core)
    before = len(lists(gateway, PAIR[0]))
    await core.register(info("s1", "one", names.NS_LLM))
    await asyncio.sleep(0.2 + 0.05)
    for event in PAIR:
        got = lists(gateway, event)
        assert len(got) == before + 1
        assert identities(got[-1]) == {"watcher", "one"}
    for n in range(10):
        await core.register(info(f"b{n}", f"b{n}", names.NS_LLM))
    for n in range(10):
        await core.socket_closed(f"b{n}")
    await core.socket_closed("s1")
    await settle(core)
    for event in PAIR:
        assert identities(lists(gateway, event)[-1]) == {"watcher"}
    # Nothing changed: nothing more is sent.
    count = len(gateway.sent)
    await settle(core)
    assert len(gateway.sent) == count


async def test_pending_broadcast_is_cancelled_on_shutdown(
    core: Core, gateway: RecordingGateway
) -> None:
    core.settings_store.update({"clientListUpdateIntervalMs": 100})
    await core.register(info(WATCHER, "watcher"))
    await core.register(info("s1", "one", names.NS_LLM))
    await core.stop_background()
    count = len(gateway.sent)
    await settle(core)
    assert len(gateway.sent) == count
