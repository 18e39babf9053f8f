"""The chat view: a rich-text document of message bubbles that follows a ChatModel."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeyEvent,
    QPalette,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextFrame,
    QTextFrameFormat,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextBrowser, QWidget

from newage_desktop.gui.docks.chat.model import ITEM_ROLE, ChatItem, ChatModel
from newage_desktop.gui.docks.table import local_time

Index = QModelIndex | QPersistentModelIndex

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


class ChatView(QTextBrowser):
    """The room's messages as one rich-text document, kept in step with a ChatModel.

    Each row is a frame (a tinted bubble) holding a header line and the text. Only the rows
    that changed are rewritten, and Qt lays the document out in C++: an item view with a
    Python delegate measured every row from Python at every relayout, taking the GIL from the
    relay's thread many times a second while a stream was shown.
    """

    def __init__(
        self,
        model: ChatModel,
        status_text: Callable[[str], str],
        author_text: Callable[[str], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setUndoRedoEnabled(False)
        self._model = model
        self._status_text = status_text
        self._author_text = author_text
        self._frames: list[QTextFrame] = []
        # What each bubble shows: (header, text). A streaming answer usually only grows, and
        # then only the new text is appended: document edits hold the GIL while Qt lays out.
        self._shown: list[tuple[tuple[str, ...], str]] = []
        model.modelReset.connect(self.rebuild)
        model.rowsInserted.connect(self._inserted)
        model.rowsRemoved.connect(self._removed)
        model.dataChanged.connect(self._changed)
        self.rebuild()

    # --- model → document ----------------------------------------------------------------------
    def rebuild(self) -> None:
        self.document().clear()
        self._frames = []
        self._shown = []
        self._inserted(QModelIndex(), 0, self._model.rowCount() - 1)

    def _inserted(self, _parent: Index, first: int, last: int) -> None:
        for row in range(first, last + 1):
            cursor = QTextCursor(self.document())
            if row < len(self._frames):
                cursor.setPosition(self._frames[row].firstPosition() - 1)
            else:
                cursor.movePosition(QTextCursor.MoveOperation.End)
            frame = cursor.insertFrame(self._frame_format(row))
            self._frames.insert(row, frame)
            self._shown.insert(row, ((), ""))
            self._fill(row)

    def _removed(self, _parent: Index, first: int, last: int) -> None:
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._frames[first].firstPosition() - 1)
        cursor.setPosition(self._frames[last].lastPosition() + 1, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        del self._frames[first : last + 1]
        del self._shown[first : last + 1]

    def _changed(self, top: Index, bottom: Index, _roles: object = None) -> None:
        for row in range(top.row(), bottom.row() + 1):
            if 0 <= row < len(self._frames):
                self._fill(row)

    def _frame_format(self, row: int) -> QTextFrameFormat:
        item = self._item(row)
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Base)
        highlight = palette.color(QPalette.ColorRole.Highlight)
        fmt = QTextFrameFormat()
        fmt.setPadding(8)
        fmt.setBottomMargin(2)
        fmt.setBorder(0)
        if item is not None and item.kind != "system":
            tint = 0.14 if item.kind == "request" else 0.05
            fmt.setBackground(_mix(base, highlight, tint))
        return fmt

    def _item(self, row: int) -> ChatItem | None:
        item = self._model.index(row).data(ITEM_ROLE)
        return item if isinstance(item, ChatItem) else None

    def _fill(self, row: int) -> None:
        """Rewrite one bubble: header (author, time, status) and text."""
        item = self._item(row)
        frame = self._frames[row]
        if item is None:
            return
        palette = self.palette()
        text_color = palette.color(QPalette.ColorRole.Text)
        base = palette.color(QPalette.ColorRole.Base)
        header = (item.author, item.time, item.status, item.detail, item.kind)
        body = QTextCharFormat()
        body.setForeground(_mix(text_color, base, 0.35) if item.kind == "system" else text_color)
        body.setFontItalic(item.kind == "system")
        shown_header, shown_text = self._shown[row]
        if shown_header and item.text.startswith(shown_text):
            if shown_header != header:  # e.g. the status: rewrite the header line only
                cursor = frame.firstCursorPosition()
                cursor.movePosition(
                    QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor
                )
                cursor.removeSelectedText()
                self._write_header(cursor, item, text_color, base)
            if len(item.text) > len(shown_text):
                cursor = QTextCursor(self.document())
                cursor.setPosition(frame.lastPosition())
                cursor.insertText(item.text[len(shown_text) :], body)
            self._shown[row] = (header, item.text)
            return
        self._shown[row] = (header, item.text)
        cursor = frame.firstCursorPosition()
        cursor.setPosition(frame.lastPosition(), QTextCursor.MoveMode.KeepAnchor)
        cursor.beginEditBlock()
        cursor.removeSelectedText()
        self._write_header(cursor, item, text_color, base)
        cursor.insertBlock(QTextBlockFormat(), body)
        cursor.insertText(item.text, body)
        cursor.endEditBlock()

    def _write_header(
        self, cursor: QTextCursor, item: ChatItem, text_color: QColor, base: QColor
    ) -> None:
        author = QTextCharFormat()
        author.setFontWeight(QFont.Weight.Bold)
        author.setForeground(text_color)
        cursor.insertText(self._author_text(item.author), author)
        muted = QTextCharFormat()
        muted.setForeground(_mix(text_color, base, 0.45))
        cursor.insertText("  " + local_time(item.time, compact=False)[11:], muted)
        if item.status:
            label = self._status_text(item.status)
            if item.detail and item.status != "timed out":
                label = f"{label}: {item.detail}"
            status = QTextCharFormat()
            status.setForeground(_STATUS_COLORS.get(item.status, text_color))
            cursor.insertText("  · " + label, status)

    # --- scrolling and selection ---------------------------------------------------------------
    def at_bottom(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 8

    def refresh(self, stick: bool) -> None:
        """Follow the end if the view was there before the change."""
        if stick:
            self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())

    def selected_rows(self) -> list[int]:
        """Rows touched by the text selection (or, without one, the row at the cursor)."""
        cursor = self.textCursor()
        start, end = sorted((cursor.selectionStart(), cursor.selectionEnd()))
        return [
            row
            for row, frame in enumerate(self._frames)
            if frame.lastPosition() >= start and frame.firstPosition() <= end
        ]


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
