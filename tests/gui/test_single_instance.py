"""One instance per data directory: a second launch shows the first window and exits 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pytestqt.qtbot import QtBot

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.gui.single_instance import SingleInstance, instance_key


def gui_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")  # never the user's QSettings
    return env


def test_the_key_depends_on_the_data_directory(tmp_path: Path) -> None:
    assert instance_key(tmp_path / "a") == instance_key(tmp_path / "a")
    assert instance_key(tmp_path / "a") != instance_key(tmp_path / "b")


def test_a_second_instance_asks_the_first_to_show_itself(qtbot: QtBot, tmp_path: Path) -> None:
    key = instance_key(tmp_path / "data")
    first = SingleInstance(key)
    assert first.listen() == "listening"
    try:
        second = SingleInstance(key)
        with qtbot.waitSignal(first.activated, timeout=5000):
            assert second.activate_running()
        # Racing for the name also ends in "ask the other one", never in a second listener.
        with qtbot.waitSignal(first.activated, timeout=5000):
            assert SingleInstance(key).listen() == "other"
    finally:
        first.close()
    # Without a first instance there is nobody to ask.
    assert not SingleInstance(key).activate_running()


def test_a_name_left_behind_by_a_crash_is_taken_over(tmp_path: Path) -> None:
    key = instance_key(tmp_path / "crashed")
    if sys.platform != "win32":
        # What a killed instance leaves: a socket file nobody listens on.
        import socket

        from PySide6.QtCore import QDir

        path = Path(QDir.tempPath()) / key
        stale = socket.socket(socket.AF_UNIX)
        stale.bind(str(path))
        stale.close()
        assert path.exists()
    instance = SingleInstance(key)
    try:
        assert instance.listen() == "listening"
    finally:
        instance.close()


def test_a_second_launch_of_the_app_exits_without_touching_the_data_directory(
    qtbot: QtBot, tmp_path: Path, datadir: DataDir
) -> None:
    first = SingleInstance(instance_key(datadir.root))
    assert first.listen() == "listening"
    activations: list[bool] = []
    first.activated.connect(lambda: activations.append(True))
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "newage_desktop", "--data-dir", str(datadir.root)],
            env=gui_env(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Keep the Qt loop turning so the first instance can accept the connection.
        qtbot.waitUntil(lambda: proc.poll() is not None, timeout=30_000)
        _, err = proc.communicate()
        qtbot.waitUntil(lambda: bool(activations), timeout=5000)
    finally:
        first.close()
    assert proc.returncode == 0, err
    assert "already running" in err
    # It never opened the data directory (so never bound a port or rotated a log).
    assert not datadir.server_settings_file.exists()
    assert not (datadir.logs_dir / "combined.log").exists()
