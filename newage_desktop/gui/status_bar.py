"""The status bar: where the server listens (click to copy), auth mode, uptime, counts."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QStatusBar, QToolButton, QWidget

from newage_desktop.gui.status_model import ServerStatus, StatusModel


def format_uptime(seconds: int) -> str:
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours >= 24:
        days, hours = divmod(hours, 24)
        return QCoreApplication.translate("Status", "{0} d {1}:{2:02d}:{3:02d}").format(
            days, hours, minutes, secs
        )
    return f"{hours}:{minutes:02d}:{secs:02d}"


def counts_text(status: ServerStatus) -> str:
    return QCoreApplication.translate(
        "Status", "Clients: {0} · Extensions: {1} · Pairing requests: {2}"
    ).format(status.clients, status.extensions, status.pending_pairing)


def state_text(status: ServerStatus) -> str:
    """What the address field says when there is no address to show."""
    if status.state == "running" and status.url:
        return status.url
    texts = {
        "starting": QCoreApplication.translate("Status", "Starting…"),
        "running": QCoreApplication.translate("Status", "Running"),
        "stopping": QCoreApplication.translate("Status", "Stopping…"),
        "stopped": QCoreApplication.translate("Status", "Server stopped"),
        "error": QCoreApplication.translate("Status", "Server not running (start failed)"),
    }
    return texts.get(status.state, status.state)


NETWORK_SAFE_STYLE = (
    "QLabel { background: #B91C1C; color: white; font-weight: bold; padding: 1px 6px;"
    " border-radius: 3px; }"
)


class ServerStatusBar(QStatusBar):
    def __init__(self, model: StatusModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("serverStatusBar")
        self.model = model
        self.address = QToolButton(self)
        self.address.setObjectName("statusAddress")
        self.address.setAutoRaise(True)
        self.address.setCursor(Qt.CursorShape.PointingHandCursor)
        self.address.clicked.connect(self.copy_url)
        self.auth = QLabel(self)
        self.auth.setObjectName("statusAuth")
        self.uptime = QLabel(self)
        self.uptime.setObjectName("statusUptime")
        self.counts = QLabel(self)
        self.counts.setObjectName("statusCounts")
        self.addWidget(self.address)
        self.addWidget(self.auth)
        self.addPermanentWidget(self.counts)
        self.addPermanentWidget(self.uptime)
        model.changed.connect(self.update_from_model)
        self.update_from_model()

    def copy_url(self) -> None:
        url = self.model.status.url
        if self.model.status.state != "running" or not url:
            return
        QGuiApplication.clipboard().setText(url)
        self.showMessage(self.tr("Copied {0} to the clipboard").format(url), 3000)

    def update_from_model(self) -> None:
        status = self.model.status
        running = status.state == "running"
        self.address.setText(state_text(status))
        self.address.setToolTip(
            self.tr("Click to copy the server URL")
            if running
            else (status.detail or self.tr("The server is not running"))
        )
        if running and status.network_safe:
            self.auth.setText(self.tr("⚠ networkSafe is ON: no authentication"))
            self.auth.setToolTip(
                self.tr(
                    "Any client can connect without a key and any monitor is admin. "
                    "Turn networkSafe off in Settings."
                )
            )
            self.auth.setStyleSheet(NETWORK_SAFE_STYLE)
        else:
            self.auth.setText(self.tr("Authentication: keys") if running else "")
            self.auth.setToolTip(self.tr("Clients need a trusted clientId and its key"))
            self.auth.setStyleSheet("")
        self.auth.setVisible(running)
        self.counts.setText(counts_text(status) if running else "")
        self.counts.setVisible(running)
        self.uptime.setText(
            self.tr("Up {0}").format(format_uptime(status.uptime)) if running else ""
        )
        self.uptime.setVisible(running)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.update_from_model()
        super().changeEvent(event)
