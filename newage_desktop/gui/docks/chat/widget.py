"""The Chat dock: prompt a connected extension and watch its answer stream in.

Requests are sent in-process as the desktop admin (`core.desktop.desktop_request`). The desktop
watches every room, so requests from any client and every output reach this dock as core events.
Chunks are coalesced: an event batch appends each output's text once and relayouts once.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSplitter, QWidget

from newage_desktop.core import events as ev
from newage_desktop.core.app import Core
from newage_desktop.core.llm.desktop import DESKTOP_IDENTITY, desktop_request
from newage_desktop.core.rooms.service import SYSTEM_IDENTITY
from newage_desktop.gui.bridge import CoreBridge
from newage_desktop.gui.docks.base import DockBase, Snapshot
from newage_desktop.gui.docks.chat.editing import ChatEditing
from newage_desktop.gui.docks.chat.model import (
    ChatItem,
    ChatModel,
    chat_targets,
    item_of,
    output_key,
    request_key,
    room_history,
)
from newage_desktop.gui.docks.chat.view import ChatView, PromptEdit
from newage_desktop.gui.docks.empty import EmptyHint
from newage_desktop.protocol import llm as wire

_TARGET_EVENTS = (ev.ClientConnected, ev.ClientDisconnected, ev.ClientUpdated, ev.RoomChanged)
_REMEMBERED = 500  # requests and outputs kept for statuses and for merging with history
REPAINT_MS = 100  # at most ~10 repaints a second while text streams


@dataclass
class _Request:
    room: str
    status: str = "waiting"
    detail: str = ""


@dataclass
class _Output:
    room: str
    extension: str
    parts: list[str] = field(default_factory=list)
    recorded: int = 0  # length of the text last recorded (at a stream's end)

    def text(self) -> str:
        if len(self.parts) > 1:
            self.parts[:] = ["".join(self.parts)]
        return self.parts[0] if self.parts else ""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _bounded_put(store: OrderedDict[Any, Any], key: Any, value: Any) -> None:
    store[key] = value
    while len(store) > _REMEMBERED:
        store.popitem(last=False)


class ChatDock(DockBase):
    OBJECT_NAME = "chatDock"

    def __init__(self, bridge: CoreBridge, parent: QWidget | None = None) -> None:
        super().__init__(bridge, parent)
        self.model = ChatModel(self)
        self._requests: OrderedDict[str, _Request] = OrderedDict()
        self._outputs: OrderedDict[tuple[str, str], _Output] = OrderedDict()
        self._targets = Snapshot(self, chat_targets, self._apply_targets)
        self._history_generation = 0
        self.last_ack: dict[str, Any] | None = None
        # Streamed text is shown at most ~10 times a second: each relayout measures every row,
        # and the GUI thread shares the GIL with the relay (see docs/PERFORMANCE.md).
        self._grown: set[tuple[str, str]] = set()
        self._statuses: set[str] = set()
        self._repaint = QTimer(self)
        self._repaint.setSingleShot(True)
        self._repaint.setInterval(REPAINT_MS)
        self._repaint.timeout.connect(self._flush)

        self.extension_label = QLabel(self)
        self.extension_combo = QComboBox(self)
        self.extension_combo.setMinimumContentsLength(12)
        self.extension_combo.activated.connect(self._extension_chosen)
        self.room_label = QLabel(self)
        self.room_combo = QComboBox(self)
        self.room_combo.setMinimumContentsLength(12)
        self.room_combo.currentIndexChanged.connect(lambda _i: self.load_history())
        self.reload_action = QAction(self)
        self.reload_action.triggered.connect(self.load_history)
        self.regenerate_action = QAction(self)
        self.regenerate_action.triggered.connect(self.regenerate)
        self.copy_action = QAction(self)
        self.copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.copy_action.triggered.connect(self.copy_selected)
        for widget in (self.extension_label, self.extension_combo):
            self.toolbar.addWidget(widget)
        self.toolbar.addSeparator()
        for widget in (self.room_label, self.room_combo):
            self.toolbar.addWidget(widget)
        self.toolbar.addAction(self.reload_action)
        self.toolbar.addAction(self.regenerate_action)

        self.view = ChatView(self.model, self.status_text, self.author_text, self)
        self.view.addAction(self.copy_action)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

        self.prompt = PromptEdit(self)
        self.prompt.setTabChangesFocus(True)
        self.prompt.submitted.connect(self.send)
        self.send_button = QPushButton(self)
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self.send)
        composer = QWidget(self)
        row = QHBoxLayout(composer)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.prompt, 1)
        row.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        self.empty = EmptyHint(self.model, self.view, self)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.empty)
        splitter.addWidget(composer)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([400, 70])
        self.body.addWidget(splitter)
        self.editing = ChatEditing(self)
        self.room_combo.currentIndexChanged.connect(lambda _i: self.editing.room_changed())
        self._update_send()
        self.start()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Chat"))
        self.extension_label.setText(self.tr("Extension: "))
        self.room_label.setText(self.tr(" Room: "))
        self.reload_action.setText(self.tr("Reload"))
        self.reload_action.setToolTip(self.tr("Load the room's history again"))
        self.regenerate_action.setText(self.tr("Regenerate"))
        self.regenerate_action.setToolTip(
            self.tr("Ask the extension to regenerate its last answer (regenerateMessage)")
        )
        self.copy_action.setText(self.tr("Copy message"))
        self.send_button.setText(self.tr("Send"))
        self.prompt.setPlaceholderText(
            self.tr("Message to the extension — Enter sends, Shift+Enter starts a new line")
        )
        self.editing.retranslate()
        self.view.rebuild()  # author and status labels are translated
        self._update_hint()

    def _update_hint(self) -> None:
        extension = self.current_extension()
        if extension is None:
            self.empty.set_text(
                self.tr(
                    "No SillyTavern connected.\n\nTo chat with SillyTavern here: SillyTavern → "
                    "Install extension…, start SillyTavern, then approve the pairing request in "
                    "the Keys dock."
                )
            )
        else:
            self.empty.set_text(
                self.tr(
                    "No messages in this room yet.\n\nType below and press Enter to ask {0}."
                ).format(extension)
            )

    def author_text(self, identity: str) -> str:
        if identity == DESKTOP_IDENTITY:
            return self.tr("Desktop (you)")
        if identity == SYSTEM_IDENTITY:  # the author of join/leave notices (§7.11)
            return self.tr("System")
        return identity

    def status_text(self, status: str) -> str:
        texts = {
            "waiting": self.tr("waiting"),
            "streaming": self.tr("streaming…"),
            "done": self.tr("done"),
            "failed": self.tr("failed"),
            "timed out": self.tr("timed out"),
            # §7.3 dispositions: nothing was sent to an extension
            "queued": self.tr("queued for the host (HostSubmit)"),
            "recorded": self.tr("recorded, not sent to an extension"),
        }
        return texts.get(status, status)

    # --- targets -------------------------------------------------------------------------------
    def server_started(self) -> None:
        self._targets.request()

    def server_stopped(self) -> None:
        self._apply_targets(([], []))

    def current_extension(self) -> str | None:
        value = self.extension_combo.currentData()
        return value if isinstance(value, str) else None

    def current_room(self) -> str | None:
        value = self.room_combo.currentData()
        return value if isinstance(value, str) else None

    def _apply_targets(self, targets: tuple[list[str], list[str]]) -> None:
        extensions, rooms = targets
        had_room = self.current_room()
        _fill(self.extension_combo, extensions, self.tr("(no extension connected)"))
        _fill(self.room_combo, rooms, self.tr("(no room)"), signals=False)
        if had_room is None and self.current_extension() is not None:
            self._extension_chosen()
        if self.current_room() != had_room:
            self.load_history()
        self._update_send()
        self._update_hint()

    def _extension_chosen(self, _index: int = 0) -> None:
        """Follow the extension into its personal room, where its own history is."""
        extension = self.current_extension()
        if extension is not None:
            number = self.room_combo.findData(extension)
            if number >= 0:
                self.room_combo.setCurrentIndex(number)
        self._update_send()
        self._update_hint()

    def _update_send(self) -> None:
        ready = self.current_extension() is not None and self.current_room() is not None
        self.send_button.setEnabled(ready)
        self.regenerate_action.setEnabled(ready and self.model.last_request_text() is not None)

    # --- history -------------------------------------------------------------------------------
    def load_history(self) -> None:
        self._history_generation += 1
        room = self.current_room()
        if room is None:
            self.model.reset([])
            return
        self.run_quiet(self._load_history(room, self._history_generation))

    async def _load_history(self, room: str, generation: int) -> None:
        messages = await self.bridge.call(lambda core: room_history(core, room))
        if generation != self._history_generation:
            return
        items = [item_of(m) for m in messages]
        by_key = {item.key: item for item in items}
        for item in items:
            request = self._requests.get(item.request_id or "")
            if item.kind == "request" and request is not None:
                item.status, item.detail = request.status, request.detail
        # A reload can read the history before a request it races with was stored: the live
        # requests shown already stay, each above its answer.
        for item in self.model.items():
            request = self._requests.get(item.request_id or "")
            if (
                item.kind == "request"
                and item.key not in by_key
                and request
                and request.room == room
            ):
                items.append(item)
                by_key[item.key] = item
        for (request_id, output_id), output in self._outputs.items():
            if output.room != room:
                continue
            key = output_key(request_id, output_id)
            live = output.text()
            if key in by_key:
                if len(live) > len(by_key[key].text):
                    by_key[key].text = live
            else:
                items.append(ChatItem(key, "response", output.extension, live, _now(), request_id))
        self.model.reset(items)
        self.view.refresh(stick=True)
        self._update_send()

    # --- live events ---------------------------------------------------------------------------
    def handle_events(self, batch: list[ev.CoreEvent]) -> None:
        self.editing.handle_events(batch)
        grown: set[tuple[str, str]] = set()
        statuses: set[str] = set()
        targets = added = history = False
        room = self.current_room()
        for event in batch:
            if isinstance(event, ev.LlmChunk):
                output = self._output(event.request_id, event.output_id, event.extension)
                if output is not None:
                    output.parts.append(event.text)
                    grown.add((event.request_id, event.output_id))
                    request = self._requests.get(event.request_id)
                    if request is not None and request.status == "waiting":
                        request.status = "streaming"
                        statuses.add(event.request_id)
            elif isinstance(event, ev.LlmResponseRecorded):
                output = self._output(event.request_id, event.output_id, event.extension)
                if output is not None:
                    output.parts[:] = [event.text]  # the whole text so far
                    output.recorded = len(event.text)
                    grown.add((event.request_id, event.output_id))
            elif isinstance(event, ev.LlmRequestStarted):
                shown = "waiting" if event.disposition == "forwarded" else event.disposition
                _bounded_put(self._requests, event.request_id, _Request(event.room))
                if event.room == room:
                    key = request_key(event.request_id)
                    if self.model.item(key) is not None:
                        # A history reload read the stored request first (without a status).
                        self.model.update(key, status=shown)
                    else:
                        self.model.add(
                            ChatItem(
                                key,
                                "request",
                                event.requester,
                                event.text,
                                _now(),
                                event.request_id,
                                status=shown,
                            )
                        )
                    added = True
            elif isinstance(event, ev.LlmRequestEnded):
                self._ended(event)
                statuses.add(event.request_id)
            elif isinstance(event, _TARGET_EVENTS):
                targets = True
                # Joins and leaves are system messages in the room's history.
                history = history or (isinstance(event, ev.RoomChanged) and event.room_name == room)
        self._grown |= grown
        self._statuses |= statuses
        if (added or grown or statuses) and not self._repaint.isActive():
            self._repaint.start()
        if targets:
            self._targets.request()
        if history:
            self.load_history()

    def _flush(self) -> None:
        self._repaint.stop()
        grown, self._grown = self._grown, set()
        statuses, self._statuses = self._statuses, set()
        stick = self.view.at_bottom()
        self._show(grown, statuses, self.current_room())
        self.view.refresh(stick)
        self._update_send()

    def _output(self, request_id: str, output_id: str, extension: str) -> _Output | None:
        key = (request_id, output_id)
        output = self._outputs.get(key)
        if output is None:
            request = self._requests.get(request_id)
            if request is None:
                return None  # started before this window saw it; the history will show it
            output = _Output(request.room, extension)
            _bounded_put(self._outputs, key, output)
        return output

    def _ended(self, event: ev.LlmRequestEnded) -> None:
        request = self._requests.get(event.request_id)
        if request is None:
            return
        if event.status == "completed":
            request.status, request.detail = "done", ""
        elif event.reason == wire.REQUEST_TIMED_OUT:
            request.status, request.detail = "timed out", ""
        else:
            request.status, request.detail = "failed", event.reason or ""

    def _show(self, grown: set[tuple[str, str]], statuses: set[str], room: str | None) -> None:
        for request_id, output_id in grown:
            output = self._outputs.get((request_id, output_id))
            if output is None or output.room != room:
                continue
            key = output_key(request_id, output_id)
            if self.model.item(key) is None:
                item = ChatItem(key, "response", output.extension, "", _now(), request_id)
                self.model.add(item)
            text = output.text()
            # Streaming while chunks arrived after the last recorded end of a stream.
            status = "streaming" if len(text) > output.recorded else ""
            self.model.update(key, text=text, status=status)
        for request_id in statuses:
            request = self._requests.get(request_id)
            if request is not None and request.room == room:
                self.model.update(
                    request_key(request_id), status=request.status, detail=request.detail
                )

    # --- sending -------------------------------------------------------------------------------
    def send(self) -> None:
        text = self.prompt.toPlainText()
        if text.strip() and self.send_button.isEnabled():
            self._request(self.tr("Send"), text, "newMessage", clear_prompt=True)

    def regenerate(self) -> None:
        text = self.model.last_request_text()
        if text is not None and self.send_button.isEnabled():
            self._request(self.tr("Regenerate"), text, "regenerateMessage", clear_prompt=False)

    def _request(self, title: str, text: str, request_type: str, *, clear_prompt: bool) -> None:
        extension, room = self.current_extension(), self.current_room()
        if extension is None or room is None:
            return

        async def request(core: Core) -> dict[str, Any]:
            return await desktop_request(
                core, text=text, room=room, target=extension, request_type=request_type
            )

        async def run() -> None:
            ack = await self.call_async(request)
            self.last_ack = ack
            if ack.get("status") != "ok":
                raise RuntimeError(str(ack.get("message", "error")))
            if clear_prompt and self.prompt.toPlainText() == text:
                self.prompt.clear()

        self.run_action(title, run())

    def copy_selected(self) -> None:
        rows = self.view.selected_rows()
        texts = [str(self.model.index(row).data()) for row in rows]
        if texts:
            QGuiApplication.clipboard().setText("\n\n".join(texts))


def _fill(combo: QComboBox, values: list[str], empty: str, *, signals: bool = True) -> None:
    """Replace a combo's items, keeping the current value if it is still there."""
    current = combo.currentData()
    if [combo.itemData(i) for i in range(combo.count())] == values:
        return
    blocked = combo.blockSignals(True)
    combo.clear()
    for value in values:
        combo.addItem(value, value)
    if not values:
        combo.addItem(empty, None)
    number = combo.findData(current) if current is not None else -1
    combo.setCurrentIndex(max(number, 0))
    combo.blockSignals(blocked)
    combo.setEnabled(bool(values))
    if signals and combo.currentData() != current:
        combo.currentIndexChanged.emit(combo.currentIndex())
