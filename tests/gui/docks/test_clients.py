"""The Clients dock follows connections live; its actions act on the real server."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from newage_desktop.gui.bridge import CoreBridge
from newage_desktop.gui.docks.clients import ClientsDock
from tests.gui.conftest import run_async
from tests.gui.docks.conftest import ModelCheck
from tests.gui.docks.helpers import connect_client, trust_with_key


@pytest.fixture
def dock(qtbot: QtBot, bridge: CoreBridge) -> ClientsDock:
    widget = ClientsDock(bridge)
    qtbot.addWidget(widget)
    assert widget.objectName() == "clientsDock"
    return widget


def rows(dock: ClientsDock) -> list[dict[str, Any]]:
    return [dock.model.entry(r) for r in range(dock.model.rowCount())]


def test_client_appears_with_address_and_disappears_on_disconnect(
    qtbot: QtBot, bridge: CoreBridge, dock: ClientsDock, check_models: ModelCheck
) -> None:
    check_models(dock.model, dock.proxy)
    key = trust_with_key(bridge, "st")
    client = connect_client(bridge, "st", key, client_type="SillyTavern", desc="Tavern")
    qtbot.waitUntil(lambda: [e["identity"] for e in rows(dock)] == ["st"])
    qtbot.waitUntil(lambda: rows(dock)[0].get("address") == "127.0.0.1")
    # one row per identity; the second namespace arrives as an update of that row
    qtbot.waitUntil(lambda: set(rows(dock)[0]["namespaces"]) == {"/llm", "/clients"})
    row = rows(dock)[0]
    assert row["clientId"] == "st" and row["desc"] == "Tavern"
    assert "key" not in row
    status = dock.model.index(0, 7).data()
    assert status == "available"

    run_async(client.close())
    qtbot.waitUntil(lambda: dock.model.rowCount() == 0)


def test_snapshot_shows_clients_connected_before_the_dock(qtbot: QtBot, bridge: CoreBridge) -> None:
    key = trust_with_key(bridge, "early")
    client = connect_client(bridge, "early", key)
    late = ClientsDock(bridge)
    qtbot.addWidget(late)
    qtbot.waitUntil(lambda: late.model.identities() == ["early"])
    # An event replayed over the snapshot may carry no address; it is fetched again then.
    qtbot.waitUntil(lambda: late.model.entry(0).get("address") == "127.0.0.1")
    run_async(client.close())
    qtbot.waitUntil(lambda: late.model.rowCount() == 0)


def test_filter_and_sort(qtbot: QtBot, bridge: CoreBridge, dock: ClientsDock) -> None:
    clients = [connect_client(bridge, cid, trust_with_key(bridge, cid)) for cid in ("bob", "alice")]
    qtbot.waitUntil(lambda: dock.model.rowCount() == 2)
    assert [dock.proxy.index(r, 0).data() for r in range(2)] == ["alice", "bob"]
    dock.filter.setText("ALI")
    assert dock.proxy.rowCount() == 1 and dock.proxy.index(0, 0).data() == "alice"
    dock.filter.setText("nobody")
    assert dock.proxy.rowCount() == 0
    dock.filter.clear()
    assert dock.proxy.rowCount() == 2
    for client in clients:
        run_async(client.close())


def test_disconnect_copy_and_revoke_actions(
    qtbot: QtBot, bridge: CoreBridge, dock: ClientsDock
) -> None:
    key = trust_with_key(bridge, "app")
    connect_client(bridge, "app", key)
    qtbot.waitUntil(lambda: dock.model.rowCount() == 1)
    dock.view.selectRow(0)
    assert dock.disconnect_action.isEnabled()

    dock.copy_selected_id()
    assert QGuiApplication.clipboard().text() == "app"

    dock.disconnect_action.trigger()
    qtbot.waitUntil(lambda: dock.model.rowCount() == 0)

    connect_client(bridge, "app", key)
    qtbot.waitUntil(lambda: dock.model.rowCount() == 1)
    dock.view.selectRow(0)
    asked: list[str] = []

    def refuse(title: str, text: str) -> bool:
        asked.append(text)
        return False

    dock.confirm = refuse  # type: ignore[method-assign]
    dock.revoke_action.trigger()
    assert asked and "app" in asked[0]
    qtbot.wait(200)
    assert dock.model.rowCount() == 1  # cancelled: nothing happened

    dock.confirm = lambda title, text: True  # type: ignore[method-assign]
    dock.revoke_action.trigger()
    qtbot.waitUntil(lambda: dock.model.rowCount() == 0)
    has_key = run_async(bridge.call(lambda core: core.keys.has_key("app")))
    assert not has_key


def test_an_empty_list_explains_how_to_connect_sillytavern(
    qtbot: QtBot, bridge: CoreBridge, dock: ClientsDock
) -> None:
    run_async(dock.settle())
    assert dock.empty.showing_hint()
    assert dock.empty.hint.text() == (
        "No clients connected.\n\nTo connect SillyTavern: SillyTavern → Install extension…, "
        "start SillyTavern, then approve the pairing request in the Keys dock."
    )
    client = connect_client(bridge, "st", trust_with_key(bridge, "st"), client_type="SillyTavern")
    qtbot.waitUntil(lambda: not dock.empty.showing_hint())
    assert dock.empty.currentWidget() is dock.view and dock.model.rowCount() == 1
    dock.filter.setText("nobody")  # filtered away: still the table, with its filter
    assert not dock.empty.showing_hint()
    run_async(client.close())
    qtbot.waitUntil(dock.empty.showing_hint)
    run_async(bridge.stop_server())
    qtbot.waitUntil(lambda: "not running" in dock.empty.hint.text())
    assert dock.empty.hint.text() == "The server is not running: Server → Start server."
