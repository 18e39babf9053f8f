"""The live log as a bounded table model (oldest lines dropped) and a level/text filter."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Final, NamedTuple

from PySide6.QtCore import (
    QAbstractTableModel,
    QObject,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from newage_desktop.gui.docks.base import ROOT, Index

CAPACITY: Final = 5000
LEVELS: Final = ("debug", "info", "warn", "error")  # upstream names, by severity
LEVEL_ROLE = Qt.ItemDataRole.UserRole + 30

_COLORS = {
    "error": QBrush(QColor("#b3261e")),
    "warn": QBrush(QColor("#a15c00")),
    "debug": QBrush(QColor("#7a7a7a")),
}


class LogLine(NamedTuple):
    time: float
    level: str
    message: str

    def text(self) -> str:
        return f"{clock(self.time)} {self.level.upper():5} {self.message}"


def clock(timestamp: float) -> str:
    moment = datetime.fromtimestamp(timestamp)
    return moment.strftime("%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


class LogModel(QAbstractTableModel):
    """At most `capacity` lines; appending past it removes the oldest ones first."""

    def __init__(self, parent: QObject | None = None, *, capacity: int = CAPACITY) -> None:
        super().__init__(parent)
        self.capacity = capacity
        self._lines: deque[LogLine] = deque()

    def rowCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else 3

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        headers = (self.tr("Time"), self.tr("Level"), self.tr("Message"))
        return headers[section] if 0 <= section < len(headers) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._lines):
            return None
        line = self._lines[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return clock(line.time)
            if column == 1:
                return line.level
            return line.message
        if role == LEVEL_ROLE:
            return line.level
        if role == Qt.ItemDataRole.ForegroundRole:
            return _COLORS.get(line.level)
        if role == Qt.ItemDataRole.ToolTipRole and column == 2 and len(line.message) > 80:
            return line.message
        return None

    def append(self, lines: Iterable[LogLine]) -> None:
        new = list(lines)[-self.capacity :]
        if not new:
            return
        overflow = len(self._lines) + len(new) - self.capacity
        if overflow > 0:
            self.beginRemoveRows(ROOT, 0, overflow - 1)
            for _ in range(overflow):
                self._lines.popleft()
            self.endRemoveRows()
        first = len(self._lines)
        self.beginInsertRows(ROOT, first, first + len(new) - 1)
        self._lines.extend(new)
        self.endInsertRows()

    def clear(self) -> None:
        self.beginResetModel()
        self._lines.clear()
        self.endResetModel()

    def line(self, row: int) -> LogLine:
        return self._lines[row]

    def lines(self) -> list[LogLine]:
        return list(self._lines)

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 2)


class LogFilter(QSortFilterProxyModel):
    """Lines at or above a minimum level whose message contains a text (any case)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._minimum = 0
        self._needle = ""

    def set_minimum_level(self, level: str) -> None:
        self._refilter(lambda: setattr(self, "_minimum", LEVELS.index(level)))

    def set_text(self, text: str) -> None:
        self._refilter(lambda: setattr(self, "_needle", text.casefold()))

    def _refilter(self, change: Callable[[], None]) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt ≥ 6.9; invalidateRowsFilter is deprecated
            self.beginFilterChange()
            change()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            change()
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        if not isinstance(model, LogModel) or source_row >= model.rowCount():
            return False
        line = model.line(source_row)
        level = LEVELS.index(line.level) if line.level in LEVELS else len(LEVELS) - 1
        return level >= self._minimum and self._needle in line.message.casefold()
