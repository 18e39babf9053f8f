"""SillyTavern menu: install the bundled extension into a SillyTavern folder, or check it.

The dialog asks for the SillyTavern folder (remembered in the preferences), the SillyTavern user
and the server URL the extension should connect to by default (prefilled with this server's own
address), says live what an install would do, and runs the Qt-free installer
(`newage_desktop.sillytavern.installer`; a copy of a few dozen small files, fast enough for the
GUI thread). The result or the error is shown in a message box.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QComboBox,
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

from newage_desktop.core.openai.urls import local_url
from newage_desktop.core.store.datadir import DataDir
from newage_desktop.core.store.jsonfiles import read_json
from newage_desktop.core.store.settings import parse_settings
from newage_desktop.gui import prompts
from newage_desktop.gui.preferences import Preferences
from newage_desktop.sillytavern import installer
from newage_desktop.sillytavern.installer import ExtensionStatus, InstallError, InstallResult

ERROR_STYLE: Final = "color: #B91C1C;"


# --- which URL the extension should use --------------------------------------------------------
def url_for_extension(host: str, port: int) -> str:
    """The URL a SillyTavern on this machine reaches the server at (wildcards → loopback)."""
    return local_url(host, port)


def extension_server_url(
    running_url: str, datadir: DataDir, host: str | None, port: int | None
) -> str:
    """This server's address: where it listens now, else where it would (read-only)."""
    if running_url:
        host_port = running_url.split("://", 1)[-1]
        bound_host, _, bound_port = host_port.rpartition(":")
        if bound_port.isdigit():
            return url_for_extension(bound_host.strip("[]"), int(bound_port))
        return running_url
    try:
        settings, _warnings = parse_settings(read_json(datadir.server_settings_file))
        configured_host, configured_port = settings.bind_address, settings.server_port
    except Exception:  # a missing or broken file: the defaults (the start reports the error)
        configured_host, configured_port = "127.0.0.1", 4000
    return url_for_extension(host or configured_host, port or configured_port)


# --- texts -------------------------------------------------------------------------------------
class ExtensionTexts(QObject):
    """The installer's results and errors in the UI's language."""

    def error(self, exc: InstallError) -> str:
        """An OS message (in `detail`) stays as the OS gave it."""
        path = str(exc.path or "")
        if exc.kind == "missing":
            if exc.path is None:
                return self.tr("Choose the folder SillyTavern is installed in.")
            if exc.path.exists():
                return self.tr("{0} is not a folder.").format(path)
            return self.tr("The folder {0} does not exist.").format(path)
        if exc.kind == "not_sillytavern":
            text = self.tr("{0} is not a SillyTavern folder (no package.json of sillytavern).")
            if exc.suggestion is not None:
                text += " " + self.tr("Did you mean {1}?")
            return text.format(path, exc.suggestion)
        if exc.kind == "bad_config":
            return self.tr("Cannot read {0}: {1}").format(path, exc.detail)
        if exc.kind == "bad_user":
            return self.tr(
                "Invalid SillyTavern user “{0}”: give the name of the user's folder, "
                "without / \\ or :."
            ).format(exc.value)
        if exc.kind == "bad_server_url":
            return self.tr(
                "Invalid server URL “{0}”: use http:// or https://, a host and a port only, for "
                "example http://127.0.0.1:4000."
            ).format(exc.value)
        if exc.kind == "not_replaceable":
            return self.tr(
                "{0} is a link or a file; move it away yourself to install a copy there."
            ).format(path)
        if exc.kind == "no_bundle":
            return self.tr(
                "The SillyTavern extension is missing from this installation ({0})."
            ).format(path)
        if exc.kind == "io":
            return self.tr("Cannot install into {0}: {1}").format(path, exc.detail)
        return str(exc)

    def version(self, version: str | None) -> str:
        return version or self.tr("(unknown version)")

    def result(self, result: InstallResult, user: str) -> str:
        new = self.version(result.version)
        if result.action == "installed":
            done = self.tr("The NewAge Desktop extension {0} is installed in:").format(new)
        elif result.action == "reinstalled":
            done = self.tr("The NewAge Desktop extension {0} was installed again in:").format(new)
        else:
            done = self.tr("The NewAge Desktop extension {0} replaced version {1} in:").format(
                new, self.version(result.previous_version)
            )
        paragraphs = [f"{done}\n{result.path}"]
        if "serverUrl" in result.defaults:
            paragraphs.append(
                self.tr("It connects to {0} by default.").format(result.defaults["serverUrl"])
            )
        if result.created_user_dir:
            paragraphs.append(
                self.tr(
                    "SillyTavern had no folder for user {0} yet: it has not been started with "
                    "this folder, or the user has another name."
                ).format(user)
            )
        paragraphs.append(
            self.tr(
                "Next: start SillyTavern (or reload its page), open Extensions → NewAge Desktop, "
                "then approve the pairing request in the Keys dock."
            )
        )
        return "\n\n".join(paragraphs)

    def status(self, status: ExtensionStatus, folder: str, user: str) -> str:
        if status.installed:
            installed = self.tr("version {0}").format(self.version(status.installed_version))
        else:
            installed = self.tr("not installed")
        lines = [
            self.tr("SillyTavern folder: {0}").format(folder),
            self.tr("SillyTavern user: {0}").format(user),
            self.tr("Extension folder: {0}").format(status.path),
            "",
            self.tr("Installed: {0}").format(installed),
            self.tr("Bundled with NewAge Desktop: {0}").format(
                self.version(status.bundled_version)
            ),
        ]
        if status.installed:
            update = self.tr("yes") if status.update_available else self.tr("no")
            lines.append(self.tr("Update available: {0}").format(update))
            url = (status.defaults or {}).get("serverUrl")
            if isinstance(url, str):
                lines.append(self.tr("Default server URL: {0}").format(url))
            else:
                lines.append(
                    self.tr("Default server URL: the extension's own ({0})").format(
                        installer.EXTENSION_DEFAULT_SERVER_URL
                    )
                )
        if not status.installed or status.update_available:
            lines += ["", self.tr("SillyTavern → Install extension… installs the bundled version.")]
        return "\n".join(lines)


