"""One window per data directory: a second launch asks the first to show itself and exits.

The first instance listens on a local socket (named pipe on Windows) whose name is derived from
the user and the data directory, so two data directories can still run side by side. The
second launch connects, sends one line and exits 0 without ever opening the data directory or
binding the port. (Windows lets two servers share a pipe name, so two launches in the same
instant could both start there; the second then fails to bind the port and says so.)
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import os
import sys
from pathlib import Path
from typing import Final, Literal

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QAbstractSocket, QLocalServer, QLocalSocket

log = logging.getLogger("newage.gui")

SHOW_MESSAGE: Final = b"show\n"
CONNECT_TIMEOUT_MS: Final = 1000


def instance_key(data_dir: Path) -> str:
    """A short name that is the same for the same user and data directory."""
    try:
        user = getpass.getuser()
    except Exception:  # no login name (some containers): the uid still separates users
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    digest = hashlib.sha256(f"{user}\0{os.path.normcase(data_dir)}".encode()).hexdigest()
    return f"newage-desktop-{digest[:20]}"


class SingleInstance(QObject):
    """`activate_running()` in a second instance; `listen()` plus `activated` in the first."""

    activated = Signal()

    def __init__(self, key: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self._server: QLocalServer | None = None

    def activate_running(self) -> bool:
        """True if another instance was listening and got the request to show its window."""
        socket = QLocalSocket()
        socket.connectToServer(self.key)
        if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
            return False
        socket.write(SHOW_MESSAGE)
        socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
        socket.disconnectFromServer()
        if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
            socket.waitForDisconnected(CONNECT_TIMEOUT_MS)
        return True

    def listen(self) -> Literal["listening", "other", "unavailable"]:
        """Become the instance others find.

        "other": another instance took the name meanwhile (and was asked to show itself), so
        this one should exit; "unavailable": no local socket can be made, run anyway.
        """
        server = QLocalServer(self)
        if sys.platform == "win32":
            # A named pipe is machine-wide: only this user may talk to us. (On Unix the option
            # makes Qt rename a fresh socket over the name, silently stealing it from a running
            # instance; the socket file's own permissions are enough there.)
            server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.key):
            if server.serverError() != QAbstractSocket.SocketError.AddressInUseError:
                log.warning(f"single-instance socket unavailable: {server.errorString()}")
                return "unavailable"
            # Someone holds the name. If it answers, a launch raced us; otherwise the socket
            # file was left behind by a crash and can be removed.
            if self.activate_running():
                return "other"
            QLocalServer.removeServer(self.key)
            if not server.listen(self.key):
                log.warning(f"single-instance socket unavailable: {server.errorString()}")
                return "unavailable"
        server.newConnection.connect(self._on_connection)
        self._server = server
        return "listening"

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    def _on_connection(self) -> None:
        assert self._server is not None
        while (socket := self._server.nextPendingConnection()) is not None:
            # Any connection is a request to show the window; the message is only read to
            # drain the socket (and leaves room for more commands later).
            socket.readAll()
            socket.disconnected.connect(socket.deleteLater)
            self.activated.emit()
