"""Whether a window can open, asked before Qt is touched (gui/availability.py)."""

from __future__ import annotations

import ctypes.util
import sys
from pathlib import Path

import pytest

from newage_desktop.gui.availability import gui_unavailable_reason

X11 = {"DISPLAY": ":0"}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="display detection is Linux's")
def test_without_libxcb_cursor_x11_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    reason = gui_unavailable_reason(X11)
    assert reason is not None and "libxcb-cursor" in reason


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="display detection is Linux's")
def test_a_frozen_build_uses_its_own_libxcb_cursor(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    (tmp_path / "libxcb-cursor.so.0").write_bytes(b"")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert gui_unavailable_reason(X11) is None
