"""Regression: many Python slot calls must not crash the interpreter.

PySide6 6.12.0 on Python 3.11 aborts with `Fatal Python error: bool_dealloc` after a few
thousand Python slot invocations (a reference-counting bug in the binding), which the app hits
within seconds of streaming. pyproject.toml pins PySide6 < 6.12 on 3.11. The storm runs in a
subprocess because the failure is an abort, not an exception.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import PySide6

CALLS = 20_000

STORM = textwrap.dedent(
    f"""
    import sys
    from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal, Slot

    CALLS = {CALLS}
    app = QCoreApplication(sys.argv[:1])

    class Emitter(QObject):
        direct = Signal(bool, object)
        queued = Signal(bool, object)

    class Receiver(QObject):
        def __init__(self):
            super().__init__()
            self.direct = 0
            self.queued = 0
            self.timers = 0

        @Slot(bool, object)
        def on_direct(self, flag, payload):
            self.direct += 1
            return flag  # a bool handed back through the binding, as in the crash

        def on_queued(self, flag, payload):
            self.queued += 1
            return not flag

        def on_timer(self):
            self.timers += 1
            if self.timers == CALLS:
                app.quit()

    emitter, receiver = Emitter(), Receiver()
    emitter.direct.connect(receiver.on_direct)
    emitter.queued.connect(receiver.on_queued, Qt.ConnectionType.QueuedConnection)
    for i in range(CALLS):
        emitter.direct.emit(i % 2 == 0, [i])
        emitter.queued.emit(i % 3 == 0, {{"i": i}})
        QTimer.singleShot(0, receiver.on_timer)
    QTimer.singleShot(60_000, lambda: app.exit(3))  # a hang is a failure too
    status = app.exec()
    print(receiver.direct, receiver.queued, receiver.timers)
    sys.exit(status)
    """
)


def test_twenty_thousand_python_slot_calls_do_not_crash(tmp_path: Path) -> None:
    script = tmp_path / "storm.py"
    script.write_text(STORM, encoding="utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stderr[-2000:]}"
    assert proc.stdout.split() == [str(CALLS)] * 3


def test_the_installed_pyside6_is_not_the_broken_one() -> None:
    version = tuple(int(part) for part in PySide6.__version__.split(".")[:2])
    if sys.version_info[:2] == (3, 11):
        assert version < (6, 12), f"PySide6 {PySide6.__version__} aborts on Python 3.11"
