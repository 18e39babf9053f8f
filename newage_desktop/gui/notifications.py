"""Desktop notifications worth interrupting the admin for, each switchable in Settings.

Extension connected/disconnected, a pairing request waiting for approval ("SillyTavern wants to
connect"; a click on it opens the Keys dock), and repeated authentication failures (a
misconfigured client, or someone guessing keys). Everything else is in the Log dock.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Final

from PySide6.QtCore import QObject

from newage_desktop.core import events as ev
from newage_desktop.gui.bridge import CoreBridge
from newage_desktop.gui.preferences import (
    NOTIFY_AUTH_FAILURES,
    NOTIFY_EXTENSIONS,
    NOTIFY_PAIRING,
    Preferences,
)
from newage_desktop.protocol.events import EXTENSION_CLIENT_TYPES, NS_SILLYTAVERN

# Failures from one address within the window that make a notification, and how long the next
# one for that address waits (one per burst, not one per attempt).
AUTH_FAILURE_THRESHOLD: Final = 3
AUTH_FAILURE_WINDOW_S: Final = 60.0
# More notifications than this in one event batch become one summary.
MAX_PER_BATCH: Final = 3

# What a click on a notification should show besides the window: "keys" or None.
Focus = str | None
Show = Callable[[str, str, Focus], None]  # (title, message, focus)
Message = tuple[str, str, Focus]


class Notifier(QObject):
    def __init__(
        self,
        bridge: CoreBridge,
        prefs: Preferences,
        show: Show,
        parent: QObject | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self._prefs = prefs
        self._show = show
        self._clock = clock
        # Identities of connected extensions: ClientConnected also fires when an identity
        # gains a namespace, and an extension joins several.
        self._extensions: set[str] = set()
        # roomIds of the pending requests already announced (§4.7: a roomId names a request).
        self._pairing: set[str] = set()
        self._failures: dict[str, deque[float]] = {}
        self._quiet_until: dict[str, float] = {}
        bridge.events.connect(self.handle)
        bridge.state_changed.connect(self._on_state)

    def _on_state(self, state: str, _detail: str) -> None:
        if state in ("stopped", "error"):
            self._extensions.clear()
            self._pairing.clear()

    def handle(self, batch: list[ev.CoreEvent]) -> None:
        messages: list[Message] = []
        for event in batch:
            message = self._message_for(event)
            if message is not None:
                messages.append(message)
        if len(messages) > MAX_PER_BATCH:
            lines = "\n".join(text for _title, text, _focus in messages[:MAX_PER_BATCH])
            more = self.tr("…and {0} more").format(len(messages) - MAX_PER_BATCH)
            focus = next((f for _title, _text, f in messages if f is not None), None)
            self._show(self.tr("NewAge Desktop"), f"{lines}\n{more}", focus)
        else:
            for title, text, focus in messages:
                self._show(title, text, focus)

    def _message_for(self, event: ev.CoreEvent) -> Message | None:
        if isinstance(event, ev.ClientConnected | ev.ClientDisconnected):
            return self._extension_message(event)
        if isinstance(event, ev.PairingRequested):
            return self._pairing_message(event.request)
        if isinstance(event, ev.PairingResolved):
            self._pairing.discard(str(event.request.get("roomId")))
            return None
        if isinstance(event, ev.AuthFailed):
            return self._auth_message(event)
        return None

    def _pairing_message(self, request: dict[str, object]) -> Message | None:
        room_id = str(request.get("roomId"))
        if room_id in self._pairing:  # the same request again: already announced
            return None
        self._pairing.add(room_id)
        if not self._prefs.notify(NOTIFY_PAIRING):
            return None
        from_sillytavern = (
            request.get("clientType") in EXTENSION_CLIENT_TYPES
            or request.get("namespace") == NS_SILLYTAVERN
        )
        if from_sillytavern:
            title = self.tr("SillyTavern wants to connect")
        else:
            title = self.tr("Pairing request")
        text = self.tr("{0} ({1}) asks for a key. Approve or deny it in the Keys dock.").format(
            request.get("clientId", "?"), request.get("address", "?")
        )
        return title, text, "keys"

    def _extension_message(
        self, event: ev.ClientConnected | ev.ClientDisconnected
    ) -> Message | None:
        entry = event.entry
        if entry.get("clientType") not in EXTENSION_CLIENT_TYPES:
            return None
        identity = str(entry.get("identity") or entry.get("clientId") or "?")
        if isinstance(event, ev.ClientConnected):
            if identity in self._extensions:
                return None
            self._extensions.add(identity)
            title, text = self.tr("Extension connected"), self.tr("{0} is connected.")
        else:
            self._extensions.discard(identity)
            title, text = self.tr("Extension disconnected"), self.tr("{0} disconnected.")
        if not self._prefs.notify(NOTIFY_EXTENSIONS):
            return None
        return title, text.format(identity), None

    def _auth_message(self, event: ev.AuthFailed) -> Message | None:
        now = self._clock()
        recent = self._failures.setdefault(event.address, deque())
        recent.append(now)
        while recent and now - recent[0] > AUTH_FAILURE_WINDOW_S:
            recent.popleft()
        if len(recent) < AUTH_FAILURE_THRESHOLD or now < self._quiet_until.get(event.address, 0):
            return None
        self._quiet_until[event.address] = now + AUTH_FAILURE_WINDOW_S
        if not self._prefs.notify(NOTIFY_AUTH_FAILURES):
            return None
        return (
            self.tr("Repeated authentication failures"),
            self.tr("{0} failed attempts from {1} (last clientId {2}: {3}).").format(
                len(recent), event.address, event.client_id, event.reason
            ),
            None,
        )
