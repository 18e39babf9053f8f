"""Where `resources/` (icons, translations) is, wherever the app runs from; no Qt needed.

From a source checkout (the editable install of scripts/run.sh) `resources/` sits beside the
package; a frozen build (PyInstaller) unpacks it under `sys._MEIPASS`; NEWAGE_RESOURCES
overrides both. The window (gui/resources.py) and the desktop entry installer share this.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resource_dir() -> Path:
    override = os.environ.get("NEWAGE_RESOURCES")
    if override:
        return Path(override)
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen is not None:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"
