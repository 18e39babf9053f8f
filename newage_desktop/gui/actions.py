"""The app's commands as QActions, shared by the menus and the tray so both stay in step."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence


class AppActions(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.show_window = QAction(self)
        self.start_stop = QAction(self)
        self.copy_url = QAction(self)
        self.open_data_folder = QAction(self)
        self.settings = QAction(self)
        self.settings.setShortcut(QKeySequence("Ctrl+,"))
        self.settings.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.quit = QAction(self)
        self.quit.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit.setMenuRole(QAction.MenuRole.QuitRole)
        self.reset_layout = QAction(self)
        self.install_extension = QAction(self)
        self.extension_status = QAction(self)
        self.about = QAction(self)
        self.about.setMenuRole(QAction.MenuRole.AboutRole)
        self._server_running = False
        self._window_visible = True
        for name in vars(self):
            action = getattr(self, name)
            if isinstance(action, QAction):
                action.setObjectName(f"action_{name}")
        self.retranslate()

    def set_server_state(self, state: str) -> None:
        self._server_running = state == "running"
        busy = state in ("starting", "stopping")
        self.start_stop.setEnabled(not busy)
        self.copy_url.setEnabled(self._server_running)
        self._set_start_stop_text()

    def set_window_visible(self, visible: bool) -> None:
        self._window_visible = visible
        self.show_window.setText(self.tr("Hide window") if visible else self.tr("Show window"))

    def _set_start_stop_text(self) -> None:
        self.start_stop.setText(
            self.tr("Stop server") if self._server_running else self.tr("Start server")
        )

    def retranslate(self) -> None:
        self.set_window_visible(self._window_visible)
        self._set_start_stop_text()
        self.copy_url.setText(self.tr("Copy server URL"))
        self.open_data_folder.setText(self.tr("Open data folder"))
        self.settings.setText(self.tr("Settings…"))
        self.quit.setText(self.tr("Quit"))
        self.quit.setToolTip(self.tr("Stop the server and quit"))
        self.reset_layout.setText(self.tr("Reset layout"))
        self.install_extension.setText(self.tr("Install extension…"))
        self.install_extension.setToolTip(
            self.tr("Copy the NewAge Desktop extension into a SillyTavern folder")
        )
        self.extension_status.setText(self.tr("Extension status…"))
        self.about.setText(self.tr("About NewAge Desktop"))
