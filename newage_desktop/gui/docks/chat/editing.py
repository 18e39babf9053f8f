"""The Chat dock's history editing (PROTOCOL.md §7.11) and HostSubmit queue indicator (§7.3).

Edit, delete and clear act on the rows selected in the chat view, as the desktop admin.
Rows that were shown live carry no messageId yet; the core finds it by requestId and outputId.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from newage_desktop.core import events as ev
from newage_desktop.core.app import Core
from newage_desktop.core.llm.desktop import desktop_socket
from newage_desktop.gui.docks.base import fill
from newage_desktop.gui.docks.chat.model import ChatItem

if TYPE_CHECKING:
    from newage_desktop.gui.docks.chat.widget import ChatDock

# Reload the history of the room these events name (their room is the first field).
HISTORY_EVENTS = (ev.MessageEdited, ev.MessagesDeleted, ev.MessagesCleared)


def message_id_of(core: Core, room: str, item: ChatItem) -> str | None:
    """The stored messageId of a row (runs on the server loop)."""
    if item.message_id is not None:
        return item.message_id
    if item.request_id is None:
        return None
    for message in reversed(core.relay.history.messages(room)):
        if message.get("requestId") != item.request_id:
            continue
        key_kind = "request" if item.key.startswith("req:") else "response"
        if message.get("kind") != key_kind:
            continue
        if key_kind == "response" and not item.key.endswith(f":{message.get('outputId')}"):
            continue
        return str(message["messageId"])
    return None


class ClearDialog(QDialog):
    def __init__(self, room: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("clearDialog")
        self.setWindowTitle(fill(self.tr("Clear %1"), room))
        self.requests = QCheckBox(self.tr("Requests and system messages"), self)
        self.requests.setChecked(True)
        self.responses = QCheckBox(self.tr("Responses"), self)
        self.responses.setChecked(True)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Remove from the room's history, for everyone:"), self))
        layout.addWidget(self.requests)
        layout.addWidget(self.responses)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class ChatEditing(QObject):
    def __init__(self, dock: ChatDock) -> None:
        super().__init__(dock)
        self.dock = dock
        self.dialog: QDialog | None = None
        self.edit_action = QAction(dock)
        self.edit_action.triggered.connect(self.open_edit_dialog)
        self.delete_action = QAction(dock)
        self.delete_action.triggered.connect(self.delete_selected)
        self.clear_action = QAction(dock)
        self.clear_action.triggered.connect(self.open_clear_dialog)
        self.queue_label = QLabel(dock)
        self.queue_label.setObjectName("hostQueue")
        dock.view.addActions([self.edit_action, self.delete_action])
        dock.toolbar.addAction(self.clear_action)
        # In a toolbar a widget is shown and hidden through its action.
        self.queue_action = dock.toolbar.addWidget(self.queue_label)
        self.queue_action.setVisible(False)

    def retranslate(self) -> None:
        self.edit_action.setText(self.tr("Edit message…"))
        self.delete_action.setText(self.tr("Delete messages"))
        self.clear_action.setText(self.tr("Clear room…"))
        self.clear_action.setToolTip(self.tr("Remove the room's messages for everyone"))

    # --- queue indicator -----------------------------------------------------------------------
    def handle_events(self, batch: list[ev.CoreEvent]) -> None:
        room = self.dock.current_room()
        for event in batch:
            if isinstance(event, ev.HostQueueChanged) and event.room == room:
                self.show_queue(event.count)
            elif isinstance(event, HISTORY_EVENTS):
                if not isinstance(event, ev.MessageEdited):
                    self.forget_live(event.room)
                if event.room == room:
                    self.dock.load_history()

    def forget_live(self, room: str) -> None:
        """Deleted or cleared messages must not come back from the dock's live records (a
        reload keeps live rows that raced with it): forget those of requests that ended."""
        dock = self.dock
        running = {"waiting", "streaming"}
        ended = {
            rid for rid, r in dock._requests.items() if r.room == room and r.status not in running
        }
        for rid in ended:
            del dock._requests[rid]
        for key in [k for k, o in dock._outputs.items() if o.room == room and k[0] in ended]:
            del dock._outputs[key]

    def room_changed(self) -> None:
        room = self.dock.current_room()
        if room is None:
            self.show_queue(0)
            return

        async def load() -> None:
            queued = await self.dock.bridge.call(lambda core: len(core.host_queue(room)))
            if self.dock.current_room() == room:
                self.show_queue(int(queued))

        self.dock.run_quiet(load())

    def show_queue(self, count: int) -> None:
        self.queue_label.setText(self.tr("%n guest message(s) waiting for the host", "", count))
        self.queue_action.setVisible(count > 0)

    # --- editing -------------------------------------------------------------------------------
    def _selected(self) -> list[ChatItem]:
        items = self.dock.model.items()
        return [items[row] for row in self.dock.view.selected_rows() if row < len(items)]

    def _run(self, title: str, operation: Any) -> None:
        async def run() -> None:
            ack = await self.dock.call_async(operation)
            if ack.get("status") != "ok":
                raise RuntimeError(str(ack.get("message", "error")))
            self.dock.load_history()

        self.dock.run_action(title, run())

    def open_edit_dialog(self) -> None:
        room, selected = self.dock.current_room(), self._selected()
        if room is None or not selected:
            return
        item = selected[-1]
        dialog = QInputDialog(self.dock)
        dialog.setObjectName("editMessageDialog")
        dialog.setOption(QInputDialog.InputDialogOption.UsePlainTextEditForTextInput)
        dialog.setWindowTitle(self.tr("Edit message"))
        dialog.setLabelText(fill(self.tr("Text of the message by %1:"), item.author))
        dialog.setTextValue(item.text)
        dialog.textValueSelected.connect(lambda text: self.edit(room, item, text))
        self.dialog = dialog
        dialog.open()

    def edit(self, room: str, item: ChatItem, text: str) -> None:
        async def operation(core: Core) -> dict[str, Any]:
            message_id = message_id_of(core, room, item)
            fields = {"message": text}
            return await core.edit_message(desktop_socket(core), room, message_id, fields)

        self._run(self.tr("Edit message"), operation)

    def delete_selected(self) -> None:
        room, selected = self.dock.current_room(), self._selected()
        if room is None or not selected:
            return
        if not self.dock.confirm(
            self.tr("Delete messages"),
            self.tr(
                "Delete %n message(s) from the room's history, for everyone?", "", len(selected)
            ),
        ):
            return

        async def operation(core: Core) -> dict[str, Any]:
            ids = [i for i in (message_id_of(core, room, item) for item in selected) if i]
            return await core.delete_messages(desktop_socket(core), room, ids)

        self._run(self.tr("Delete messages"), operation)

    def open_clear_dialog(self) -> None:
        room = self.dock.current_room()
        if room is None:
            return
        dialog = ClearDialog(room, self.dock)
        dialog.accepted.connect(
            lambda: self.clear(room, dialog.requests.isChecked(), dialog.responses.isChecked())
        )
        self.dialog = dialog
        dialog.open()

    def clear(self, room: str, requests: bool, responses: bool) -> None:
        async def operation(core: Core) -> dict[str, Any]:
            return await core.clear_messages(desktop_socket(core), room, requests, responses)

        self._run(self.tr("Clear room"), operation)
