#!/usr/bin/env python3
"""Pack the app icon for the Windows and macOS builds: resources/icons/app.ico (16-256 px) and
app.icns (16-1024 px), used by packaging/newage_desktop.spec.

Run after editing resources/icons/newage.svg, with Pillow available (it writes multi-size ICO
and ICNS; it is not a dependency of the app):

    .venv/bin/python -m pip install pillow && .venv/bin/python scripts/render_platform_icons.py

The files are committed: the Windows and macOS builds need neither Pillow nor this script.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QGuiApplication
from render_icons import ICONS, render

try:
    from PIL import Image
except ImportError:
    raise SystemExit(
        "render_platform_icons: needs Pillow (.venv/bin/python -m pip install pillow)"
    ) from None

ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # what Explorer asks for, up to the ICO maximum


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "newage-1024.png"
        render(ICONS / "newage.svg", 1024, big)  # ICNS goes up to 512@2x
        with Image.open(big) as image:
            image.load()
            image.save(ICONS / "app.ico", sizes=[(s, s) for s in ICO_SIZES])
            image.save(ICONS / "app.icns")  # Pillow writes every ICNS size up to the source's
    for name in ("app.ico", "app.icns"):
        print(f"resources/icons/{name}: {(ICONS / name).stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
