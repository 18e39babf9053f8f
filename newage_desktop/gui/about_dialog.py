"""Help → About: what this build is made of and where it keeps its files, for bug reports.

"Copy" puts the same facts on the clipboard as plain English text, whatever the UI language,
so a report pasted into an issue reads the same for every maintainer.
"""

from __future__ import annotations

import importlib.metadata
import platform
from pathlib import Path
from typing import Final

import PySide6
from PySide6.QtCore import QEvent, Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from newage_desktop import __version__
from newage_desktop.core.store.datadir import DataDir
from newage_desktop.gui.crash_dialog import open_folder
from newage_desktop.gui.resources import app_icon

# As pyproject.toml's `license` (a test keeps them equal). A frozen build has no package
# metadata to read it from.
LICENSE: Final = "MIT"
LIBRARIES: Final = ("python-socketio", "python-engineio", "aiohttp")


def library_version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def version_rows() -> list[tuple[str, str]]:
    """(component, version), the app first."""
    rows = [
        ("NewAge Desktop", __version__),
        ("Python", platform.python_version()),
        ("Qt", qVersion()),
        ("PySide6", PySide6.__version__),
    ]
    rows += [(name, library_version(name)) for name in LIBRARIES]
    return rows


def report_text(datadir: DataDir) -> str:
    """The versions, the system and the folders as plain text (the Copy button's)."""
    lines = [f"{name} {version}" for name, version in version_rows()]
    lines += [
        f"Operating system: {platform.platform()}",
        f"Data folder: {datadir.root}",
        f"Log folder: {datadir.logs_dir}",
    ]
    return "\n".join(lines) + "\n"


class AboutDialog(QDialog):
    def __init__(self, datadir: DataDir, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.datadir = datadir
        icon = QLabel(self)
        icon.setPixmap(app_icon().pixmap(64, 64))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.description = QLabel(self)
        self.description.setWordWrap(True)
        self.license = QLabel(self)
        intro = QVBoxLayout()
        for label in (self.title, self.description, self.license):
            intro.addWidget(label)
        header = QHBoxLayout()
        header.addWidget(icon)
        header.addLayout(intro, 1)

        self.versions_box = QGroupBox(self)
        versions = QFormLayout(self.versions_box)
        self.versions: dict[str, QLabel] = {}
        for name, version in version_rows():
            value = QLabel(version, self.versions_box)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            versions.addRow(name, value)
            self.versions[name] = value
        self.os_label = QLabel(self.versions_box)
        self.os_value = QLabel(platform.platform(), self.versions_box)
        self.os_value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        versions.addRow(self.os_label, self.os_value)

        self.folders_box = QGroupBox(self)
        folders = QFormLayout(self.folders_box)
        self.data_label = QLabel(self.folders_box)
        self.data_folder, self.open_data = self._folder_row(datadir.root)
        folders.addRow(self.data_label, self._row(self.data_folder, self.open_data))
        self.logs_label = QLabel(self.folders_box)
        self.log_folder, self.open_logs = self._folder_row(datadir.logs_dir)
        folders.addRow(self.logs_label, self._row(self.log_folder, self.open_logs))

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.setObjectName("copyVersions")
        self.copy_button.clicked.connect(self.copy)
        self.buttons.rejected.connect(self.reject)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setDefault(True)
        close.setFocus()  # not the first folder field, which would show all its text selected

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.versions_box)
        layout.addWidget(self.folders_box)
        layout.addWidget(self.buttons)
        self.retranslate()

    def _folder_row(self, path: Path) -> tuple[QLineEdit, QPushButton]:
        field = QLineEdit(str(path), self.folders_box)
        field.setReadOnly(True)
        field.setCursorPosition(0)
        field.setMinimumWidth(360)
        button = QPushButton(self.folders_box)
        button.clicked.connect(lambda: open_folder(path))
        return field, button

    @staticmethod
    def _row(field: QLineEdit, button: QPushButton) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(field, 1)
        row.addWidget(button)
        return row

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(report_text(self.datadir))
        self.copy_button.setText(self.tr("Copied"))

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("About NewAge Desktop"))
        self.title.setText(f"<h3>NewAge Desktop {__version__}</h3>")
        self.description.setText(
            self.tr(
                "A SillyTavern-NewAge relay server as a desktop app. Compatible with the "
                "SillyTavern-NewAge extension and its clients."
            )
        )
        self.license.setText(self.tr("Licence: {0}").format(LICENSE))
        self.versions_box.setTitle(self.tr("Versions"))
        self.os_label.setText(self.tr("Operating system"))
        self.folders_box.setTitle(self.tr("Folders"))
        self.data_label.setText(self.tr("Data folder"))
        self.logs_label.setText(self.tr("Log folder"))
        for button in (self.open_data, self.open_logs):
            button.setText(self.tr("Open"))
        self.copy_button.setText(self.tr("Copy versions"))
        self.copy_button.setToolTip(self.tr("Copy these details as text, for a bug report"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
