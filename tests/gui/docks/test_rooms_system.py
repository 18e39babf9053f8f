"""The Rooms dock sets modes, the connection policy and the manual assignment, and mutes and
unmutes members with a duration; member status shows live (PROTOCOL.md §6.5, §6.5.1, §7.12)."""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from newage_desktop.gui.bridge import CoreBridge
from newage_desktop.gui.docks.rooms import RoomsDock
from newage_desktop.gui.docks.rooms.controls import AssignDialog, MuteDialog
from tests.gui.conftest import run_async
from tests.gui.docks.conftest import ModelCheck
from tests.gui.docks.helpers import connect_client, trust_with_key


@pytest.fixture
def dock(qtbot: QtBot, bridge: CoreBridge) -> RoomsDock:
    widget = RoomsDock(bridge)
    qtbot.addWidget(widget)
    widget.confirm = lambda title, text: True  # type: ignore[method-assign]
    return widget


def core_value(bridge: CoreBridge, fn: Any) -> Any:
    return run_async(bridge.call(fn))


def member_view(dock: RoomsDock, room: str, identity: str) -> Any:
    view = dock.model.room(room)
    return None if view is None else next((m for m in view.members if m.identity == identity), None)


def test_mode_policy_assignment_mute_and_status(
    qtbot: QtBot, bridge: CoreBridge, dock: RoomsDock, check_models: ModelCheck
) -> None:
    check_models(dock.model)
    key = trust_with_key(bridge, "alice")
    client = connect_client(bridge, "alice", key, namespaces=("/rooms", "/llm"))
    ext_key = trust_with_key(bridge, "st")
    ext = connect_client(bridge, "st", ext_key, namespaces=("/llm",), client_type="SillyTavern")
    qtbot.waitUntil(lambda: member_view(dock, "alice", "alice") is not None)

    # mode of the selected room
    dock.select("alice")
    assert dock.mode_action.isEnabled()
    dock.mode_actions["HostSubmit"].trigger()
    qtbot.waitUntil(lambda: dock.model.room("alice").mode == "HostSubmit")  # type: ignore[union-attr]
    assert core_value(bridge, lambda core: core.rooms.store.get("alice").mode) == "HostSubmit"

    # policy and the manual assignment
    assert not dock.assign_action.isEnabled()  # only under Manual
    dock.policy.setCurrentIndex(dock.policy.findData("Manual"))
    dock.policy.activated.emit(dock.policy.currentIndex())
    qtbot.waitUntil(
        lambda: core_value(bridge, lambda core: core.settings.connection_policy) == "Manual"
    )
    dock.select("alice")
    qtbot.waitUntil(dock.assign_action.isEnabled)
    dock.assign_action.trigger()
    qtbot.waitUntil(lambda: isinstance(dock.dialog, AssignDialog))
    dialog = dock.dialog
    assert isinstance(dialog, AssignDialog)
    assert [dialog.list.item(i).text() for i in range(dialog.list.count())] == ["st"]
    from PySide6.QtCore import Qt

    dialog.list.item(0).setCheckState(Qt.CheckState.Checked)
    dialog.accept()
    qtbot.waitUntil(lambda: dock.model.room("alice").assigned == ("st",))  # type: ignore[union-attr]

    # mute with a duration, then unmute
    dock.select("alice", "alice")
    dock.mute_action.trigger()
    mute = dock.dialog
    assert isinstance(mute, MuteDialog)
    mute.duration.setCurrentIndex(1)  # 5 minutes
    assert mute.seconds() == 300
    mute.duration.setCurrentIndex(mute.duration.findData(None))
    assert mute.seconds() is None  # permanent
    mute.duration.setCurrentIndex(mute.duration.findData(0))
    mute.custom.setValue(42)
    assert mute.seconds() == 42
    mute.accept()
    qtbot.waitUntil(lambda: member_view(dock, "alice", "alice").muted)
    record = core_value(bridge, lambda core: core.mutes.all())[0]
    assert (record.identity, record.duration, record.room) == ("alice", 42, "alice")
    assert "muted" in dock.model.index(0, 3, dock.model.room_index("alice")).data()
    dock.select("alice", "alice")
    assert dock.unmute_action.isEnabled() and not dock.mute_action.isEnabled()
    dock.unmute_action.trigger()
    qtbot.waitUntil(lambda: not member_view(dock, "alice", "alice").muted)

    # member status, live
    ack = run_async(client.call("/llm", "START_TYPING", {"targetRoom": "alice"}))
    assert ack == {"status": "ok"}
    qtbot.waitUntil(lambda: member_view(dock, "alice", "alice").status == "typing")
    assert "typing" in dock.model.index(0, 3, dock.model.room_index("alice")).data()
    run_async(client.close())
    run_async(ext.close())
