"""A view that explains itself while its model is empty, instead of showing a blank table."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QStackedWidget, QWidget


class EmptyHint(QStackedWidget):
    """`content` while `model` has rows, else a short text (set with `set_text`)."""

    def __init__(
        self, model: QAbstractItemModel, content: QWidget, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.content = content
        self.hint = QLabel(self)
        self.hint.setObjectName("emptyHint")
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setMargin(24)
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint.setAutoFillBackground(True)
        self.hint.setBackgroundRole(QPalette.ColorRole.Base)
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.addWidget(self.hint)
        self.addWidget(content)
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset):
            signal.connect(self.update_page)
        self.update_page()

    def set_text(self, text: str) -> None:
        self.hint.setText(text)

    def showing_hint(self) -> bool:
        return self.currentWidget() is self.hint

    def update_page(self) -> None:
        self.setCurrentWidget(self.content if self.model.rowCount() > 0 else self.hint)
