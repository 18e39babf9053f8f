"""Settings: the server's (written to server_settings.json) and the window's own (QSettings).

Server settings go through the running core (`settings_store.update`, so they apply at once
where PROTOCOL.md §11 allows) or, while the server is stopped (say, because its port was
taken), straight to the file on the server's thread. Only changed fields are written, so values
the dialog cannot represent exactly stay as the operator wrote them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from newage_desktop.core.store.settings import check_setting
from newage_desktop.gui.admin_ui_settings import AdminUiGroup
from newage_desktop.gui.autostart_setting import AutostartCheckBox
from newage_desktop.gui.bridge import CoreBridge
from newage_desktop.gui.origins_editor import OriginsEditor
from newage_desktop.gui.preferences import (
    NOTIFY_AUTH_FAILURES,
    NOTIFY_EXTENSIONS,
    NOTIFY_PAIRING,
    Preferences,
)
from newage_desktop.gui.server_settings import (
    RESTART_SETTINGS,
    read_server_settings,
    write_server_settings,
)
from newage_desktop.gui.tasks import spawn

log = logging.getLogger("newage.gui")

LOOPBACK: Final = frozenset({"127.0.0.1", "localhost", "::1"})
ERROR_STYLE: Final = "color: #B91C1C;"
WARNING_STYLE: Final = (
    "QLabel { background: #FEF2F2; color: #991B1B; border: 1px solid #FCA5A5;"
    " border-radius: 3px; padding: 4px; }"
)
MAX_TIMEOUT_S: Final = (2**31 - 1) // 1000


class SettingsDialog(QDialog):
    # Server settings were written: the wire names that need a restart to apply.
    saved = Signal(list)

    def __init__(
        self,
        bridge: CoreBridge,
        prefs: Preferences,
        *,
        tray_available: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.bridge = bridge
        self.prefs = prefs
        self.tray_available = tray_available
        self.loaded: dict[str, Any] = {}  # wire values as the widgets showed them when loaded
        self.restart_needed: list[str] = []
        self.save_task: asyncio.Task[None] | None = None
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._server_page(), "")
        self.tabs.addTab(self._security_page(), "")
        self.tabs.addTab(self._desktop_page(), "")
        self.load_error = _label(self, ERROR_STYLE)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.load_error)
        layout.addWidget(self.buttons)
        # Until load() has shown the current values, OK would write the widgets' defaults.
        self.ok_button.setEnabled(False)
        self._load_preferences()
        self.retranslate()
        self.resize(640, self.sizeHint().height())

    # --- pages ---------------------------------------------------------------------------------
    def _server_page(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.restart_note = _label(page)
        form.addRow(self.restart_note)
        self.host = QComboBox(page)
        self.host.setEditable(True)
        self.host.addItems(["127.0.0.1", "0.0.0.0", "::"])
        self.host.currentTextChanged.connect(self._update_warnings)
        self.host_label = QLabel(page)
        form.addRow(self.host_label, self.host)
        self.host_error = _label(page, ERROR_STYLE)
        form.addRow(self.host_error)
        self.lan_warning = _label(page, WARNING_STYLE)
        form.addRow(self.lan_warning)
        self.port = QSpinBox(page)
        self.port.setRange(1, 65535)
        self.port.setMaximumWidth(120)
        self.port_label = QLabel(page)
        form.addRow(self.port_label, self.port)
        self.origins = OriginsEditor(page, error_style=ERROR_STYLE, warning_style=WARNING_STYLE)
        form.addRow(self.origins)
        self.override_note = _label(page)
        form.addRow(self.override_note)
        return page

    def _security_page(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        self.network_safe = QCheckBox(page)
        self.network_safe.toggled.connect(self._update_warnings)
        form.addRow(self.network_safe)
        self.network_safe_warning = _label(page, WARNING_STYLE)
        form.addRow(self.network_safe_warning)
        self.pairing = QCheckBox(page)
        form.addRow(self.pairing)
        self.allow_key_requests = QCheckBox(page)
        form.addRow(self.allow_key_requests)
        self.pairing_timeout = QSpinBox(page)
        self.pairing_timeout.setRange(1, MAX_TIMEOUT_S)
        self.pairing_timeout.setMaximumWidth(140)
        self.pairing_timeout_label = QLabel(page)
        form.addRow(self.pairing_timeout_label, self.pairing_timeout)
        self.admin_ui = AdminUiGroup(page, error_style=ERROR_STYLE)
        form.addRow(self.admin_ui)
        self.host.currentTextChanged.connect(self._update_admin_ui_url)
        self.port.valueChanged.connect(self._update_admin_ui_url)
        return page

    def _update_admin_ui_url(self) -> None:
        host = self.host.currentText().strip()
        host = "localhost" if host in ("0.0.0.0", "::", "") else host
        host = f"[{host}]" if ":" in host else host
        self.admin_ui.set_url(f"http://{host}:{self.port.value()}")

    def _desktop_page(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        self.autostart = AutostartCheckBox(self.bridge.runtime.datadir.root, parent=page)
        form.addRow(self.autostart)
        self.close_to_tray = QCheckBox(page)
        self.close_to_tray.setEnabled(self.tray_available)
        form.addRow(self.close_to_tray)
        self.no_tray_note = _label(page)
        self.no_tray_note.setVisible(not self.tray_available)
        form.addRow(self.no_tray_note)
        self.notifications_label = QLabel(page)
        form.addRow(self.notifications_label)
        self.notify: dict[str, QCheckBox] = {}
        for key in (NOTIFY_EXTENSIONS, NOTIFY_PAIRING, NOTIFY_AUTH_FAILURES):
            box = QCheckBox(page)
            box.setEnabled(self.tray_available)
            self.notify[key] = box
            form.addRow(box)
        self.language = QComboBox(page)
        self.language.setMaximumWidth(240)
        # Each language is named in itself, so anyone can find theirs.
        for code, name in (("", ""), ("en", "English"), ("zh_CN", "简体中文")):
            self.language.addItem(name, code)
        self.language_label = QLabel(page)
        form.addRow(self.language_label, self.language)
        return page

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Settings"))
        self.tabs.setTabText(0, self.tr("Server"))
        self.tabs.setTabText(1, self.tr("Security and pairing"))
        self.tabs.setTabText(2, self.tr("Desktop"))
        self.restart_note.setText(
            self.tr("Changes on this page take effect after the server restarts.")
        )
        self.host_label.setText(self.tr("Listen address:"))
        self.host.setToolTip(
            self.tr("127.0.0.1: this computer only. 0.0.0.0 or ::: every network interface (LAN).")
        )
        self.port_label.setText(self.tr("Port:"))
        self.origins.retranslate()
        self.network_safe.setText(
            self.tr("networkSafe: accept every client without a key (no authentication)")
        )
        self.pairing.setText(
            self.tr("Let unknown clients request a key (you approve each request)")
        )
        self.allow_key_requests.setText(
            self.tr("Give trusted clients a new key on request without asking")
        )
        self.pairing_timeout_label.setText(self.tr("A pairing request expires after:"))
        self.pairing_timeout.setSuffix(self.tr(" s"))
        self.admin_ui.retranslate()
        self.autostart.retranslate()
        self.close_to_tray.setText(
            self.tr("Closing the window keeps the server running in the tray")
        )
        self.no_tray_note.setText(
            self.tr(
                "No system tray is available on this desktop: closing the window asks before "
                "quitting, and notifications are not shown."
            )
        )
        self.notifications_label.setText(self.tr("Notifications:"))
        self.notify[NOTIFY_EXTENSIONS].setText(self.tr("An extension connects or disconnects"))
        self.notify[NOTIFY_PAIRING].setText(self.tr("A client asks for a key (pairing request)"))
        self.notify[NOTIFY_AUTH_FAILURES].setText(self.tr("Repeated authentication failures"))
        self.language.setItemText(0, self.tr("System default"))
        self.language_label.setText(self.tr("Language:"))
        runtime = self.bridge.runtime
        overrides = [f"--host {runtime.host}"] if runtime.host else []
        if runtime.port is not None:
            overrides.append(f"--port {runtime.port}")
        self.override_note.setText(
            self.tr(
                "This run listens as given on the command line ({0}); saved values apply when "
                "the app is started without it."
            ).format(" ".join(overrides))
            if overrides
            else ""
        )
        self.override_note.setVisible(bool(overrides))
        self._update_warnings()

    def _update_warnings(self) -> None:
        lan = self.host.currentText().strip() not in LOOPBACK
        self.lan_warning.setText(
            self.tr(
                "Other devices on your network can reach the server. Keep networkSafe off and "
                "give keys only to clients you trust."
            )
        )
        self.lan_warning.setVisible(lan)
        self.network_safe_warning.setText(
            self.tr(
                "With networkSafe on, anyone who can reach the port can connect as any client "
                "and act as admin. Use it only on a network you fully control."
            )
        )
        self.network_safe_warning.setVisible(self.network_safe.isChecked())

    # --- loading -------------------------------------------------------------------------------
    def _load_preferences(self) -> None:
        autostart_error = self.autostart.load()
        if autostart_error is not None:
            self.load_error.setText(autostart_error)
            self.load_error.show()
        self.close_to_tray.setChecked(self.tray_available and self.prefs.close_to_tray)
        for key, box in self.notify.items():
            box.setChecked(self.prefs.notify(key))
        index = self.language.findData(self.prefs.language)
        self.language.setCurrentIndex(max(0, index))

    async def load(self) -> None:
        """Show the server settings in effect (the running core's, else the file's)."""
        datadir = self.bridge.runtime.datadir
        try:
            if self.bridge.running:
                wire = await self.bridge.call(lambda core: core.settings.to_wire())
            else:
                wire = await self.bridge.runtime.acall(lambda: read_server_settings(datadir))
        except Exception as exc:
            self.load_error.setText(self.tr("Cannot read the server settings: {0}").format(exc))
            self.load_error.show()
            return
        self.host.setCurrentText(str(wire["bindAddress"]))
        self.port.setValue(int(wire["serverPort"]))
        self.origins.set_value(wire["corsAllowedOrigins"])
        self.network_safe.setChecked(bool(wire["networkSafe"]))
        self.pairing.setChecked(bool(wire["pairingRequests"]))
        self.allow_key_requests.setChecked(bool(wire["allowKeyRequests"]))
        self.pairing_timeout.setValue(max(1, round(int(wire["pairingTimeoutMs"]) / 1000)))
        self.admin_ui.set_values(wire)
        self._update_admin_ui_url()
        self.loaded = self.server_values()
        self.ok_button.setEnabled(True)

    # --- saving --------------------------------------------------------------------------------
    def server_values(self) -> dict[str, Any]:
        return {
            "bindAddress": self.host.currentText().strip(),
            "serverPort": self.port.value(),
            "corsAllowedOrigins": self.origins.value(),
            "networkSafe": self.network_safe.isChecked(),
            "pairingRequests": self.pairing.isChecked(),
            "allowKeyRequests": self.allow_key_requests.isChecked(),
            "pairingTimeoutMs": self.pairing_timeout.value() * 1000,
            **self.admin_ui.values(),
        }

    def changes(self) -> dict[str, Any]:
        values = self.server_values()
        return {name: value for name, value in values.items() if self.loaded.get(name) != value}

    def validate(self) -> bool:
        """Check the changed values with the server's own rules; show problems inline."""
        self.host_error.hide()
        ok = self.origins.commit_entry()
        values = self.server_values()
        if check_setting("bindAddress", values["bindAddress"])[1] is not None:
            self.host_error.setText(
                self.tr("Enter an address without spaces, such as 127.0.0.1 or 0.0.0.0.")
            )
            self.host_error.show()
            ok = False
        for name, value in values.items():
            if check_setting(name, value)[1] is not None:
                ok = False
        if not ok:
            self.tabs.setCurrentIndex(0)
        elif not self.admin_ui.validate():
            self.tabs.setCurrentIndex(1)
            ok = False
        return ok

    def accept(self) -> None:
        if not self.validate():
            return
        self.buttons.setEnabled(False)
        self.save_task = spawn(self.save())

    async def save(self) -> None:
        autostart_error = self.autostart.apply()  # first: on failure nothing else is saved
        if autostart_error is not None:
            self.load_error.setText(autostart_error)
            self.load_error.show()
            self.tabs.setCurrentIndex(2)
            self.buttons.setEnabled(True)
            return
        changes = self.changes()
        try:
            changes.update(await self.admin_ui.password_hash())
            if changes:
                await write_server_settings(self.bridge, changes)
        except Exception as exc:
            self.load_error.setText(self.tr("Cannot save the server settings: {0}").format(exc))
            self.load_error.show()
            self.buttons.setEnabled(True)
            return
        self._save_preferences()
        self.restart_needed = sorted(RESTART_SETTINGS & set(changes))
        super().accept()
        self.saved.emit(self.restart_needed)

    def _save_preferences(self) -> None:
        if self.tray_available:
            self.prefs.close_to_tray = self.close_to_tray.isChecked()
        for key, box in self.notify.items():
            self.prefs.set_notify(key, box.isChecked())
        self.prefs.language = str(self.language.currentData() or "")
        self.prefs.sync()


def _label(parent: QWidget, style: str = "") -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if style:
        label.setStyleSheet(style)
        label.hide()
    return label
