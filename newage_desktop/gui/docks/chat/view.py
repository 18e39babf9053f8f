"""The chat list: a QListView whose delegate draws each message as a wrapped bubble.

Text layouts are cached per (row key, text length, width), so the relayout that follows each
event batch only lays out the rows whose text grew.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QPainter,
    QPalette,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QPlainTextEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from newage_desktop.gui.docks.chat.model import (
    AUTHOR_ROLE,
    DETAIL_ROLE,
    ITEM_ROLE,
    KIND_ROLE,
    STATUS_ROLE,
    TIME_ROLE,
)
from newage_desktop.gui.docks.table import local_time

MARGIN = 4  # around a bubble
PAD = 8  # inside a bubble
CACHE_SIZE = 1000

_STATUS_COLORS = {
    "waiting": QColor("#7a7a7a"),
    "streaming": QColor("#1a63c7"),
    "done": QColor("#1b7f3b"),
    "failed": QColor("#b3261e"),
    "timed out": QColor("#b3261e"),
}


def _mix(a: QColor, b: QColor, amount: float) -> QColor:
    return QColor(
        round(a.red() + (b.red() - a.red()) * amount),
        round(a.green() + (b.green() - a.green()) * amount),
        round(a.blue() + (b.blue() - a.blue()) * amount),
    )


def _layout(text: str, font: QFont, width: float) -> tuple[QTextLayout, float]:
    layout = QTextLayout(text.replace("\n", "\u2028"), font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    layout.beginLayout()
    height = 0.0
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        line.setPosition(QPointF(0, height))
        height += line.height()
    layout.endLayout()
    return layout, height


class ChatDelegate(QStyledItemDelegate):
    def __init__(
        self,
        view: QListView,
        status_text: Callable[[str], str],
        author_text: Callable[[str], str],
    ) -> None:
        super().__init__(view)
        self._view = view
        self._status_text = status_text
        self._author_text = author_text
        self._cache: OrderedDict[tuple[str, int, int], tuple[QTextLayout, float]] = OrderedDict()
        self._header_font: QFont | None = None
        self._header_px = 0

    def _text_width(self) -> int:
        return max(80, self._view.viewport().width() - 2 * (MARGIN + PAD))

    def _text(self, index: QModelIndex | QPersistentModelIndex) -> tuple[QTextLayout, float]:
        item = index.data(ITEM_ROLE)  # one call: this runs for every row at every relayout
        text = str(item.text) if item is not None else ""
        width = self._text_width()
        key = (str(item.key) if item is not None else "", len(text), width)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        font = self._view.font()
        if item is not None and item.kind == "system":
            font.setItalic(True)
        cached = _layout(text, font, width)
        self._cache[key] = cached
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return cached

    def _header_height(self) -> int:
        font = self._view.font()
        if self._header_font != font:  # measured once per font, not once per row
            self._header_font = QFont(font)
            self._header_px = QFontMetrics(font).height()
        return self._header_px

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        height = self._text(index)[1]
        total = 2 * MARGIN + 2 * PAD + self._header_height() + 2 + int(height + 0.999)
        return QSize(self._view.viewport().width(), total)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        palette: QPalette = option.palette
        rect = QRectF(option.rect).adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
        kind = index.data(KIND_ROLE)
        base = palette.color(QPalette.ColorRole.Base)
        highlight = palette.color(QPalette.ColorRole.Highlight)
        text_color = palette.color(QPalette.ColorRole.Text)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if kind != "system":
            fill = _mix(base, highlight, 0.14 if kind == "request" else 0.05)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRoundedRect(rect, 6, 6)
        if option.state & QStyle.StateFlag.State_Selected:
            painter.setPen(highlight)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect, 6, 6)
        inner = rect.adjusted(PAD, PAD, -PAD, -PAD)
        header_font = QFont(self._view.font())
        header_font.setBold(True)
        painter.setFont(header_font)
        painter.setPen(text_color)
        header_height = self._header_height()
        author = self._author_text(str(index.data(AUTHOR_ROLE) or ""))
        painter.drawText(
            QRectF(inner.left(), inner.top(), inner.width(), header_height),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            author,
        )
        author_width = QFontMetrics(header_font).horizontalAdvance(author)
        small = QFont(self._view.font())
        painter.setFont(small)
        painter.setPen(_mix(text_color, base, 0.45))
        painter.drawText(
            QRectF(inner.left() + author_width + 8, inner.top(), inner.width(), header_height),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            local_time(index.data(TIME_ROLE), compact=False)[11:],
        )
        status = str(index.data(STATUS_ROLE) or "")
        if status:
            label = self._status_text(status)
            detail = str(index.data(DETAIL_ROLE) or "")
            if detail and status != "timed out":
                label = f"{label}: {detail}"
            painter.setPen(_STATUS_COLORS.get(status, text_color))
            painter.drawText(
                QRectF(inner.left(), inner.top(), inner.width(), header_height),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                label,
            )
        layout, _height = self._text(index)
        painter.setPen(_mix(text_color, base, 0.35) if kind == "system" else text_color)
        layout.draw(painter, QPointF(inner.left(), inner.top() + header_height + 2))
        painter.restore()


class ChatView(QListView):
    """Variable-height rows; `refresh()` relayouts once and keeps the view at the bottom."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setUniformItemSizes(False)
        self.setWordWrap(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)

    def at_bottom(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 8

    def refresh(self, stick: bool) -> None:
        """Lay the rows out again (their heights changed); follow the end if we were there."""
        self.doItemsLayout()
        if stick:
            self.scrollToBottom()


class PromptEdit(QPlainTextEdit):
    """Enter sends, Shift+Enter starts a new line."""

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")  # a plain newline, not Qt's line separator
            else:
                self.submitted.emit()
            return
        super().keyPressEvent(event)
