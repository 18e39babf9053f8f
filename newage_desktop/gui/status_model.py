"""The server's headline numbers for the status bar and the tray, read once for both.

A 1 s timer (uptime) and the core's event batches (connects, pairing) trigger a read of
`core.status()` on the server loop; reads never overlap, and a burst of events while one is in
flight costs one more read, not one per event.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any, Final

from PySide6.QtCore import QObject, QTimer, Signal

from newage_desktop.core import events as ev
from newage_desktop.gui.bridge import CoreBridge
from newage_desktop.gui.tasks import spawn

log = logging.getLogger("newage.gui")

REFRESH_MS: Final = 1000
# Events that change a number shown; tokens and log lines do not.
_COUNTED = (
    ev.ClientConnected,
    ev.ClientDisconnected,
    ev.PairingRequested,
    ev.PairingResolved,
    ev.ServerStateChanged,
)


@dataclass(frozen=True)
class ServerStatus:
    state: str = "stopped"  # starting | running | stopping | stopped | error
    detail: str = ""  # the error message while state == "error"
    url: str = ""
    network_safe: bool = False
    uptime: int = 0
    clients: int = 0
    extensions: int = 0
    pending_pairing: int = 0
    raw: dict[str, Any] = field(default_factory=dict)


class StatusModel(QObject):
    changed = Signal()

    def __init__(self, bridge: CoreBridge, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.status = ServerStatus(state=bridge.state, url=bridge.url)
        self._in_flight = False
        self._again = False
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        bridge.state_changed.connect(self._on_state)
        bridge.events.connect(self._on_events)

    def _on_state(self, state: str, detail: str) -> None:
        url = detail if state == "running" else self.status.url
        error = detail if state == "error" else ""
        self._set(replace(self.status, state=state, url=url, detail=error))
        self.refresh()

    def _on_events(self, batch: list[ev.CoreEvent]) -> None:
        if any(isinstance(event, _COUNTED) for event in batch):
            self.refresh()

    def refresh(self) -> None:
        if self._in_flight:
            self._again = True
            return
        self._in_flight = True
        spawn(self._read())

    async def _read(self) -> None:
        try:
            while True:
                self._again = False
                if not self.bridge.running:
                    self._set(_stopped(self.status, self.bridge.state))
                else:
                    try:
                        raw = await self.bridge.call(lambda core: core.status())
                    except RuntimeError:  # stopped between the check and the call
                        self._set(_stopped(self.status, self.bridge.state))
                    else:
                        self._set(_from_raw(self.status, self.bridge, raw))
                if not self._again:
                    return
        finally:
            self._in_flight = False

    def _set(self, status: ServerStatus) -> None:
        if status != self.status:
            self.status = status
            self.changed.emit()

    def stop(self) -> None:
        self._timer.stop()


def _stopped(previous: ServerStatus, state: str) -> ServerStatus:
    keep_error = previous.detail if state == "error" else ""
    return ServerStatus(state=state, detail=keep_error, url=previous.url)


def _from_raw(previous: ServerStatus, bridge: CoreBridge, raw: dict[str, Any]) -> ServerStatus:
    clients = raw.get("clients", {})
    return ServerStatus(
        # The "running" event may still be queued for the next drain; the runtime knows already.
        state="stopping" if bridge.state == "stopping" else "running",
        url=bridge.url or previous.url,
        network_safe=bool(raw.get("networkSafe", False)),
        uptime=int(raw.get("uptime", 0)),
        clients=int(clients.get("registered", 0)),
        extensions=int(clients.get("extensions", 0)),
        pending_pairing=int(raw.get("pendingKeyRequests", 0)),
        raw=raw,
    )
