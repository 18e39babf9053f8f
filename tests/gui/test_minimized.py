"""`--minimized` (what autostart runs): only the tray icon where there is a tray, else the
window as usual, because a hidden window without a tray could not be brought back."""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from newage_desktop.gui.controller import AppController
from tests.gui.test_launch import base_env, launch, wait_for_log

MakeController = Callable[..., AppController]


def test_minimized_with_a_tray_shows_only_the_tray_icon(
    make_controller: MakeController, qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="newage.gui"):
        app = make_controller(tray=True, minimized=True)
    assert app.tray is not None and app.tray.icon.isVisible()
    assert not app.window.isVisible()
    assert app.bridge.running  # the server starts all the same
    assert app.actions.show_window.text() == "Show window"
    assert "Started minimized" in caplog.text
    # The tray brings the window back.
    app.actions.show_window.trigger()
    qtbot.waitUntil(app.window.isVisible)
    assert app.actions.show_window.text() == "Hide window"


def test_minimized_without_a_tray_shows_the_window_and_says_why(
    make_controller: MakeController, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="newage.gui"):
        app = make_controller(tray=False, minimized=True)
    assert app.tray is None
    assert app.window.isVisible()
    assert app.actions.show_window.text() == "Hide window"
    assert "--minimized ignored: no system tray" in caplog.text


def test_without_minimized_the_window_shows_even_with_a_tray(
    make_controller: MakeController,
) -> None:
    app = make_controller(tray=True)
    assert app.window.isVisible()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM")
def test_the_flag_reaches_the_window(tmp_path: Path) -> None:
    """Offscreen Qt has no tray: the started app logs that it showed the window anyway."""
    data = tmp_path / "data"
    env = dict(base_env(tmp_path), QT_QPA_PLATFORM="offscreen")
    app = launch(data, env, "--minimized")
    try:
        log = wait_for_log(data, "Window ready; server at http://", app)
        assert "--minimized ignored: no system tray" in log
    finally:
        app.send_signal(signal.SIGTERM)
        _, err = app.communicate(timeout=30)
    assert app.returncode == 0, err


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT")
def test_headless_accepts_minimized_as_a_no_op(tmp_path: Path) -> None:
    """Headless has no window to hide; the flag is accepted, so one autostart command works
    on a machine where the window cannot open (the app then runs headless)."""
    data = tmp_path / "data"
    proc = launch(data, base_env(tmp_path), "--headless", "--minimized")
    try:
        wait_for_log(data, "listening on http://", proc)
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
