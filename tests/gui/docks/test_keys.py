"""The Keys dock: a new key is shown once and works, revocation drops clients, pairing."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from newage_desktop.core import events as ev
from newage_desktop.gui.bridge import CoreBridge
from newage_desktop.gui.docks.keys import KeysDock
from newage_desktop.gui.docks.keys.dialogs import KeyDialog
from tests.gui.conftest import run_async
from tests.gui.docks.conftest import ModelCheck
from tests.gui.docks.helpers import connect_client, server_url, trust_with_key
from tests.server.conftest import Client


@pytest.fixture
def dock(qtbot: QtBot, bridge: CoreBridge) -> KeysDock:
    widget = KeysDock(bridge)
    qtbot.addWidget(widget)
    widget.confirm = lambda title, text: True  # type: ignore[method-assign]
    assert widget.objectName() == "keysDock"
    return widget


def every_value(model: QAbstractItemModel) -> list[Any]:
    roles = [int(r) for r in Qt.ItemDataRole] + [
        int(Qt.ItemDataRole.UserRole) + i for i in range(4)
    ]
    values = []
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            index = model.index(row, column)
            values += [model.data(index, role) for role in roles]
    values += [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    return values


def select(dock: KeysDock, client_id: str) -> None:
    row = dock.keys_model.find(client_id)
    assert row is not None
    dock.keys_view.selectRow(row)


@pytest.mark.usefixtures("newage_logging")
def test_trust_new_client_shows_a_working_key_once(
    qtbot: QtBot, bridge: CoreBridge, dock: KeysDock, check_models: ModelCheck
) -> None:
    check_models(dock.keys_model, dock.pending_model)
    logged: list[str] = []
    bridge.events.connect(
        lambda batch: logged.extend(e.message for e in batch if isinstance(e, ev.LogRecorded))
    )
    dock.trust_action.trigger()
    trust = dock.trust_dialog
    assert trust is not None
    ok = trust.buttons.button(trust.buttons.StandardButton.Ok)
    trust.client_id.setText("bad/id")
    assert not ok.isEnabled() and trust.hint.text()
    trust.client_id.setText("tavern")
    trust.desc.setText("Living room PC")
    assert ok.isEnabled()
    ok.click()

    qtbot.waitUntil(lambda: dock.key_dialog is not None)
    dialog = dock.key_dialog
    assert isinstance(dialog, KeyDialog)
    assert dialog.key_edit.echoMode() == QLineEdit.EchoMode.Password  # masked until revealed
    key = dialog.key_edit.text()
    assert len(key) == 36
    dialog.reveal_button.click()
    assert dialog.key_edit.echoMode() == QLineEdit.EchoMode.Normal
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == key

    client = connect_client(bridge, "tavern", key)  # the key authenticates
    assert client.sio.connected
    run_async(client.close())

    # The same key, ready to paste into an OpenAI client, and the base URL beside it.
    assert dialog.api_key_edit.text() == f"tavern:{key}"
    assert dialog.api_key_edit.echoMode() == QLineEdit.EchoMode.Normal  # revealed with the key
    base_url = dialog.base_url_edit.text()
    assert base_url == f"{bridge.url}/v1"
    dialog.copy_api_key_button.click()
    assert QGuiApplication.clipboard().text() == f"tavern:{key}"
    models = urllib.request.Request(
        f"{base_url}/models", headers={"Authorization": f"Bearer {dialog.api_key_edit.text()}"}
    )
    with urllib.request.urlopen(models, timeout=5) as response:  # the API key authenticates
        assert json.load(response) == {"object": "list", "data": []}

    dialog.reject()
    assert dialog.key_edit.text() == ""  # forgotten on close
    assert dialog.api_key_edit.text() == ""
    assert dock.key_dialog is None
    qtbot.waitUntil(lambda: (dock.keys_model.state("tavern") or None) is not None)
    state = dock.keys_model.state("tavern")
    assert state is not None and state.trusted and state.has_key and state.desc == "Living room PC"
    qtbot.waitUntil(lambda: bool(dock.keys_model.state("tavern").last_used))  # type: ignore[union-attr]
    qtbot.wait(100)
    for model in (dock.keys_model, dock.pending_model):
        assert not any(key in str(value) for value in every_value(model))
    assert logged and not any(key in line for line in logged)


def test_revoke_drops_the_live_client_and_updates_the_row(
    qtbot: QtBot, bridge: CoreBridge, dock: KeysDock
) -> None:
    key = trust_with_key(bridge, "bot")
    client = connect_client(bridge, "bot", key)
    qtbot.waitUntil(lambda: dock.keys_model.find("bot") is not None)
    select(dock, "bot")
    assert dock.revoke_action.isEnabled()
    dock.revoke_action.trigger()
    qtbot.waitUntil(lambda: not client.sio.connected)
    qtbot.waitUntil(lambda: not dock.keys_model.state("bot").has_key)  # type: ignore[union-attr]
    row = dock.keys_model.find("bot")
    assert row is not None
    assert dock.keys_model.index(row, 2).data() == "none"
    assert dock.keys_model.index(row, 1).data() == "yes"  # revoking does not untrust

    dock.keys_view.clearSelection()
    select(dock, "bot")
    assert not dock.revoke_action.isEnabled()
    dock.untrust_action.trigger()
    qtbot.waitUntil(lambda: not dock.keys_model.state("bot").trusted)  # type: ignore[union-attr]


def test_rekey_shows_a_new_key_and_the_old_one_stops_working(
    qtbot: QtBot, bridge: CoreBridge, dock: KeysDock
) -> None:
    old = trust_with_key(bridge, "app")
    client = connect_client(bridge, "app", old)
    qtbot.waitUntil(lambda: dock.keys_model.find("app") is not None)
    select(dock, "app")
    dock.rekey_action.trigger()
    qtbot.waitUntil(lambda: dock.key_dialog is not None)
    assert dock.key_dialog is not None
    new = dock.key_dialog.key_edit.text()
    assert new and new != old
    qtbot.waitUntil(lambda: not client.sio.connected)
    dock.key_dialog.reject()
    again = connect_client(bridge, "app", new)
    run_async(again.close())


def test_pairing_request_appears_and_approve_delivers_a_working_key(
    qtbot: QtBot, bridge: CoreBridge, dock: KeysDock, check_models: ModelCheck
) -> None:
    check_models(dock.keys_model, dock.pending_model)
    newbie = Client(server_url(bridge))
    newbie.queue("/auth", "GET_CLIENT_KEY")
    with qtbot.waitSignal(dock.pairingRequested, timeout=5000) as signal:
        run_async(newbie.connect(["/auth"], {"clientId": "newbie", "key": "getKey", "desc": "n"}))
    assert signal.args is not None and signal.args[0]["clientId"] == "newbie"
    qtbot.waitUntil(lambda: dock.pending_model.rowCount() == 1)
    assert dock.pending_model.index(0, 0).data() == "newbie"
    assert dock.pending_model.index(0, 3).data() == "127.0.0.1"
    assert dock.pending_empty.isHidden()

    dock.pending_view.selectRow(0)
    assert dock.approve_action.isEnabled()
    dock.approve_action.trigger()
    pushed = run_async(newbie.next("/auth", "GET_CLIENT_KEY"))
    assert pushed["clientId"] == "newbie"
    qtbot.waitUntil(lambda: dock.pending_model.rowCount() == 0)
    qtbot.waitUntil(lambda: dock.keys_model.find("newbie") is not None)
    client = connect_client(bridge, "newbie", pushed["key"])
    assert client.sio.connected
    for c in (client, newbie):
        run_async(c.close())


def test_deny_drops_the_pending_socket(qtbot: QtBot, bridge: CoreBridge, dock: KeysDock) -> None:
    denied = Client(server_url(bridge))
    denied.queue("/auth", "ERROR")
    run_async(denied.connect(["/auth"], {"clientId": "denied", "key": "getKey"}))
    qtbot.waitUntil(lambda: dock.pending_model.rowCount() == 1)
    dock.pending_view.selectRow(0)
    dock.deny_action.trigger()
    error = run_async(denied.next("/auth", "ERROR"))
    assert error["message"] == "Key request denied."
    qtbot.waitUntil(lambda: dock.pending_model.rowCount() == 0)
    assert dock.keys_model.find("denied") is None
    run_async(denied.close())