# --- the dialog --------------------------------------------------------------------------------
class InstallExtensionDialog(QDialog):
    def __init__(self, prefs: Preferences, server_url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("installExtensionDialog")
        self.prefs = prefs
        self.texts = ExtensionTexts(self)
        self.outcome: InstallResult | None = None  # of the install that closed the dialog
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.folder = QLineEdit(prefs.sillytavern_folder, self)
        self.folder.setMinimumWidth(420)
        self.browse_button = QPushButton(self)
        self.browse_button.clicked.connect(self.browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.browse_button)
        self.user = QComboBox(self)
        self.user.setEditable(True)
        self.user.setCurrentText(prefs.sillytavern_user)
        self.server_url = QLineEdit(server_url, self)
        self.plan = QLabel(self)
        self.plan.setWordWrap(True)
        self.plan.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.install_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.install_button.setDefault(True)
        self.buttons.accepted.connect(self.install)
        self.buttons.rejected.connect(self.reject)
        self.folder_label, self.user_label, self.url_label = (
            QLabel(self),
            QLabel(self),
            QLabel(self),
        )
        form = QFormLayout()
        form.addRow(self.folder_label, folder_row)
        form.addRow(self.user_label, self.user)
        form.addRow(self.url_label, self.server_url)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addSpacing(4)
        layout.addWidget(self.plan)
        layout.addStretch(1)
        layout.addSpacing(8)
        layout.addWidget(self.buttons)
        self.folder.textChanged.connect(self._folder_changed)
        self.user.currentTextChanged.connect(lambda _text: self.refresh())
        self.server_url.textChanged.connect(lambda _text: self.refresh())
        self.retranslate()
        self._folder_changed()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Install the SillyTavern extension"))
        self.intro.setText(
            self.tr(
                "Copies the NewAge Desktop extension into SillyTavern, so that SillyTavern "
                "connects to this server. An older copy is replaced."
            )
        )
        self.folder_label.setText(self.tr("SillyTavern folder:"))
        self.folder.setPlaceholderText(self.tr("The folder with SillyTavern's package.json"))
        self.browse_button.setText(self.tr("Browse…"))
        self.user_label.setText(self.tr("SillyTavern user:"))
        self.url_label.setText(self.tr("Server URL:"))
        self.server_url.setPlaceholderText(installer.EXTENSION_DEFAULT_SERVER_URL)
        self.server_url.setToolTip(
            self.tr(
                "Where the extension connects unless changed in SillyTavern; empty: the "
                "extension's own default"
            )
        )
        self.install_button.setText(self.tr("Install"))
        self.refresh()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # --- input ---------------------------------------------------------------------------------
    def browse(self) -> None:
        start = self.folder.text().strip() or str(Path.home())
        chosen = prompts.choose_folder(self, self.tr("Choose the SillyTavern folder"), start)
        if chosen:
            self.folder.setText(chosen)

    def _folder_changed(self) -> None:
        """Offer the users SillyTavern has in this folder (multi-user installs)."""
        users: list[str] = []
        try:
            folder = installer.check_sillytavern_dir(self.folder.text().strip())
            users = installer.existing_users(installer.data_root(folder))
        except InstallError:
            pass
        current = self.user.currentText() or self.prefs.sillytavern_user
        if current not in users:
            users.insert(0, current)
        blocked = self.user.blockSignals(True)
        self.user.clear()
        self.user.addItems(users)
        self.user.setCurrentText(current)
        self.user.blockSignals(blocked)
        self.refresh()

    def _url(self) -> str | None:
        return self.server_url.text().strip() or None

    def refresh(self) -> None:
        """Say what Install would do, or why it cannot; Install is enabled only if it can."""
        folder = self.folder.text().strip()
        if not folder:
            self._plan(self.tr("Choose the folder SillyTavern is installed in."), ok=False)
            return
        try:
            status = installer.status(folder, user=self.user.currentText())
            url = self._url()
            if url is not None:
                installer.check_server_url(url)
        except InstallError as exc:
            self._plan(self.texts.error(exc), ok=False, error=True)
            return
        bundled = self.texts.version(status.bundled_version)
        if not status.installed:
            text = self.tr("SillyTavern found. Install copies version {0} to:").format(bundled)
        elif status.installed_version == status.bundled_version:
            text = self.tr("Version {0} is installed; Install copies it again to:").format(bundled)
        else:
            text = self.tr("Version {0} is installed; Install replaces it by {1} in:").format(
                self.texts.version(status.installed_version), bundled
            )
        self._plan(f"{text}\n{status.path}", ok=True)

    def _plan(self, text: str, *, ok: bool, error: bool = False) -> None:
        self.plan.setText(text)
        self.plan.setStyleSheet(ERROR_STYLE if error else "")
        self.install_button.setEnabled(ok)

    # --- install -------------------------------------------------------------------------------
    def install(self) -> None:
        folder, user = self.folder.text().strip(), self.user.currentText()
        try:
            result = installer.install(folder, user=user, server_url=self._url())
        except InstallError as exc:
            prompts.error(self, self.tr("The extension was not installed"), self.texts.error(exc))
            self.refresh()
            return
        self.prefs.sillytavern_folder = str(installer.check_sillytavern_dir(folder))
        self.prefs.sillytavern_user = user
        self.outcome = result
        self.accept()
        prompts.information(
            self.parentWidget(),
            self.tr("SillyTavern extension installed"),
            self.texts.result(result, user),
        )


def show_status(parent: QWidget | None, prefs: Preferences) -> None:
    """The extension's state in the remembered SillyTavern folder (asked for if none yet)."""
    texts = ExtensionTexts()
    folder = prefs.sillytavern_folder or prompts.choose_folder(
        parent,
        QCoreApplication.translate("ExtensionTexts", "Choose the SillyTavern folder"),
        str(Path.home()),
    )
    if not folder:
        return
    title = QCoreApplication.translate("ExtensionTexts", "SillyTavern extension")
    user = prefs.sillytavern_user
    try:
        status = installer.status(folder, user=user)
    except InstallError as exc:
        prompts.error(parent, title, texts.error(exc))
        return
    prefs.sillytavern_folder = str(installer.check_sillytavern_dir(folder))
    prompts.information(
        parent,
        title,
        texts.status(status, prefs.sillytavern_folder, user),
    )
