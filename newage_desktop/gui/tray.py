"""The tray icon: server state at a glance, the app's main commands, notifications.

Only created where `QSystemTrayIcon.isSystemTrayAvailable()`; elsewhere (offscreen, some GNOME
set-ups) the app is an ordinary window that asks before quitting.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from newage_desktop.gui.actions import AppActions
from newage_desktop.gui.resources import TrayState, tray_icon
from newage_desktop.gui.status_bar import counts_text, state_text
from newage_desktop.gui.status_model import StatusModel

NOTIFICATION_MS = 8000


def icon_state(state: str) -> TrayState:
    if state == "running":
        return "running"
    if state == "error":
        return "error"
    return "stopped"


class Tray(QObject):
    def __init__(
        self, actions: AppActions, model: StatusModel, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.actions = actions
        self.icon = QSystemTrayIcon(self)
        self.icon.setObjectName("trayIcon")
        self.state: TrayState | None = None
        # A QMenu without a parent is not owned by the tray icon: keep it on self.
        self.menu = QMenu()
        self.menu.setObjectName("trayMenu")
        self.menu.addAction(actions.show_window)
        self.menu.addSeparator()
        self.menu.addAction(actions.start_stop)
        self.menu.addAction(actions.copy_url)
        self.menu.addAction(actions.open_data_folder)
        self.menu.addSeparator()
        self.menu.addAction(actions.quit)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_activated)
        # What a click on the last message does (where the platform reports such clicks).
        self._on_message_click: Callable[[], None] | None = None
        self.icon.messageClicked.connect(self._message_clicked)
        model.changed.connect(self.update_from_model)
        self.update_from_model()
        self.icon.show()

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        # A left click toggles the window, as in most tray apps; the menu is on right click.
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.actions.show_window.trigger()

    def update_from_model(self) -> None:
        status = self.model.status
        state = icon_state(status.state)
        if state != self.state:
            self.state = state
            self.icon.setIcon(tray_icon(state))
        lines = [self.tr("NewAge Desktop"), state_text(status)]
        if status.state == "running":
            lines.append(counts_text(status))
            if status.network_safe:
                lines.append(self.tr("⚠ networkSafe is ON: no authentication"))
        elif status.detail:
            lines.append(status.detail)
        self.icon.setToolTip("\n".join(lines))

    def show_message(
        self, title: str, text: str, *, on_click: Callable[[], None] | None = None
    ) -> None:
        self._on_message_click = on_click
        self.icon.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, NOTIFICATION_MS)

    def _message_clicked(self) -> None:
        if self._on_message_click is not None:
            self._on_message_click()

    def hide(self) -> None:
        self.icon.hide()
