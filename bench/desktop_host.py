"""The desktop app as a benchmark server: the real window (offscreen), the chat dock showing a
room that receives a max-rate stream, and a timer probe of the GUI thread's event-loop lag.

    python bench/desktop_host.py --data-dir D --port P --watch-room ROOM --lag-file F

It runs until SIGTERM, then writes the lag statistics (ms) as JSON to F and stops the server.
Run by `bench/run.py` for the server kind `desktop`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import qasync
from PySide6.QtCore import QCoreApplication, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.gui.controller import AppController
from newage_desktop.gui.docks.chat import ChatDock
from newage_desktop.gui.preferences import Preferences
from newage_desktop.runtime import ServerRuntime

PROBE_MS = 10


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--watch-room", required=True)
    parser.add_argument("--lag-file", required=True)
    args = parser.parse_args()

    QCoreApplication.setOrganizationName("NewAge-bench")
    QCoreApplication.setApplicationName("NewAge Desktop bench")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp(prefix="qs-")
    )
    app = QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    runtime = ServerRuntime(DataDir(Path(args.data_dir)), host="127.0.0.1", port=args.port)
    controller = AppController(runtime, Preferences(), tray_available=False)
    controller.window.resize(1280, 800)
    controller.show_window()
    chat = controller.window.findChild(ChatDock)
    assert chat is not None, "no chat dock"
    chat.raise_()

    lags: list[float] = []
    last = time.perf_counter()

    def probe() -> None:
        nonlocal last
        now = time.perf_counter()
        lags.append(max(0.0, (now - last) * 1000 - PROBE_MS))
        last = now

    def follow_room() -> None:  # select the benchmark room once it exists
        if chat.current_room() != args.watch_room:
            index = chat.room_combo.findData(args.watch_room)
            if index >= 0:
                chat.room_combo.setCurrentIndex(index)

    timer = QTimer()
    timer.timeout.connect(probe)
    timer.start(PROBE_MS)
    follower = QTimer()
    follower.timeout.connect(follow_room)
    follower.start(200)

    def stop(*_: object) -> None:
        timer.stop()
        follower.stop()
        ordered = sorted(lags[50:]) or [0.0]  # skip start-up
        report = {
            "samples": len(ordered),
            "p50": statistics.median(ordered),
            "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
            "max": ordered[-1],
            "room": chat.current_room(),
            "chatItems": chat.model.rowCount(),
        }
        Path(args.lag_file).write_text(json.dumps(report))
        controller.quit()
        app.quit()

    signal.signal(signal.SIGTERM, lambda *_: QTimer.singleShot(0, stop))
    wake = QTimer()  # let Python run its signal handler while Qt waits
    wake.timeout.connect(lambda: None)
    wake.start(100)

    async def start() -> None:
        await controller.start_server()

    loop.create_task(start())
    with loop:
        loop.run_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
