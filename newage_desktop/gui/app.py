"""`run_gui`: the desktop app's main loop (Qt with qasync), around the server's own thread."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import qasync  # no type information shipped
from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.desktop.entry import APP_ID
from newage_desktop.gui.preferences import APPLICATION, ORGANIZATION, Preferences
from newage_desktop.gui.resources import app_icon, effective_language, install_translators
from newage_desktop.gui.single_instance import SingleInstance, instance_key
from newage_desktop.gui.tasks import spawn
from newage_desktop.runtime import ServerRuntime

if TYPE_CHECKING:
    from newage_desktop.gui.controller import AppController

log = logging.getLogger("newage.gui")


def run_gui(
    datadir: DataDir,
    host: str | None = None,
    port: int | None = None,
    minimized: bool = False,
    screenshot: Path | None = None,
) -> int:
    """Open the window with the server running (`minimized`: only the tray icon, where there
    is a tray; `screenshot`: save the window there as PNG once the server runs); returns the
    process exit status."""
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setWindowIcon(app_icon())
    app.setApplicationDisplayName(APPLICATION)
    # Wayland's app id and X11's _GTK_APPLICATION_ID: how a desktop finds our launcher's icon.
    app.setDesktopFileName(APP_ID)
    # The tray keeps the app alive with the window hidden; quitting is explicit (Quit).
    app.setQuitOnLastWindowClosed(False)

    instance = SingleInstance(instance_key(datadir.root))
    if instance.activate_running():
        print(
            "newage-desktop: already running on this data directory; showed its window.",
            file=sys.stderr,
        )
        return 0
    if instance.listen() == "other":
        print("newage-desktop: another launch won the race; showed its window.", file=sys.stderr)
        return 0

    # Imported only now: a second launch exits above without loading the window's modules.
    from newage_desktop.gui.controller import AppController
    from newage_desktop.gui.crash_dialog import CrashReporter

    prefs = Preferences()
    translators = install_translators(effective_language(prefs.language))
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    crashes = CrashReporter(datadir.logs_dir)  # a dialog instead of a traceback nobody sees
    crashes.install(loop)
    runtime = ServerRuntime(datadir, host=host, port=port)
    controller = AppController(runtime, prefs, translators=translators)
    instance.activated.connect(controller.show_window)
    controller.quit_requested.connect(app.quit)
    _quit_on_signals(controller)
    controller.show_at_start(minimized=minimized)
    if screenshot is not None:
        from newage_desktop.gui.screenshot import WindowScreenshot

        WindowScreenshot(controller.window, controller.status, screenshot, controller)
    spawn(controller.start_server())
    try:
        with loop:
            loop.run_forever()
    finally:
        controller.quit()  # no-op after Quit; stops the server if the loop ended otherwise
        instance.close()
        crashes.uninstall()
    return 0


def _quit_on_signals(controller: AppController) -> None:
    """Ctrl+C in the terminal quits cleanly (stopping the server) instead of killing Qt."""

    def handler(_signum: int, _frame: object) -> None:
        QTimer.singleShot(0, controller.quit)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handler)
    # Python runs signal handlers only between bytecodes; while Qt waits in C++ none run, so
    # wake the interpreter regularly.
    timer = QTimer(controller)
    timer.timeout.connect(lambda: None)
    timer.start(250)
