"""The Chat dock edits, deletes and clears messages as the desktop admin, shows dispositions and
the HostSubmit queue (PROTOCOL.md §7.3, §7.11)."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QInputDialog
from pytestqt.qtbot import QtBot

from newage_desktop.core.llm.desktop import desktop_socket
from newage_desktop.gui.bridge import CoreBridge
from newage_desktop.gui.docks.chat import ChatDock
from newage_desktop.gui.docks.chat.editing import ClearDialog
from tests.gui.conftest import run_async
from tests.gui.docks.test_chat import dock, extension, requests, responses  # noqa: F401


def history(bridge: CoreBridge, room: str) -> list[dict[str, Any]]:
    return list(run_async(bridge.call(lambda core: core.relay.history.messages(room))))


def select_row(dock: ChatDock, row: int) -> None:  # noqa: F811
    frame = dock.view._frames[row]
    cursor = dock.view.textCursor()
    cursor.setPosition(frame.firstPosition() + 1, QTextCursor.MoveMode.MoveAnchor)
    dock.view.setTextCursor(cursor)


def test_edit_delete_and_clear_from_the_dock(
    qtbot: QtBot,
    bridge: CoreBridge,
    dock: ChatDock,  # noqa: F811
) -> None:
    dock.confirm = lambda title, text: True  # type: ignore[method-assign]
    dock.prompt.setPlainText("first question")
    dock.send()
    qtbot.waitUntil(lambda: any(r.text.endswith("!") for r in responses(dock)), timeout=10000)
    qtbot.waitUntil(lambda: all(r.status in ("done", "") for r in requests(dock)))
    rows = dock.model.items()
    select_row(dock, next(i for i, r in enumerate(rows) if r.kind == "request"))
    dock.editing.edit_action.trigger()
    dialog = dock.editing.dialog
    assert isinstance(dialog, QInputDialog)
    assert dialog.textValue() == "first question"
    dialog.setTextValue("edited question")
    dialog.accept()
    qtbot.waitUntil(
        lambda: any(m.get("message") == "edited question" for m in history(bridge, "tavern"))
    )
    qtbot.waitUntil(lambda: any(r.text == "edited question" for r in requests(dock)))
    edited = next(m for m in history(bridge, "tavern") if m["kind"] == "request")
    assert edited["editedBy"] == "*desktop*"

    rows = dock.model.items()
    select_row(dock, next(i for i, r in enumerate(rows) if r.kind == "response"))
    dock.editing.delete_action.trigger()
    qtbot.waitUntil(lambda: not [m for m in history(bridge, "tavern") if m["kind"] == "response"])
    qtbot.waitUntil(lambda: responses(dock) == [])

    dock.editing.clear_action.trigger()
    clear = dock.editing.dialog
    assert isinstance(clear, ClearDialog)
    clear.responses.setChecked(False)
    clear.accept()
    qtbot.waitUntil(lambda: history(bridge, "tavern") == [])
    qtbot.waitUntil(lambda: dock.model.items() == [])


def test_queued_requests_and_the_host_queue(
    qtbot: QtBot,
    bridge: CoreBridge,
    dock: ChatDock,  # noqa: F811
) -> None:
    async def hall(core: Any) -> None:
        await core.deliver(core.rooms.create_room("hall", creator=None))
        await core.deliver(core.rooms.add_client("hall", "tavern", "guest"))
        await core.set_room_mode(desktop_socket(core), "hall", "HostSubmit")

    async def guest_request(core: Any) -> Any:
        info = next(s for s in core.registry.sockets() if s.identity == "tavern")
        ack, _ = await core.relay.handle_request(
            info, {"requestId": "g1", "message": "guest words", "targetRoom": "hall"}
        )
        return ack

    run_async(bridge.call(hall))
    qtbot.waitUntil(lambda: dock.room_combo.findText("hall") >= 0)
    dock.room_combo.setCurrentIndex(dock.room_combo.findText("hall"))
    assert run_async(bridge.call(guest_request))["disposition"] == "queued"
    qtbot.waitUntil(lambda: dock.editing.queue_action.isVisible())
    assert dock.editing.queue_label.text() == "1 guest message(s) waiting for the host"
    qtbot.waitUntil(
        lambda: [(r.text, r.status) for r in requests(dock)] == [("guest words", "queued")]
    )
    assert dock.status_text("queued") == "queued for the host (HostSubmit)"
    run_async(
        bridge.call(lambda core: core.set_room_mode(desktop_socket(core), "hall", "Immediate"))
    )
    qtbot.waitUntil(lambda: not dock.editing.queue_action.isVisible())
