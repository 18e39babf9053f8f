#!/usr/bin/env python3
"""Render resources/icons/*.svg to the PNG sizes the app and its packages use.

Run after editing an SVG: `.venv/bin/python scripts/render_icons.py`. The PNGs are committed,
so the app never depends on the SVG renderer at run time. Works offscreen (no display needed).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
# The window and installers use up to 256 px; a tray never needs more than 64 px.
SIZES = {
    "newage": (16, 22, 24, 32, 48, 64, 128, 256),
    "tray-running": (16, 22, 24, 32, 48, 64),
    "tray-stopped": (16, 22, 24, 32, 48, 64),
    "tray-error": (16, 22, 24, 32, 48, 64),
}


def render(svg: Path, size: int, out: Path) -> None:
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    if not image.save(str(out)):
        raise SystemExit(f"cannot write {out}")


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    out_dir = ICONS / "png"
    out_dir.mkdir(exist_ok=True)
    for name, sizes in SIZES.items():
        for size in sizes:
            out = out_dir / f"{name}-{size}.png"
            render(ICONS / f"{name}.svg", size, out)
            print(out.relative_to(ICONS.parent.parent))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
