"""Chat rooms and their members (PROTOCOL.md §6.5) as a two-level tree model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from newage_desktop.core.app import Core
from newage_desktop.gui.docks.base import ROOT, Index, fill

ROOM_ROLE = Qt.ItemDataRole.UserRole + 10  # the room name, on rooms and on members
MEMBER_ROLE = Qt.ItemDataRole.UserRole + 11  # the member identity, on members only
COLUMN_COUNT = 4

_OFFLINE = QBrush(QColor("#7a7a7a"))
_ONLINE = QBrush(QColor("#1b7f3b"))


@dataclass(frozen=True)
class MemberView:
    identity: str
    role: str
    client_id: str | None
    client_type: str
    online: bool
    status: str = "idle"  # idle | typing | processing | paused | muted (§7.12)
    muted: bool = False


@dataclass(frozen=True)
class RoomView:
    name: str
    personal: bool
    mode: str
    created_at: str
    members: tuple[MemberView, ...]
    assigned: tuple[str, ...] = ()  # its extensions under the connection policy (§6.5.1)


def rooms_snapshot(core: Core) -> list[RoomView]:
    """Every room in creation order with its members (runs on the server loop)."""
    online = core.registry.is_registered
    assignments = core.assignments.all()
    views = []
    for room in core.rooms.store.list_rooms():
        statuses = core.statuses.of_room(room.name)
        members = tuple(
            MemberView(
                m.identity,
                m.role,
                m.client_id,
                m.client_type,
                online(m.identity),
                statuses.get(m.identity, "idle"),
                core.mutes.is_muted(m.identity),
            )
            for m in room.members
        )
        views.append(
            RoomView(
                name=room.name,
                personal=room.personal,
                mode=room.mode,
                created_at=room.created_at,
                members=members,
                assigned=tuple(assignments.get(room.name, ())),
            )
        )
    return views


class _RoomNode:
    """A room row; its id (≥ 1) is the internal id of its members' indexes."""

    def __init__(self, node_id: int, view: RoomView) -> None:
        self.id = node_id
        self.view = view


