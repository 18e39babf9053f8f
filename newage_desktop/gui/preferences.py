"""App-only preferences (not server settings): kept in QSettings, never in the data directory.

Server settings belong to `settings/server_settings.json` and are shared with the headless
server; how this one window behaves (tray, notifications, language, layout, the SillyTavern
folder last installed into) is per user and per machine, which is what QSettings is for.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QSystemTrayIcon

from newage_desktop.sillytavern.installer import DEFAULT_USER

ORGANIZATION: Final = "NewAge"
APPLICATION: Final = "NewAge Desktop"

# Languages the app ships; "" follows the system locale.
LANGUAGES: Final = ("", "en", "zh_CN")

NOTIFY_EXTENSIONS: Final = "notifications/extensions"
NOTIFY_PAIRING: Final = "notifications/pairing"
NOTIFY_AUTH_FAILURES: Final = "notifications/authFailures"
NOTIFICATION_KEYS: Final = (NOTIFY_EXTENSIONS, NOTIFY_PAIRING, NOTIFY_AUTH_FAILURES)


class Preferences:
    """Typed access to the QSettings store of the current organization/application name."""

    def __init__(self, store: QSettings | None = None) -> None:
        self._store = store if store is not None else QSettings()

    @property
    def store(self) -> QSettings:
        return self._store

    def _bool(self, key: str, default: bool) -> bool:
        return bool(self._store.value(key, default, type=bool))

    # --- tray ----------------------------------------------------------------------------------
    @property
    def close_to_tray(self) -> bool:
        # Default on only where a tray exists: elsewhere closing would hide the window for good.
        return self._bool("tray/closeToTray", QSystemTrayIcon.isSystemTrayAvailable())

    @close_to_tray.setter
    def close_to_tray(self, value: bool) -> None:
        self._store.setValue("tray/closeToTray", value)

    @property
    def tray_hint_shown(self) -> bool:
        return self._bool("tray/hintShown", False)

    @tray_hint_shown.setter
    def tray_hint_shown(self, value: bool) -> None:
        self._store.setValue("tray/hintShown", value)

    # --- notifications -------------------------------------------------------------------------
    def notify(self, key: str) -> bool:
        return self._bool(key, True)

    def set_notify(self, key: str, value: bool) -> None:
        if key not in NOTIFICATION_KEYS:
            raise KeyError(key)
        self._store.setValue(key, value)

    # --- language ------------------------------------------------------------------------------
    @property
    def language(self) -> str:
        value = str(self._store.value("ui/language", "") or "")
        return value if value in LANGUAGES else ""

    @language.setter
    def language(self, value: str) -> None:
        if value not in LANGUAGES:
            raise ValueError(f"unsupported language {value!r}")
        self._store.setValue("ui/language", value)

    # --- SillyTavern extension installer --------------------------------------------------------
    @property
    def sillytavern_folder(self) -> str:
        """The SillyTavern folder last installed into or looked at ("" if none yet)."""
        return str(self._store.value("sillytavern/folder", "") or "")

    @sillytavern_folder.setter
    def sillytavern_folder(self, value: str) -> None:
        self._store.setValue("sillytavern/folder", value)

    @property
    def sillytavern_user(self) -> str:
        return str(self._store.value("sillytavern/user", "") or "") or DEFAULT_USER

    @sillytavern_user.setter
    def sillytavern_user(self, value: str) -> None:
        self._store.setValue("sillytavern/user", value)

    # --- window layout -------------------------------------------------------------------------
    def window_layout(self, version: int) -> tuple[QByteArray | None, QByteArray | None]:
        """Saved (geometry, dock state); None for each if missing or of another layout."""
        if self._store.value("window/layoutVersion", 0, type=int) != version:
            return None, None
        return _bytes(self._store.value("window/geometry")), _bytes(
            self._store.value("window/state")
        )

    def save_window_layout(self, version: int, geometry: QByteArray, state: QByteArray) -> None:
        self._store.setValue("window/layoutVersion", version)
        self._store.setValue("window/geometry", geometry)
        self._store.setValue("window/state", state)

    def sync(self) -> None:
        self._store.sync()


def _bytes(value: object) -> QByteArray | None:
    if isinstance(value, QByteArray) and not value.isEmpty():
        return value
    if isinstance(value, bytes | bytearray) and value:
        return QByteArray(bytes(value))
    return None
