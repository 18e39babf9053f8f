"""Server settings as the window reads and writes them (wire names, PROTOCOL.md §11).

Through the running core when there is one (so changes apply at once where §11 allows), else
straight to `settings/server_settings.json` on the server's thread.
"""

from __future__ import annotations

from typing import Any, Final

from PySide6.QtCore import QCoreApplication

from newage_desktop.core.datadir import DataDir
from newage_desktop.core.settings import SettingsStore
from newage_desktop.gui.bridge import CoreBridge

# Read at start-up only (PROTOCOL.md §11 "R"): a change needs a server restart.
RESTART_SETTINGS: Final = frozenset(
    {"serverPort", "bindAddress", "corsAllowedOrigins", "maxPayloadBytes", "staticResources"}
)


def restart_labels(names: list[str]) -> list[str]:
    """Wire names as the dialog labels them, with the name in the file for reference."""
    labels = {
        "serverPort": QCoreApplication.translate("SettingsDialog", "Port"),
        "bindAddress": QCoreApplication.translate("SettingsDialog", "Listen address"),
        "corsAllowedOrigins": QCoreApplication.translate("SettingsDialog", "Allowed web origins"),
    }
    return [f"{labels[name]} ({name})" if name in labels else name for name in names]


def parse_origins(text: str) -> str | list[str]:
    """`*` and `local` stay as they are; anything else is a list split on commas and spaces."""
    text = text.strip()
    if text in ("*", "local"):
        return text
    return [part for part in text.replace(",", " ").split() if part]


def format_origins(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


async def write_server_settings(bridge: CoreBridge, changes: dict[str, Any]) -> list[str]:
    """Merge `changes` into server_settings.json; returns the store's warnings."""
    if bridge.running:
        return await bridge.call(lambda core: core.settings_store.update(changes))
    # Stopped: no core owns the file, but the write still goes through the server's thread so
    # it cannot interleave with a start reading it.
    datadir = bridge.runtime.datadir

    def write() -> list[str]:
        datadir.ensure()
        return SettingsStore(datadir).update(changes)

    return await bridge.runtime.acall(write)


def read_server_settings(datadir: DataDir) -> dict[str, Any]:
    """The settings in effect per the file (defaults for bad values), under wire names."""
    store = SettingsStore(datadir)
    store.load()
    return store.settings.to_wire()
