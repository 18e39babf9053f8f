"""The main window: arranges the six docks, the menus and the status bar; nothing else.

Each dock is a small plugin that talks to the server through the `CoreBridge` itself; the
window only places them, remembers where the user put them, and forwards a close request to
the app (which decides between hiding to the tray and quitting).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from PySide6.QtCore import QByteArray, QEvent, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QWidget

from newage_desktop.gui.actions import AppActions
from newage_desktop.gui.bridge import CoreBridge
from newage_desktop.gui.docks.chat import ChatDock
from newage_desktop.gui.docks.clients import ClientsDock
from newage_desktop.gui.docks.keys import KeysDock
from newage_desktop.gui.docks.log import LogDock
from newage_desktop.gui.docks.rooms import RoomsDock
from newage_desktop.gui.docks.stats import StatsDock
from newage_desktop.gui.preferences import Preferences
from newage_desktop.gui.resources import app_icon
from newage_desktop.gui.status_bar import ServerStatusBar
from newage_desktop.gui.status_model import StatusModel

# Bump when the default arrangement changes, so an old saved state is not applied to it.
LAYOUT_VERSION: Final = 1
DEFAULT_SIZE: Final = (1280, 800)


class MainWindow(QMainWindow):
    def __init__(
        self,
        bridge: CoreBridge,
        actions: AppActions,
        status: StatusModel,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowIcon(app_icon())
        self.bridge = bridge
        self.app_actions = actions
        # Asked on every close request; returns True if the window may close (see AppController).
        self.close_guard: Callable[[], bool] | None = None
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowNestedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
        )
        self.clients = ClientsDock(bridge, self)
        self.keys = KeysDock(bridge, self)
        self.rooms = RoomsDock(bridge, self)
        self.chat = ChatDock(bridge, self)
        self.log = LogDock(bridge, self)
        self.stats = StatsDock(bridge, self)
        self.docks: list[QDockWidget] = [
            self.clients,
            self.keys,
            self.rooms,
            self.chat,
            self.log,
            self.stats,
        ]
        self._arrange_default()
        self._default_state = self.saveState(LAYOUT_VERSION)
        self.status_bar = ServerStatusBar(status, self)
        self.setStatusBar(self.status_bar)
        self._build_menus()
        status.changed.connect(self._update_title)
        self.resize(*DEFAULT_SIZE)
        self.retranslate()

    # --- layout --------------------------------------------------------------------------------
    def _arrange_default(self) -> None:
        """Who is connected on the left, the conversation on the right, logs and plots below."""
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        self.addDockWidget(left, self.clients)
        self.addDockWidget(left, self.keys)
        self.addDockWidget(left, self.rooms)
        self.tabifyDockWidget(self.clients, self.keys)
        self.tabifyDockWidget(self.keys, self.rooms)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.chat)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.log)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.stats)
        self.tabifyDockWidget(self.log, self.stats)
        for dock in (self.clients, self.log):
            dock.raise_()
        width, height = DEFAULT_SIZE
        self.resizeDocks(
            [self.clients, self.chat],
            [width * 11 // 20, width * 9 // 20],
            Qt.Orientation.Horizontal,
        )
        self.resizeDocks(
            [self.clients, self.log], [height * 13 // 20, height * 7 // 20], Qt.Orientation.Vertical
        )

    def show_dock(self, dock: QDockWidget) -> None:
        """Make `dock` visible and, if tabbed with others, its tab the current one."""
        dock.show()
        dock.raise_()

    def reset_layout(self) -> None:
        for dock in self.docks:
            dock.setFloating(False)
            dock.show()
        self.restoreState(self._default_state, LAYOUT_VERSION)
        for dock in (self.clients, self.log):
            dock.raise_()

    def restore_layout(self, prefs: Preferences) -> None:
        geometry, state = prefs.window_layout(LAYOUT_VERSION)
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state, LAYOUT_VERSION)

    def save_layout(self, prefs: Preferences) -> None:
        prefs.save_window_layout(
            LAYOUT_VERSION, self.saveGeometry(), self.saveState(LAYOUT_VERSION)
        )

    def layout_state(self) -> QByteArray:
        return self.saveState(LAYOUT_VERSION)

    # --- menus ---------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        bar = self.menuBar()
        a = self.app_actions
        self.file_menu = self._menu(bar.addMenu(""), "fileMenu")
        self.file_menu.addAction(a.open_data_folder)
        self.file_menu.addAction(a.settings)
        self.file_menu.addSeparator()
        self.file_menu.addAction(a.quit)
        self.server_menu = self._menu(bar.addMenu(""), "serverMenu")
        self.server_menu.addAction(a.start_stop)
        self.server_menu.addAction(a.copy_url)
        self.sillytavern_menu = self._menu(bar.addMenu(""), "sillytavernMenu")
        self.sillytavern_menu.addAction(a.install_extension)
        self.sillytavern_menu.addAction(a.extension_status)
        self.view_menu = self._menu(bar.addMenu(""), "viewMenu")
        for dock in self.docks:
            self.view_menu.addAction(dock.toggleViewAction())
        self.view_menu.addSeparator()
        self.view_menu.addAction(a.reset_layout)
        self.help_menu = self._menu(bar.addMenu(""), "helpMenu")
        self.help_menu.addAction(a.about)

    @staticmethod
    def _menu(menu: QMenu, name: str) -> QMenu:
        menu.setObjectName(name)
        return menu

    def retranslate(self) -> None:
        self.file_menu.setTitle(self.tr("&File"))
        self.server_menu.setTitle(self.tr("&Server"))
        self.sillytavern_menu.setTitle(self.tr("S&illyTavern"))
        self.view_menu.setTitle(self.tr("&View"))
        self.help_menu.setTitle(self.tr("&Help"))
        self._update_title()

    def _update_title(self) -> None:
        status = self.status_bar.model.status
        title = self.tr("NewAge Desktop")
        if status.state == "running" and status.url:
            title = f"{title} — {status.url}"
        self.setWindowTitle(title)

    # --- events --------------------------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.close_guard is None or self.close_guard():
            event.accept()
        else:
            event.ignore()
