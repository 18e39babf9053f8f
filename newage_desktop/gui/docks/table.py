"""A table model of keyed rows that updates in place, so selection and scrolling survive."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QAbstractTableModel, QObject, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from newage_desktop.gui.docks.base import ROOT, Index

SORT_ROLE = Qt.ItemDataRole.UserRole + 1


def local_time(iso: str | None, *, compact: bool = True) -> str:
    """An ISO-8601 UTC timestamp in local time ('' if absent).

    Compact: the time of day for today, else the date and the minute; otherwise both in full.
    """
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return iso
    if not compact:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    if moment.date() == datetime.now().astimezone().date():
        return moment.strftime("%H:%M:%S")
    return moment.strftime("%Y-%m-%d %H:%M")


def setup_table(view: QTableView, model: QAbstractItemModel) -> None:
    """One line per row, columns as wide as their contents, the last one takes the rest."""
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)

    def fit() -> None:
        # The header refits its sections on layout changes only, not when rows come or change;
        # the last section is left to stretch.
        for column in range(model.columnCount() - 1):
            view.resizeColumnToContents(column)

    for signal in (model.rowsInserted, model.dataChanged, model.modelReset):
        signal.connect(fit)


class KeyedTableModel(QAbstractTableModel):
    """Rows (any value) identified by `key_of(row)`; `set_rows` diffs against the current rows.

    Subclasses give the headers, the text of a cell and optionally other roles.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    # --- to override ---------------------------------------------------------------------------
    def key_of(self, row: Any) -> str:
        raise NotImplementedError

    def headers(self) -> Sequence[str]:
        raise NotImplementedError

    def display(self, row: Any, column: int) -> str:
        raise NotImplementedError

    def other_role(self, row: Any, column: int, role: int) -> Any:
        """Roles other than display and sort (tool tips, colours); None by default."""
        return None

    # --- Qt model ------------------------------------------------------------------------------
    def rowCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self.headers())

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        headers = self.headers()
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return headers[section] if 0 <= section < len(headers) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display(row, index.column())
        if role == SORT_ROLE:
            return self.display(row, index.column()).lower()
        return self.other_role(row, index.column(), role)

    # --- contents ------------------------------------------------------------------------------
    def row(self, number: int) -> Any:
        return self._rows[number]

    def rows(self) -> list[Any]:
        return list(self._rows)

    def find(self, key: str) -> int | None:
        return next((i for i, r in enumerate(self._rows) if self.key_of(r) == key), None)

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.headers()) - 1)

    def set_rows(self, rows: Sequence[Any]) -> None:
        """Make the rows equal to `rows` with removals, moves, inserts and in-place changes."""
        wanted = {self.key_of(r) for r in rows}
        for number in reversed(range(len(self._rows))):
            if self.key_of(self._rows[number]) not in wanted:
                self.beginRemoveRows(ROOT, number, number)
                del self._rows[number]
                self.endRemoveRows()
        last_column = max(0, len(self.headers()) - 1)
        for number, row in enumerate(rows):
            key = self.key_of(row)
            current = self.find(key)
            if current is None:
                self.beginInsertRows(ROOT, number, number)
                self._rows.insert(number, row)
                self.endInsertRows()
                continue
            if current != number:
                self.beginMoveRows(ROOT, current, current, ROOT, number)
                self._rows.insert(number, self._rows.pop(current))
                self.endMoveRows()
            if self._rows[number] != row:
                self._rows[number] = row
                self.dataChanged.emit(self.index(number, 0), self.index(number, last_column))
