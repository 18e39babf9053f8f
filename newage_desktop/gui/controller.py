"""The application object: owns the server runtime, the window, the tray, and their commands.

Quit always goes through `quit()`, which stops the server (live sockets close, streams end)
before the process exits; closing the window either hides it to the tray (a setting) or asks
first, because without a tray closing the window is quitting.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QTranslator, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QSystemTrayIcon

from newage_desktop.core.app import Core
from newage_desktop.core.rooms.store import CorruptDatabaseError
from newage_desktop.core.store.jsonfiles import CorruptFileError
from newage_desktop.gui import prompts
from newage_desktop.gui.about_dialog import AboutDialog
from newage_desktop.gui.actions import AppActions
from newage_desktop.gui.bridge import CoreBridge
from newage_desktop.gui.extension_install import (
    InstallExtensionDialog,
    extension_server_url,
    show_status,
)
from newage_desktop.gui.main_window import MainWindow
from newage_desktop.gui.notifications import Notifier
from newage_desktop.gui.preferences import Preferences
from newage_desktop.gui.resources import (
    effective_language,
    install_translators,
    remove_translators,
)
from newage_desktop.gui.server_settings import restart_labels
from newage_desktop.gui.settings_dialog import SettingsDialog
from newage_desktop.gui.startup import LogFiles, aside_path, move_aside
from newage_desktop.gui.status_model import StatusModel
from newage_desktop.gui.tasks import run_outside_task, spawn
from newage_desktop.gui.tray import Tray
from newage_desktop.runtime import ServerRuntime
from newage_desktop.transport.server import StartupError

log = logging.getLogger("newage.gui")


GIL_SWITCH_INTERVAL = 0.01


class AppController(QObject):
    # The app should end its event loop (run_gui connects this to QApplication.quit).
    quit_requested = Signal()

    def __init__(
        self,
        runtime: ServerRuntime,
        prefs: Preferences,
        *,
        tray_available: bool | None = None,
        translators: list[QTranslator] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        # The relay's thread and this (GUI) thread share the GIL. With the default 5 ms switch
        # interval every wake-up of the GUI thread forced the relay to hand the GIL over, and a
        # window showing a max-rate stream cost the relay 15-20% of its throughput; at 10 ms it
        # costs nothing measurable and the GUI loop's lag stays far below 50 ms (p99 8-18 ms;
        # docs/PERFORMANCE.md).
        sys.setswitchinterval(GIL_SWITCH_INTERVAL)
        self.runtime = runtime
        self.prefs = prefs
        self.translators = translators or []
        self.language = effective_language(prefs.language)
        if tray_available is None:
            tray_available = QSystemTrayIcon.isSystemTrayAvailable()
        self.tray_available = tray_available
        self.log_files = LogFiles()
        self.bridge = CoreBridge(runtime, self)
        self.status = StatusModel(self.bridge, self)
        self.actions = AppActions(self)
        self.window = MainWindow(self.bridge, self.actions, self.status)
        self.window.restore_layout(prefs)
        self.window.close_guard = self._close_requested
        self.tray = Tray(self.actions, self.status, self) if tray_available else None
        self.notifier = Notifier(self.bridge, prefs, self.notify, self)
        self.settings_dialog: SettingsDialog | None = None
        self.install_dialog: InstallExtensionDialog | None = None
        self.about_dialog: AboutDialog | None = None
        self.quitting = False
        self._wire_actions()
        self.bridge.state_changed.connect(self._on_state)
        self.actions.set_server_state(self.bridge.state)

    def _wire_actions(self) -> None:
        a = self.actions
        a.show_window.triggered.connect(self.toggle_window)
        a.start_stop.triggered.connect(self.toggle_server)
        a.copy_url.triggered.connect(self.copy_url)
        a.open_data_folder.triggered.connect(self.open_data_folder)
        a.settings.triggered.connect(self.open_settings)
        a.quit.triggered.connect(self.quit)
        a.reset_layout.triggered.connect(self.window.reset_layout)
        a.install_extension.triggered.connect(self.install_extension)
        a.extension_status.triggered.connect(lambda: show_status(self.window, self.prefs))
        a.about.triggered.connect(self.about)

    def _on_state(self, state: str, _detail: str) -> None:
        self.actions.set_server_state(state)

    # --- window --------------------------------------------------------------------------------
    def show_window(self) -> None:
        """Also what a second launch triggers (single instance)."""
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()
        self.actions.set_window_visible(True)

    def show_at_start(self, *, minimized: bool) -> None:
        """`minimized` (--minimized, as autostart runs the app) leaves only the tray icon, unless
        there is no tray: a hidden window could then not be brought back."""
        if minimized and self.tray is not None:
            log.info("Started minimized: the window stays hidden; the tray icon shows it")
            self.hide_window()
            return
        if minimized:
            log.info("--minimized ignored: no system tray to show the window from; showing it")
        self.show_window()

    def hide_window(self) -> None:
        self.window.hide()
        self.actions.set_window_visible(False)

    def show_keys(self) -> None:
        """Where pairing requests are approved (a click on their notification)."""
        self.show_window()
        self.window.show_dock(self.window.keys)

    def toggle_window(self) -> None:
        if self.window.isVisible() and not self.window.isMinimized():
            self.hide_window()
        else:
            self.show_window()

    def _close_requested(self) -> bool:
        if self.quitting:
            return True
        if self.tray is not None and self.prefs.close_to_tray:
            self.hide_window()
            if not self.prefs.tray_hint_shown:
                self.tray.show_message(
                    self.tr("NewAge Desktop is still running"),
                    self.tr(
                        "The server keeps running in the tray. Choose Quit in the tray menu to "
                        "stop it. (You can change this in Settings.)"
                    ),
                )
                self.prefs.tray_hint_shown = True
            return False
        if prompts.confirm(
            self.window,
            self.tr("Quit NewAge Desktop?"),
            self.tr(
                "Quitting stops the server: connected clients are disconnected and running "
                "requests end."
            ),
            self.tr("Quit"),
        ):
            self.quit()
            return True
        return False

    # --- server --------------------------------------------------------------------------------
    async def start_server(self) -> bool:
        """Start listening; on failure explain, and offer the ways out. True once running."""
        while not self.bridge.running:
            try:
                url = await self.bridge.start_server()
            except (CorruptFileError, CorruptDatabaseError) as exc:
                if not await self._offer_move_aside(exc.path, str(exc)):
                    return False
            except StartupError as exc:  # port taken, address not available
                if not await self._start_failed(str(exc)):
                    return False
            except Exception as exc:
                log.exception("starting the server failed")
                if not await self._start_failed(str(exc) or type(exc).__name__):
                    return False
            else:
                await self._server_started(url)
        return True

    async def _offer_move_aside(self, path: Path, message: str) -> bool:
        """A data file is corrupt (§3.6): True if it was moved aside for a fresh start."""
        target = aside_path(path)
        if not await run_outside_task(
            lambda: prompts.corrupt_file(self.window, message, target.name)
        ):
            return False
        # On the server's thread: no start can be reading the file while it moves.
        await self.runtime.acall(lambda: move_aside(path, target))
        return True

    async def _start_failed(self, message: str) -> bool:
        """Show why the server did not start; True if the user wants to try again."""
        choice = await run_outside_task(lambda: prompts.start_failed(self.window, message))
        if choice == "settings":
            self.open_settings()
        return choice == "retry"

    async def _server_started(self, url: str) -> None:
        debug = await self.bridge.call(lambda core: core.settings.debug_mode)
        control = self.log_files.attach(self.runtime.datadir, debug=debug)

        def hook(core: Core) -> None:
            # The /debug toggle (§6.9) switches debug lines in combined.log, as headless does.
            core.on_debug_mode = control.set_debug

        await self.bridge.call(hook)
        log.info(f"Window ready; server at {url}")

    async def stop_server(self) -> None:
        await self.bridge.stop_server()

    async def restart_server(self) -> bool:
        await self.stop_server()
        return await self.start_server()

    def toggle_server(self) -> None:
        spawn(self.stop_server() if self.bridge.running else self.start_server())

    def copy_url(self) -> None:
        url = self.status.status.url
        if self.bridge.running and url:
            QGuiApplication.clipboard().setText(url)

    def open_data_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.runtime.datadir.root)))

    # --- settings, language, about -------------------------------------------------------------
    def open_settings(self) -> SettingsDialog:
        if self.settings_dialog is not None:
            self.settings_dialog.raise_()
            self.settings_dialog.activateWindow()
            return self.settings_dialog
        dialog = SettingsDialog(
            self.bridge, self.prefs, tray_available=self.tray_available, parent=self.window
        )
        dialog.saved.connect(self._settings_saved)
        dialog.finished.connect(self._settings_closed)
        self.settings_dialog = dialog
        spawn(dialog.load())
        dialog.open()
        return dialog

    def _settings_closed(self) -> None:
        if self.settings_dialog is not None:
            self.settings_dialog.deleteLater()
            self.settings_dialog = None

    def _settings_saved(self, restart_needed: list[str]) -> None:
        language = effective_language(self.prefs.language)
        if language != self.language:
            self.set_language(language)
        if restart_needed or not self.bridge.running:
            spawn(self._offer_restart(restart_needed))

    async def _offer_restart(self, restart_needed: list[str]) -> None:
        if self.bridge.running:
            names = ", ".join(restart_labels(restart_needed))
            question = self.tr("These changes take effect after the server restarts: {0}.").format(
                names
            )
            title, label = self.tr("Restart the server?"), self.tr("Restart server now")
            question += "\n\n" + self.tr("Restarting disconnects every client for a moment.")
        else:
            title, label = self.tr("Start the server?"), self.tr("Start server now")
            question = self.tr("The server is not running. Start it with the new settings?")
        if await run_outside_task(lambda: prompts.confirm(self.window, title, question, label)):
            await self.restart_server()

    # --- SillyTavern -----------------------------------------------------------------------------
    def install_extension(self) -> InstallExtensionDialog:
        if self.install_dialog is not None:
            self.install_dialog.raise_()
            self.install_dialog.activateWindow()
            return self.install_dialog
        runtime = self.runtime
        url = extension_server_url(
            self.bridge.url if self.bridge.running else "",
            runtime.datadir,
            runtime.host,
            runtime.port,
        )
        dialog = InstallExtensionDialog(self.prefs, url, parent=self.window)
        dialog.finished.connect(self._install_dialog_closed)
        self.install_dialog = dialog
        dialog.open()
        return dialog

    def _install_dialog_closed(self) -> None:
        if self.install_dialog is not None:
            self.install_dialog.deleteLater()
            self.install_dialog = None

    def set_language(self, language: str) -> None:
        """Switch the UI language now; every widget retranslates on its LanguageChange event."""
        remove_translators(self.translators)
        self.translators = install_translators(language)
        self.language = language
        self.actions.retranslate()
        if self.tray is not None:
            self.tray.update_from_model()

    def about(self) -> AboutDialog:
        """Non-modal and kept, so it can stay open beside the window while a report is written."""
        if self.about_dialog is None:
            self.about_dialog = AboutDialog(self.runtime.datadir, parent=self.window)
        self.about_dialog.show()
        self.about_dialog.raise_()
        self.about_dialog.activateWindow()
        return self.about_dialog

    # --- notifications and quitting ------------------------------------------------------------
    def notify(self, title: str, message: str, focus: str | None = None) -> None:
        """A tray message; clicking it shows the window (and the Keys dock if focus="keys")."""
        if self.tray is not None:
            on_click = self.show_keys if focus == "keys" else self.show_window
            self.tray.show_message(title, message, on_click=on_click)

    def quit(self) -> None:
        """Stop the server and end the app (blocking for the few seconds a stop may take)."""
        if self.quitting:
            return
        self.quitting = True
        self.window.save_layout(self.prefs)
        self.prefs.sync()
        self.status.stop()
        for dialog in (self.settings_dialog, self.install_dialog):
            if dialog is not None:
                dialog.reject()
        self.bridge.shutdown()
        self.log_files.close()
        if self.tray is not None:
            self.tray.hide()
        self.window.close()
        self.quit_requested.emit()
