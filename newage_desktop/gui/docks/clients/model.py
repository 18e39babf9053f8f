"""The connected identities (PROTOCOL.md §5) as a table model, fed by client events."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from newage_desktop.core.app import Core
from newage_desktop.gui.docks.base import ROOT, Index
from newage_desktop.gui.docks.table import SORT_ROLE, local_time
from newage_desktop.protocol.events import EXTENSION_CLIENT_TYPES

COLUMNS = ("identity", "clientId", "clientType", "desc", "namespaces", "address", "since", "status")
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 2

_AVAILABLE = QBrush(QColor("#1b7f3b"))


def client_snapshot(core: Core) -> list[dict[str, Any]]:
    """Client list entries with the remote address (runs on the server loop)."""
    rows = []
    for entry in core.client_list():
        reg = core.registry.registration(entry["identity"])
        rows.append({**entry, "address": reg.address if reg is not None else ""})
    return rows


def client_addresses(core: Core, identities: list[str]) -> dict[str, str]:
    out = {}
    for identity in identities:
        reg = core.registry.registration(identity)
        if reg is not None:
            out[identity] = reg.address
    return out


def is_available(entry: dict[str, Any]) -> bool:
    """An extension with a live /llm socket can take LLM requests (§5)."""
    return entry.get("clientType") in EXTENSION_CLIENT_TYPES and "/llm" in (
        entry.get("namespaces") or []
    )


class ClientsModel(QAbstractTableModel):
    """One row per registered identity; never a key."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[dict[str, Any]] = []

    # --- Qt model ------------------------------------------------------------------------------
    def rowCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if not 0 <= section < len(COLUMNS):
            return None
        return self.headers()[section]

    def headers(self) -> tuple[str, ...]:
        return (
            self.tr("Identity"),
            self.tr("Client ID"),
            self.tr("Type"),
            self.tr("Description"),
            self.tr("Namespaces"),
            self.tr("Address"),
            self.tr("Connected since"),
            self.tr("Status"),
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        entry = self._rows[index.row()]
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(entry, column)
        if role == SORT_ROLE:
            if column == "since":
                return entry.get("connectedAt") or ""
            return self._display(entry, column).lower()
        if role == Qt.ItemDataRole.ToolTipRole and column == "since":
            return local_time(entry.get("connectedAt"), compact=False) or None
        if role == Qt.ItemDataRole.ToolTipRole and column in ("desc", "namespaces", "identity"):
            return self._display(entry, column) or None
        if role == Qt.ItemDataRole.ForegroundRole and column == "status" and is_available(entry):
            return _AVAILABLE
        if role == ENTRY_ROLE:
            return dict(entry)
        return None

    def _display(self, entry: dict[str, Any], column: str) -> str:
        if column == "namespaces":
            return ", ".join(entry.get("namespaces") or [])
        if column == "since":
            return local_time(entry.get("connectedAt"))
        if column == "status":
            return self.tr("available") if is_available(entry) else self.tr("connected")
        return str(entry.get(column) or "")

    # --- updates -------------------------------------------------------------------------------
    def reset(self, entries: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self._rows = [dict(e) for e in entries]
        self.endResetModel()

    def upsert(self, entry: dict[str, Any]) -> None:
        row = self.row_of(entry["identity"])
        if row is None:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows))
            self._rows.append(dict(entry))
            self.endInsertRows()
            return
        old = self._rows[row]
        self._rows[row] = {**old, **entry}
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def remove(self, identity: str) -> None:
        row = self.row_of(identity)
        if row is not None:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()

    def set_addresses(self, addresses: dict[str, str]) -> None:
        for identity, address in addresses.items():
            row = self.row_of(identity)
            if row is not None and self._rows[row].get("address") != address:
                self._rows[row]["address"] = address
                column = COLUMNS.index("address")
                self.dataChanged.emit(self.index(row, column), self.index(row, column))

    def row_of(self, identity: str) -> int | None:
        return next((i for i, e in enumerate(self._rows) if e["identity"] == identity), None)

    def entry(self, row: int) -> dict[str, Any]:
        return dict(self._rows[row])

    def identities(self) -> list[str]:
        return [e["identity"] for e in self._rows]

    def missing_addresses(self) -> list[str]:
        return [e["identity"] for e in self._rows if "address" not in e]


class ClientsProxy(QSortFilterProxyModel):
    """Sorting by raw values (timestamps) and a case-insensitive filter over every column."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterKeyColumn(-1)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setDynamicSortFilter(True)
