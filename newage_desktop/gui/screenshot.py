"""`--screenshot PATH`: the main window as a PNG once the server runs.

For bug reports ("this is what I see") and for the frozen build's window test, which has no
other way to see that the window really drew under a real X server.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Final

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from newage_desktop.gui.status_model import StatusModel

log = logging.getLogger("newage.gui")

# After "running" the docks fill in from their first reads; give them a moment to paint.
SETTLE_MS: Final = 500


class WindowScreenshot(QObject):
    """Saves `window.grab()` to `path` once, the first time `status` says running."""

    saved = Signal(str)

    def __init__(
        self, window: QWidget, status: StatusModel, path: Path, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.status = status
        self.path = path
        self._scheduled = False
        status.changed.connect(self._on_status)
        self._on_status()

    def _on_status(self) -> None:
        if self._scheduled or self.status.status.state != "running":
            return
        self._scheduled = True
        self.status.changed.disconnect(self._on_status)
        QTimer.singleShot(SETTLE_MS, self, self.save)

    def save(self) -> bool:
        """Write the PNG (whole, through a temporary file: a reader never sees half of it)."""
        image = self.window.grab().toImage()
        tmp = self.path.with_name(f".{self.path.stem}.tmp.png")  # Qt picks PNG by the suffix
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not image.save(str(tmp)):
                raise OSError("Qt could not encode or write the PNG")
            os.replace(tmp, self.path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            log.warning(f"Could not save the screenshot to {self.path}: {exc}")
            return False
        log.info(f"Screenshot of the window ({image.width()}x{image.height()}) saved: {self.path}")
        self.saved.emit(str(self.path))
        return True
