"""The two dialogs of the Keys dock: trusting a new clientId, and showing a new key once."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from newage_desktop.core.openai.auth import api_key
from newage_desktop.core.openai.urls import api_base_url
from newage_desktop.gui.docks.base import fill
from newage_desktop.protocol.validation import MAX_DESC, is_valid_client_id


class TrustDialog(QDialog):
    """Asks for a clientId (validated as the server validates it), a description, admin."""

    def __init__(self, has_key: Callable[[str], bool], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trustDialog")
        self.setWindowTitle(self.tr("Trust new client"))
        self._has_key = has_key
        self.client_id = QLineEdit(self)
        self.client_id.setMaxLength(128)
        self.client_id.setPlaceholderText(self.tr("e.g. my-sillytavern"))
        self.desc = QLineEdit(self)
        self.desc.setMaxLength(MAX_DESC)
        self.admin = QCheckBox(self.tr("Admin client (clientType monitor)"), self)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Client ID:"), self.client_id)
        form.addRow(self.tr("Description:"), self.desc)
        form.addRow("", self.admin)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(self.tr("Trust and generate key"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                self.tr(
                    "The client is trusted and gets a new key, shown once. "
                    "Give the key to the client; it is not stored in plain text."
                ),
                self,
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self.client_id.textChanged.connect(self._validate)
        self._validate()

    def _validate(self) -> None:
        client_id = self.client_id.text()
        valid = is_valid_client_id(client_id)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(valid)
        if client_id and not valid:
            self.hint.setText(
                self.tr(
                    'Not a valid client ID: 1–128 characters, none of / \\ : * ? " < > |, '
                    "no control characters, not starting with a dot nor ending with a dot or "
                    "space."
                )
            )
        elif valid and self._has_key(client_id):
            self.hint.setText(
                fill(
                    self.tr(
                        "%1 already has a key: the new key replaces it and its live sockets drop."
                    ),
                    client_id,
                )
            )
        else:
            self.hint.clear()

    def values(self) -> tuple[str, str, bool]:
        return self.client_id.text(), self.desc.text().strip(), self.admin.isChecked()


class KeyDialog(QDialog):
    """Shows a freshly generated key once: masked until "Reveal", copyable, forgotten on close.

    The key lives only in this dialog's line edit; closing clears it and deletes the dialog.
    """

    def __init__(
        self, client_id: str, key: str, parent: QWidget | None = None, *, base_url: str = ""
    ) -> None:
        super().__init__(parent)
        self.setObjectName("keyDialog")
        self.setWindowTitle(fill(self.tr("New key for %1"), client_id))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.key_edit = QLineEdit(key, self)
        self.key_edit.setReadOnly(True)
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.key_edit.setFont(font)
        self.key_edit.setMinimumWidth(self.key_edit.fontMetrics().horizontalAdvance("0" * 40))
        self.reveal_button = QPushButton(self.tr("Reveal"), self)
        self.reveal_button.clicked.connect(self.reveal)
        self.copy_button = QPushButton(self.tr("Copy"), self)
        self.copy_button.clicked.connect(self.copy)
        self.copied = QLabel(self)
        row = QHBoxLayout()
        row.addWidget(self.key_edit, 1)
        row.addWidget(self.reveal_button)
        row.addWidget(self.copy_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        intro = QLabel(
            fill(
                self.tr(
                    "This is the key of <b>%1</b>. It is shown only now: copy it into the client's "
                    "settings. If it is lost, generate a new one."
                ),
                _escape(client_id),
            ),
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(row)
        # The same key for the OpenAI-compatible API: `<clientId>:<key>` at `<server>/v1`.
        api_intro = QLabel(
            self.tr(
                "<b>OpenAI-compatible API</b>: give any OpenAI client (Python, JavaScript, "
                "curl, chat apps) this base URL and API key."
            ),
            self,
        )
        api_intro.setWordWrap(True)
        self.base_url_edit = QLineEdit(base_url, self)
        self.base_url_edit.setReadOnly(True)
        self.base_url_edit.setFont(font)
        self.copy_url_button = QPushButton(self.tr("Copy"), self)
        self.copy_url_button.clicked.connect(lambda: self._copy(self.base_url_edit))
        self.api_key_edit = QLineEdit(api_key(client_id, key), self)
        self.api_key_edit.setReadOnly(True)
        self.api_key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key_edit.setFont(font)
        chars = min(len(self.api_key_edit.text()) + 2, 80)  # the whole key in view
        self.api_key_edit.setMinimumWidth(
            self.api_key_edit.fontMetrics().horizontalAdvance("0" * chars)
        )
        self.copy_api_key_button = QPushButton(self.tr("Copy"), self)
        self.copy_api_key_button.clicked.connect(lambda: self._copy(self.api_key_edit))
        api_form = QFormLayout()
        api_form.addRow(self.tr("Base URL"), _with_button(self.base_url_edit, self.copy_url_button))
        api_form.addRow(
            self.tr("API key"), _with_button(self.api_key_edit, self.copy_api_key_button)
        )
        layout.addWidget(api_intro)
        layout.addLayout(api_form)
        layout.addWidget(self.copied)
        layout.addWidget(buttons)
        self.finished.connect(self._forget)

    def reveal(self) -> None:
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Normal)
        self.api_key_edit.setEchoMode(QLineEdit.EchoMode.Normal)
        self.reveal_button.setEnabled(False)

    def copy(self) -> None:
        self._copy(self.key_edit)

    def _copy(self, edit: QLineEdit) -> None:
        QGuiApplication.clipboard().setText(edit.text())
        self.copied.setText(self.tr("Copied to the clipboard."))

    def _forget(self) -> None:
        self.key_edit.clear()
        self.api_key_edit.clear()


def openai_base_url(server_url: str) -> str:
    """`<server>/v1` as a client on this machine reaches it (a wildcard bind → loopback)."""
    host_port = server_url.split("://", 1)[-1].rstrip("/")
    host, _, port = host_port.rpartition(":")
    if host and port.isdigit():
        return api_base_url(host.strip("[]"), int(port))
    return (server_url.rstrip("/") or "http://127.0.0.1:4000") + "/v1"


def _with_button(edit: QLineEdit, button: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    row.addWidget(button)
    return row


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
