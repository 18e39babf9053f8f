"""Settings → Desktop → "Start at login": a check box over the operating system's login item.

Shown as the back-end finds it each time the dialog opens (the file or registry value is the
truth, so removing it with the desktop's own tools shows here) and changed only on OK.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QCheckBox, QWidget

from newage_desktop.desktop.autostart import Autostart, default_autostart
from newage_desktop.desktop.command import autostart_command


class AutostartCheckBox(QCheckBox):
    def __init__(
        self, data_dir: Path, autostart: Autostart | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("autostart")
        self.data_dir = data_dir
        self.autostart = autostart if autostart is not None else default_autostart()
        self.loaded: bool | None = None  # the state found; None if it could not be read

    def load(self) -> str | None:
        """Show the current state; a message (and the box disabled) if it cannot be read."""
        try:
            self.loaded = self.autostart.is_enabled()
        except OSError as exc:
            self.loaded = None
            self.setEnabled(False)
            return self.tr("Cannot read whether the app starts at login: {0}").format(exc)
        self.setChecked(self.loaded)
        return None

    def retranslate(self) -> None:
        self.setText(self.tr("Start at login (minimised to the tray)"))
        self.setToolTip(self.tr("Kept in {0}").format(self.autostart.location))

    def apply(self) -> str | None:
        """Turn the login item on or off if the box was changed; a message if that failed."""
        wanted = self.isChecked()
        if self.loaded is None or wanted == self.loaded:
            return None
        try:
            if wanted:
                self.autostart.enable(autostart_command(self.data_dir))
            else:
                self.autostart.disable()
        except OSError as exc:
            return self.tr("Cannot change whether the app starts at login: {0}").format(exc)
        self.loaded = wanted
        return None
