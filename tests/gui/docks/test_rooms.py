"""The Rooms dock shows rooms → members and runs room operations as the desktop admin."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtWidgets import QInputDialog
from pytestqt.qtbot import QtBot

from newage_desktop.client import NewAgeClient
from newage_desktop.gui.bridge import CoreBridge
from newage_desktop.gui.docks.rooms import RoomsDock
from newage_desktop.gui.docks.rooms.widget import MemberDialog
from tests.gui.conftest import run_async
from tests.gui.docks.conftest import ModelCheck
from tests.gui.docks.helpers import connect_client, trust_with_key


@pytest.fixture
def dock(qtbot: QtBot, bridge: CoreBridge) -> RoomsDock:
    widget = RoomsDock(bridge)
    qtbot.addWidget(widget)
    widget.confirm = lambda title, text: True  # type: ignore[method-assign]
    assert widget.objectName() == "roomsDock"
    return widget


def members(dock: RoomsDock, room: str) -> dict[str, str]:
    view = dock.model.room(room)
    return {} if view is None else {m.identity: m.role for m in view.members}


def test_room_lifecycle_through_the_dock(
    qtbot: QtBot, bridge: CoreBridge, dock: RoomsDock, check_models: ModelCheck
) -> None:
    check_models(dock.model)
    key = trust_with_key(bridge, "alice")
    client = connect_client(bridge, "alice", key, namespaces=("/rooms", "/llm"))
    qtbot.waitUntil(lambda: members(dock, "alice") == {"alice": "master"})  # personal room
    qtbot.waitUntil(lambda: dock.model.room("alice").members[0].online)  # type: ignore[union-attr]
    dock.create_action.trigger()
    dialog = dock.dialog
    assert isinstance(dialog, QInputDialog)
    dialog.setTextValue("lounge")
    dialog.accept()
    qtbot.waitUntil(lambda: dock.model.room("lounge") is not None)
    assert members(dock, "lounge") == {}  # a room created on the desktop has no master

    dock.select("lounge")
    assert dock.add_action.isEnabled() and dock.delete_action.isEnabled()
    dock.add_action.trigger()
    add = dock.dialog
    assert isinstance(add, MemberDialog)
    add.identity.setCurrentText("alice")
    add.role.setCurrentIndex(add.role.findData("manager"))
    add.accept()
    qtbot.waitUntil(lambda: members(dock, "lounge") == {"alice": "manager"})
    assert dock.view.isExpanded(dock.model.room_index("lounge"))

    dock.select("lounge", "alice")
    assert dock.kick_action.isEnabled() and not dock.delete_action.isEnabled()
    dock.role_actions["master"].trigger()
    qtbot.waitUntil(lambda: members(dock, "lounge") == {"alice": "master"})

    warning = run_async(_kick_and_wait_for_warning(dock, client))
    assert warning["message"] == "You have been kicked from room lounge."
    qtbot.waitUntil(lambda: members(dock, "lounge") == {})

    dock.select("lounge")
    dock.delete_action.trigger()
    qtbot.waitUntil(lambda: dock.model.room("lounge") is None)

    run_async(client.close())
    # alice's personal room was never used: it goes with her (issue 8, not kept in SQLite)
    qtbot.waitUntil(lambda: dock.model.room("alice") is None)


async def _kick_and_wait_for_warning(dock: RoomsDock, client: NewAgeClient) -> dict[str, str]:
    got: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    client.sio.on("WARNING", got.put_nowait, namespace="/rooms")
    dock.select("lounge", "alice")
    dock.kick_action.trigger()
    return await asyncio.wait_for(got.get(), 5)


def test_refused_operation_is_reported(qtbot: QtBot, bridge: CoreBridge, dock: RoomsDock) -> None:
    key = trust_with_key(bridge, "bob")
    client = connect_client(bridge, "bob", key, namespaces=("/rooms",))
    qtbot.waitUntil(lambda: dock.model.room("bob") is not None)
    dock.select("bob")
    with qtbot.waitSignal(dock.actionFailed, timeout=5000) as failed:
        dock.delete_action.trigger()  # the personal room of a registered identity
    assert failed.args == ["Delete room", "Invalid operation"]
    assert dock.error_box is not None and dock.error_box.text() == "Invalid operation"
    dock.error_box.close()
    assert dock.model.room("bob") is not None
    run_async(client.close())


def test_cancelled_confirmation_does_nothing(
    qtbot: QtBot, bridge: CoreBridge, dock: RoomsDock
) -> None:
    dock.create_room("kept")
    qtbot.waitUntil(lambda: dock.model.room("kept") is not None)
    dock.confirm = lambda title, text: False  # type: ignore[method-assign]
    dock.select("kept")
    dock.delete_action.trigger()
    run_async(dock.settle())
    qtbot.wait(100)
    assert dock.model.room("kept") is not None
