"""Every modal question and message box of the shell, in one place.

Tests replace these functions (monkeypatch the module attribute) because a modal box would
block an offscreen test forever; callers therefore always call `prompts.<name>(...)`.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget


# lupdate only extracts literal `translate("Context", "...")` calls, so no helper wrapper.
def confirm(parent: QWidget | None, title: str, text: str, accept_label: str) -> bool:
    """A question whose default answer is No; True when the user chose `accept_label`."""
    box = QMessageBox(
        QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent
    )
    yes = box.addButton(accept_label, QMessageBox.ButtonRole.AcceptRole)
    no = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(no)
    box.exec()
    return box.clickedButton() is yes


def error(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.critical(parent, title, text)


def information(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)


def choose_folder(parent: QWidget | None, title: str, start: str) -> str:
    """A folder picked by the user, or "" if cancelled."""
    return QFileDialog.getExistingDirectory(parent, title, start)


def start_failed(parent: QWidget | None, message: str) -> str:
    """The server could not start: "settings" (open Settings), "retry", or "close"."""
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        QCoreApplication.translate("Prompts", "The server could not start"),
        message,
        QMessageBox.StandardButton.NoButton,
        parent,
    )
    settings = box.addButton(
        QCoreApplication.translate("Prompts", "Open Settings…"), QMessageBox.ButtonRole.ActionRole
    )
    retry = box.addButton(QMessageBox.StandardButton.Retry)
    close = box.addButton(QMessageBox.StandardButton.Close)
    box.setDefaultButton(close)
    box.exec()
    clicked = box.clickedButton()
    if clicked is settings:
        return "settings"
    if clicked is retry:
        return "retry"
    return "close"


def corrupt_file(parent: QWidget | None, message: str, aside_name: str) -> bool:
    """A data file cannot be read; True if the user wants it moved aside and a fresh start."""
    text = (
        QCoreApplication.translate(
            "Prompts", "The server cannot start because a data file is damaged:"
        )
        + f"\n\n{message}\n\n"
        + QCoreApplication.translate(
            "Prompts",
            "You can fix the file yourself and press Start, or move it aside as “{0}” and "
            "start with a fresh one. Nothing is deleted.",
        ).format(aside_name)
    )
    return confirm(
        parent,
        QCoreApplication.translate("Prompts", "A data file is damaged"),
        text,
        QCoreApplication.translate("Prompts", "Move aside and start fresh"),
    )
