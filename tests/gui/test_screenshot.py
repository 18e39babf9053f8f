"""`--screenshot PATH`: the window as a PNG, saved once, when the server runs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from newage_desktop.gui.controller import AppController
from newage_desktop.gui.screenshot import WindowScreenshot

MakeController = Callable[..., AppController]


def distinct_colours(image: QImage, step: int = 4) -> int:
    return len(
        {
            image.pixel(x, y)
            for y in range(0, image.height(), step)
            for x in range(0, image.width(), step)
        }
    )


def test_the_window_is_saved_once_the_server_runs(
    make_controller: MakeController, qtbot: QtBot, tmp_path: Path
) -> None:
    app = make_controller(start=False)
    target = tmp_path / "shots" / "window.png"
    shot = WindowScreenshot(app.window, app.status, target, app)
    assert not target.exists()  # stopped: nothing yet
    with qtbot.waitSignal(shot.saved, timeout=15_000) as saved:
        app.toggle_server()
    assert saved.args == [str(target)]
    image = QImage(str(target))
    assert (image.width(), image.height()) == (app.window.width(), app.window.height())
    assert distinct_colours(image) > 20  # the window's widgets and text, not a blank fill
    assert list(target.parent.iterdir()) == [target]  # no temporary file left


def test_an_unwritable_path_is_logged_not_raised(
    make_controller: MakeController,
    qtbot: QtBot,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_controller()
    (tmp_path / "file").write_text("")
    target = tmp_path / "file" / "window.png"  # under a file: cannot be created
    with caplog.at_level(logging.WARNING, logger="newage.gui"):
        shot = WindowScreenshot(app.window, app.status, target, app)
        with qtbot.assertNotEmitted(shot.saved, wait=1500):
            pass
    assert f"Could not save the screenshot to {target}" in caplog.text
