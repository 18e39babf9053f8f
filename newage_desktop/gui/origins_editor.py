"""The allowed web origins (`corsAllowedOrigins`, PROTOCOL.md §2.1) as three controls.

"Pages on this computer" is `"local"`, the list holds exact origins besides, and "Any web
site" is `"*"`, which makes the other two moot (they are disabled while it is on).
"""

from __future__ import annotations

from typing import Any, Final

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from newage_desktop.gui.server_settings import (
    OriginChoice,
    normalize_origin,
    origin_choice,
    origin_setting,
)

NOTE_STYLE: Final = "color: palette(placeholder-text);"


class OriginsEditor(QGroupBox):
    def __init__(self, parent: QWidget, *, error_style: str, warning_style: str) -> None:
        super().__init__(parent)
        self.setObjectName("originsEditor")
        layout = QVBoxLayout(self)
        self.local = QCheckBox(self)
        layout.addWidget(self.local)
        self.local_note = _label(self, NOTE_STYLE)
        self.local_note.setContentsMargins(22, 0, 0, 4)  # under the checkbox's text
        layout.addWidget(self.local_note)
        self.list_label = _label(self)
        layout.addWidget(self.list_label)
        self.list = QListWidget(self)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setMinimumHeight(72)  # a shown warning must not squeeze it to one row
        self.list.setMaximumHeight(96)
        self.list.itemSelectionChanged.connect(self._update_state)
        layout.addWidget(self.list)
        row = QHBoxLayout()
        self.entry = QLineEdit(self)
        self.entry.returnPressed.connect(self.add_entry)
        self.entry.textChanged.connect(self._update_state)
        row.addWidget(self.entry, 1)
        self.add_button = QPushButton(self)
        self.add_button.setAutoDefault(False)  # Enter in the field adds, it does not press OK
        self.add_button.clicked.connect(self.add_entry)
        row.addWidget(self.add_button)
        self.remove_button = QPushButton(self)
        self.remove_button.setAutoDefault(False)
        self.remove_button.clicked.connect(self.remove_selected)
        row.addWidget(self.remove_button)
        layout.addLayout(row)
        self.error = _label(self, error_style)
        self.error.hide()
        layout.addWidget(self.error)
        self.any = QCheckBox(self)
        self.any.toggled.connect(self._update_state)
        layout.addWidget(self.any)
        self.any_warning = _label(self, warning_style)
        layout.addWidget(self.any_warning)
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(self.tr("Web pages allowed to connect (CORS)"))
        self.local.setText(self.tr("Pages on this computer (local)"))
        self.local_note.setText(
            self.tr(
                "localhost, 127.0.0.1 and ::1, any port, such as SillyTavern at "
                "http://127.0.0.1:8000."
            )
        )
        self.list_label.setText(self.tr("Other web pages (origins such as http://host:port):"))
        self.entry.setPlaceholderText(self.tr("such as https://example.org"))
        self.add_button.setText(self.tr("Add"))
        self.remove_button.setText(self.tr("Remove"))
        self.any.setText(self.tr("Any web site (*)"))
        self.any_warning.setText(
            self.tr(
                "Every web site opened in a browser that can reach the server may connect "
                "to it. Turn this on only if you know why."
            )
        )
        self._update_state()

    # --- the setting ---------------------------------------------------------------------------
    def set_value(self, value: Any) -> None:
        choice = origin_choice(value)
        self.local.setChecked(choice.local)
        self.list.clear()
        self.list.addItems(list(choice.extra))
        self.any.setChecked(choice.any)
        self.entry.clear()
        self.error.hide()
        self._update_state()

    def value(self) -> str | list[str]:
        choice = OriginChoice(self.local.isChecked(), self.any.isChecked(), tuple(self.entries()))
        return origin_setting(choice)

    def entries(self) -> list[str]:
        return [self.list.item(row).text() for row in range(self.list.count())]

    # --- editing -------------------------------------------------------------------------------
    def add_entry(self) -> bool:
        """Add the entry field's origin; False (and an inline error) if it is not one."""
        origin = normalize_origin(self.entry.text())
        if origin is None:
            self.error.setText(
                self.tr(
                    "Enter an origin as scheme://host[:port], such as http://192.168.1.20:8000 "
                    "(no path)."
                )
            )
            self.error.show()
            _grow_window(self)
            return False
        self.error.hide()
        if origin not in self.entries():
            self.list.addItem(origin)
        self.entry.clear()
        return True

    def commit_entry(self) -> bool:
        """On OK: text typed but not added is added, or refused with the inline error."""
        self.error.hide()
        return self.any.isChecked() or not self.entry.text().strip() or self.add_entry()

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))

    def _update_state(self) -> None:
        editable = not self.any.isChecked()
        for widget in (self.local, self.local_note, self.list_label, self.list, self.entry):
            widget.setEnabled(editable)
        self.add_button.setEnabled(editable and bool(self.entry.text().strip()))
        self.remove_button.setEnabled(editable and bool(self.list.selectedItems()))
        self.any_warning.setVisible(self.any.isChecked())
        if not editable:
            self.error.hide()
        _grow_window(self)


def _grow_window(widget: QWidget) -> None:
    """Make the dialog tall enough for a label just shown (it never shrinks on its own)."""
    window = widget.window()
    layout = window.layout()
    if window is widget or layout is None:
        return
    layout.activate()
    needed = layout.totalHeightForWidth(window.width())
    if needed > window.height():
        window.resize(window.width(), needed)


def _label(parent: QWidget, style: str = "") -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if style:
        label.setStyleSheet(style)
    return label
