"""The settings dialog's "Socket.IO Admin UI" group (settings `adminUi*`, read at start-up).

The password is never stored: saving hashes it (bcrypt, as the keys); an empty field keeps the
stored hash.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QWidget

from newage_desktop.core.auth.keys import MAX_KEY_BYTES, hash_key

NAMES: Final = ("adminUiEnabled", "adminUiUsername", "adminUiReadonly", "adminUiMode")
PASSWORD_HASH: Final = "adminUiPasswordHash"


class AdminUiGroup(QGroupBox):
    def __init__(self, parent: QWidget, *, error_style: str) -> None:
        super().__init__(parent)
        self.setObjectName("adminUiGroup")
        self.has_password = False  # a hash is stored
        form = QFormLayout(self)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.enabled = QCheckBox(self)
        self.enabled.toggled.connect(self._update_enabled)
        form.addRow(self.enabled)
        self.username = QLineEdit(self)
        self.username_label = QLabel(self)
        form.addRow(self.username_label, self.username)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_label = QLabel(self)
        form.addRow(self.password_label, self.password)
        self.read_only = QCheckBox(self)
        form.addRow(self.read_only)
        self.development = QCheckBox(self)
        form.addRow(self.development)
        self.note = _wrapped(self)
        form.addRow(self.note)
        self.error = _wrapped(self)
        self.error.setStyleSheet(error_style)
        self.error.hide()
        form.addRow(self.error)
        self._url = ""
        self._update_enabled()

    def retranslate(self) -> None:
        self.setTitle(self.tr("Socket.IO Admin UI"))
        self.enabled.setText(self.tr("Let the Socket.IO Admin UI connect (namespace /admin)"))
        self.username_label.setText(self.tr("Username:"))
        self.password_label.setText(self.tr("Password:"))
        self.password.setPlaceholderText(
            self.tr("(unchanged)") if self.has_password else self.tr("required")
        )
        self.read_only.setText(
            self.tr("Read-only: the UI cannot disconnect sockets or emit events")
        )
        self.development.setText(
            self.tr("List every socket and its rooms (development mode; costs some speed)")
        )
        self.note.setText(
            self.tr(
                "Takes effect after the server restarts. Then open {0} in a browser and log in "
                "with server URL {1} and this username and password."
            ).format(self._url + "/admin-ui/", self._url)
        )

    def set_url(self, url: str) -> None:
        """Where the server listens (as saved), for the note."""
        self._url = url
        self.retranslate()

    def set_values(self, wire: dict[str, Any]) -> None:
        self.enabled.setChecked(bool(wire["adminUiEnabled"]))
        self.username.setText(str(wire["adminUiUsername"]))
        self.read_only.setChecked(bool(wire["adminUiReadonly"]))
        self.development.setChecked(wire["adminUiMode"] == "development")
        self.has_password = bool(wire[PASSWORD_HASH])
        self.password.clear()
        self.retranslate()

    def values(self) -> dict[str, Any]:
        """The settings as shown, but the password (see :meth:`password_hash`)."""
        return {
            "adminUiEnabled": self.enabled.isChecked(),
            "adminUiUsername": self.username.text().strip(),
            "adminUiReadonly": self.read_only.isChecked(),
            "adminUiMode": "development" if self.development.isChecked() else "production",
        }

    def validate(self) -> bool:
        message = ""
        password = self.password.text()
        if len(password.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
            message = self.tr("The password must be at most {0} bytes.").format(MAX_KEY_BYTES)
        elif self.enabled.isChecked() and not self.username.text().strip():
            message = self.tr("Enter a username for the Admin UI.")
        elif self.enabled.isChecked() and not (password or self.has_password):
            message = self.tr("Enter a password for the Admin UI.")
        self.error.setText(message)
        self.error.setVisible(bool(message))
        return not message

    async def password_hash(self) -> dict[str, str]:
        """`{adminUiPasswordHash: ...}` for a newly typed password, else nothing."""
        password = self.password.text()
        if not password:
            return {}
        # bcrypt takes a noticeable moment: not on the GUI thread.
        return {PASSWORD_HASH: await asyncio.to_thread(hash_key, password)}

    def _update_enabled(self) -> None:
        on = self.enabled.isChecked()
        for widget in (self.username, self.password, self.read_only, self.development):
            widget.setEnabled(on)


def _wrapped(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
