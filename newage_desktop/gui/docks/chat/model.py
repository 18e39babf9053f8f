"""A room's conversation as a list model: history from the chat store, live requests and outputs.

Rows are keyed so that the history of a room and the live events about it merge without
duplicates: a request by `req:<requestId>`, an output by `out:<requestId>:<outputId>`, anything
else (system messages) by its `messageId`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractListModel, QObject, Qt

from newage_desktop.core.app import Core
from newage_desktop.gui.docks.base import ROOT, Index

AUTHOR_ROLE = Qt.ItemDataRole.UserRole + 20
KIND_ROLE = Qt.ItemDataRole.UserRole + 21
STATUS_ROLE = Qt.ItemDataRole.UserRole + 22  # "", waiting, streaming, done, failed, timed out
TIME_ROLE = Qt.ItemDataRole.UserRole + 23
REQUEST_ROLE = Qt.ItemDataRole.UserRole + 24
DETAIL_ROLE = Qt.ItemDataRole.UserRole + 25  # why a request failed
KEY_ROLE = Qt.ItemDataRole.UserRole + 26
ITEM_ROLE = Qt.ItemDataRole.UserRole + 27  # the ChatItem itself (one call for the delegate)

HISTORY_LIMIT = 100
# Rows shown at most; the oldest make way. Every relayout measures every row, on the GUI thread
# that shares the GIL with the relay, so a busy room must not grow the view without bound.
LIVE_LIMIT = HISTORY_LIMIT + 50


@dataclass
class ChatItem:
    key: str
    kind: str  # request | response | system
    author: str
    text: str
    time: str = ""
    request_id: str | None = None
    status: str = ""
    detail: str = ""
    message_id: str | None = None  # the stored message's id, once known (editing, §7.11)


def request_key(request_id: str) -> str:
    return f"req:{request_id}"


def output_key(request_id: str, output_id: str) -> str:
    return f"out:{request_id}:{output_id}"


def chat_targets(core: Core) -> tuple[list[str], list[str]]:
    """Available extensions and every room name (runs on the server loop)."""
    return core.available_extensions(), [r.name for r in core.rooms.store.list_rooms()]


def room_history(core: Core, room: str) -> list[dict[str, Any]]:
    """The last messages of a room, oldest first (runs on the server loop)."""
    if core.rooms.store.get(room) is None:
        return []
    return core.relay.history.messages(room, limit=HISTORY_LIMIT)


def item_of(message: dict[str, Any]) -> ChatItem:
    """A stored message object (§7.11) as a row."""
    kind = str(message.get("kind") or "system")
    request_id = message.get("requestId")
    text = message.get("message")
    if not isinstance(text, str):
        text = message.get("data") if isinstance(message.get("data"), str) else ""
    if kind == "request" and isinstance(request_id, str):
        key = request_key(request_id)
    elif kind == "response" and isinstance(request_id, str):
        key = output_key(request_id, str(message.get("outputId")))
    else:
        key = str(message.get("messageId"))
    return ChatItem(
        key=key,
        kind=kind,
        author=str(message.get("identity") or ""),
        text=str(text),
        time=str(message.get("timestamp") or ""),
        request_id=request_id if isinstance(request_id, str) else None,
        message_id=str(message.get("messageId")) if message.get("messageId") else None,
    )


class ChatModel(QAbstractListModel):
    """The rows of one room; text changes are applied once per event batch by the dock."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[ChatItem] = []
        self._rows: dict[str, int] = {}

    def rowCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._items):
            return None
        item = self._items[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return item.text
        if role == AUTHOR_ROLE:
            return item.author
        if role == KIND_ROLE:
            return item.kind
        if role == STATUS_ROLE:
            return item.status
        if role == TIME_ROLE:
            return item.time
        if role == REQUEST_ROLE:
            return item.request_id
        if role == DETAIL_ROLE:
            return item.detail
        if role == KEY_ROLE:
            return item.key
        if role == ITEM_ROLE:
            return item
        return None

    # --- contents ------------------------------------------------------------------------------
    def reset(self, items: list[ChatItem]) -> None:
        self.beginResetModel()
        self._items = []
        self._rows = {}
        for item in items:
            if item.key not in self._rows:
                self._rows[item.key] = len(self._items)
                self._items.append(item)
        self.endResetModel()

    def items(self) -> list[ChatItem]:
        return list(self._items)

    def item(self, key: str) -> ChatItem | None:
        row = self._rows.get(key)
        return None if row is None else self._items[row]

    def add(self, item: ChatItem) -> None:
        if item.key in self._rows:
            return
        if len(self._items) >= LIVE_LIMIT:
            # Older messages stay in the room's history (Reload shows them).
            drop = len(self._items) - LIVE_LIMIT + 1
            self.beginRemoveRows(ROOT, 0, drop - 1)
            del self._items[:drop]
            self._rows = {it.key: row for row, it in enumerate(self._items)}
            self.endRemoveRows()
        row = len(self._items)
        self.beginInsertRows(ROOT, row, row)
        self._items.append(item)
        self._rows[item.key] = row
        self.endInsertRows()

    def update(
        self,
        key: str,
        *,
        text: str | None = None,
        status: str | None = None,
        detail: str | None = None,
    ) -> None:
        row = self._rows.get(key)
        if row is None:
            return
        item = self._items[row]
        if text is not None:
            item.text = text
        if status is not None:
            item.status = status
        if detail is not None:
            item.detail = detail
        index = self.index(row)
        self.dataChanged.emit(index, index)

    def last_request_text(self) -> str | None:
        for item in reversed(self._items):
            if item.kind == "request":
                return item.text
        return None
