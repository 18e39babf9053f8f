"""Can a window be opened here? Asked before Qt is touched, because Qt aborts the process
(not an exception) when its platform plugin cannot connect to a display.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from collections.abc import Mapping
from pathlib import Path


def gui_unavailable_reason(environ: Mapping[str, str] | None = None) -> str | None:
    """None if the window can open; otherwise why not, in words for the terminal."""
    env = os.environ if environ is None else environ
    try:
        import PySide6.QtWidgets  # noqa: F401
    except (ImportError, OSError) as exc:  # a missing system library surfaces as either
        return f"PySide6 cannot be loaded: {exc}"
    if not sys.platform.startswith("linux"):
        return None
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith(("xcb", "wayland")):
        return None  # offscreen, vnc, eglfs…: the user chose it
    wayland = bool(env.get("WAYLAND_DISPLAY")) and not platform.startswith("xcb")
    if not wayland and not env.get("DISPLAY"):
        return "no display (neither DISPLAY nor WAYLAND_DISPLAY is set)"
    if not wayland and not _has_xcb_cursor():
        # Qt 6.5+ needs it for X11 and aborts without it.
        return (
            "the X11 library libxcb-cursor is missing (Debian/Ubuntu: apt install libxcb-cursor0)"
        )
    return None


def _has_xcb_cursor() -> bool:
    if ctypes.util.find_library("xcb-cursor") is not None:
        return True
    # A frozen build (PyInstaller) carries its own copy, which the system search cannot see.
    bundle = getattr(sys, "_MEIPASS", None)
    return bundle is not None and any(Path(bundle).glob("libxcb-cursor.so*"))