class RoomsModel(QAbstractItemModel):
    """Top level: rooms (internal id 0). Second level: members (internal id = room node id).

    `set_rooms` updates in place (insert, move, remove, change), so expanded rooms and the
    selection survive the refreshes that follow every room event.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rooms: list[_RoomNode] = []
        self._next_id = 1

    # --- structure -----------------------------------------------------------------------------
    def index(self, row: int, column: int, parent: Index = ROOT) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        if parent.internalId() != 0:
            return QModelIndex()
        return self.createIndex(row, column, self._rooms[parent.row()].id)

    def parent(self, child: Index = ROOT) -> QModelIndex:  # type: ignore[override]
        if not child.isValid() or child.internalId() == 0:
            return QModelIndex()
        number = self._row_of_id(child.internalId())
        return QModelIndex() if number is None else self.createIndex(number, 0, 0)

    def rowCount(self, parent: Index = ROOT) -> int:
        if not parent.isValid():
            return len(self._rooms)
        if parent.internalId() == 0 and parent.column() == 0:
            return len(self._rooms[parent.row()].view.members)
        return 0

    def columnCount(self, parent: Index = ROOT) -> int:
        return COLUMN_COUNT

    def _row_of_id(self, node_id: int) -> int | None:
        return next((i for i, n in enumerate(self._rooms) if n.id == node_id), None)

    # --- data ----------------------------------------------------------------------------------
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        headers = (
            self.tr("Room / member"),
            self.tr("Role / mode"),
            self.tr("Type"),
            self.tr("Status"),
        )
        return headers[section] if 0 <= section < len(headers) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == 0:
            return self._room_data(self._rooms[index.row()].view, index.column(), role)
        number = self._row_of_id(index.internalId())
        if number is None:
            return None
        room = self._rooms[number].view
        if index.row() >= len(room.members):
            return None
        return self._member_data(room, room.members[index.row()], index.column(), role)

    def _room_data(self, room: RoomView, column: int, role: int) -> Any:
        if role == ROOM_ROLE:
            return room.name
        if role == Qt.ItemDataRole.FontRole and column == 0:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            served = ", ".join(room.assigned) if room.assigned else self.tr("no extension")
            return fill(self.tr("Created %1\nExtensions: %2"), room.created_at, served)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == 0:
            return room.name
        if column == 1:
            return room.mode
        if column == 2:
            kind = self.tr("personal room") if room.personal else self.tr("room")
            return (
                fill(self.tr("%1 → %2"), kind, ", ".join(room.assigned)) if room.assigned else kind
            )
        return self.tr("%n member(s)", "", len(room.members))

    def _member_data(self, room: RoomView, member: MemberView, column: int, role: int) -> Any:
        if role == ROOM_ROLE:
            return room.name
        if role == MEMBER_ROLE:
            return member.identity
        if role == Qt.ItemDataRole.ForegroundRole and column == 3:
            return _ONLINE if member.online else _OFFLINE
        if role == Qt.ItemDataRole.ToolTipRole and member.client_id:
            return fill(self.tr("Client ID: %1"), member.client_id)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == 0:
            return member.identity
        if column == 1:
            return self.role_name(member.role)
        if column == 2:
            return member.client_type
        state = self.tr("online") if member.online else self.tr("offline")
        if member.muted:
            return fill(self.tr("%1, muted"), state)
        status = self.status_name(member.status)
        return state if member.status == "idle" else fill(self.tr("%1, %2"), state, status)

    def status_name(self, status: str) -> str:
        names = {
            "typing": self.tr("typing"),
            "processing": self.tr("processing"),
            "paused": self.tr("paused"),
            "muted": self.tr("muted"),
        }
        return names.get(status, status)

    def role_name(self, role: str) -> str:
        names = {
            "master": self.tr("master"),
            "manager": self.tr("manager"),
            "guest": self.tr("guest"),
        }
        return names.get(role, role)

    # --- contents ------------------------------------------------------------------------------
    def rooms(self) -> list[RoomView]:
        return [node.view for node in self._rooms]

    def room(self, name: str) -> RoomView | None:
        return next((n.view for n in self._rooms if n.view.name == name), None)

    def room_index(self, name: str) -> QModelIndex:
        number = next((i for i, n in enumerate(self._rooms) if n.view.name == name), None)
        return QModelIndex() if number is None else self.index(number, 0)

    def set_rooms(self, rooms: list[RoomView]) -> None:
        wanted = {room.name for room in rooms}
        for number in reversed(range(len(self._rooms))):
            if self._rooms[number].view.name not in wanted:
                self.beginRemoveRows(ROOT, number, number)
                del self._rooms[number]
                self.endRemoveRows()
        for number, view in enumerate(rooms):
            current = next((i for i, n in enumerate(self._rooms) if n.view.name == view.name), None)
            if current is None:
                self.beginInsertRows(ROOT, number, number)
                self._rooms.insert(number, _RoomNode(self._next_id, view))
                self._next_id += 1
                self.endInsertRows()
                continue
            if current != number:
                self.beginMoveRows(ROOT, current, current, ROOT, number)
                self._rooms.insert(number, self._rooms.pop(current))
                self.endMoveRows()
            self._update(number, view)

    def _update(self, number: int, view: RoomView) -> None:
        node = self._rooms[number]
        old = node.view
        if old == view:
            return
        parent = self.index(number, 0)
        old_ids = [m.identity for m in old.members]
        new_ids = [m.identity for m in view.members]
        if old_ids == new_ids:
            node.view = view
            for row, (a, b) in enumerate(zip(old.members, view.members, strict=True)):
                if a != b:
                    self.dataChanged.emit(
                        self.index(row, 0, parent), self.index(row, COLUMN_COUNT - 1, parent)
                    )
        else:
            if old.members:
                self.beginRemoveRows(parent, 0, len(old.members) - 1)
                node.view = RoomView(old.name, old.personal, old.mode, old.created_at, ())
                self.endRemoveRows()
            if view.members:
                self.beginInsertRows(parent, 0, len(view.members) - 1)
                node.view = view
                self.endInsertRows()
            node.view = view
        self.dataChanged.emit(self.index(number, 0), self.index(number, COLUMN_COUNT - 1))

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, COLUMN_COUNT - 1)
