"""Server settings as the window reads and writes them (wire names, PROTOCOL.md §11).

Through the running core when there is one (so changes apply at once where §11 allows), else
straight to `settings/server_settings.json` on the server's thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from PySide6.QtCore import QCoreApplication

from newage_desktop.core.auth.origins import LOCAL
from newage_desktop.core.store.datadir import DataDir
from newage_desktop.core.store.settings import SettingsStore
from newage_desktop.gui.bridge import CoreBridge

# Read at start-up only (PROTOCOL.md §11 "R"): a change needs a server restart.
RESTART_SETTINGS: Final = frozenset(
    {"serverPort", "bindAddress", "corsAllowedOrigins", "maxPayloadBytes", "staticResources"}
    | {"adminUiEnabled", "adminUiUsername", "adminUiPasswordHash", "adminUiReadonly"}
    | {"adminUiMode"}
)


def restart_labels(names: list[str]) -> list[str]:
    """Wire names as the dialog labels them, with the name in the file for reference."""
    labels = {
        "serverPort": QCoreApplication.translate("SettingsDialog", "Port"),
        "bindAddress": QCoreApplication.translate("SettingsDialog", "Listen address"),
        "corsAllowedOrigins": QCoreApplication.translate("SettingsDialog", "Allowed web origins"),
    }
    return [f"{labels[name]} ({name})" if name in labels else name for name in names]


@dataclass(frozen=True)
class OriginChoice:
    """`corsAllowedOrigins` (PROTOCOL.md §2.1) as the dialog shows it: three controls."""

    local: bool  # "local": pages on this computer
    any: bool  # "*": every web site
    extra: tuple[str, ...]  # exact origins besides


def origin_choice(value: Any) -> OriginChoice:
    """`"*"` → any; `"local"` → local only; a list → local iff it holds "local", the rest."""
    if value == "*":
        return OriginChoice(local=False, any=True, extra=())
    items = [str(item) for item in value] if isinstance(value, list) else [str(value)]
    extra = tuple(item for item in items if item not in (LOCAL, "*"))
    return OriginChoice(local=LOCAL in items, any="*" in items, extra=extra)


def origin_setting(choice: OriginChoice) -> str | list[str]:
    """Back to the setting: any → `"*"`; local and nothing else → `"local"`; else a list."""
    if choice.any:
        return "*"
    if choice.local and not choice.extra:
        return LOCAL
    return [LOCAL, *choice.extra] if choice.local else list(choice.extra)


_SCHEME: Final = re.compile(r"[a-z][a-z0-9+.-]*")
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


def normalize_origin(text: str) -> str | None:
    """`scheme://host[:port]` as a browser sends it in `Origin`, or None if `text` is not one.

    The server compares origins exactly, so the scheme and host are lowercased, a trailing
    `/` (pasted from the address bar) and a default port are dropped.
    """
    text = text.strip()
    if text.endswith("/"):
        text = text[:-1]
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), parts.hostname
    if (
        not _SCHEME.fullmatch(scheme)
        or not host
        or not text.lower().startswith(f"{scheme}://")
        or any(ch.isspace() for ch in text)
        or parts.path
        or parts.query
        or parts.fragment
        or "?" in text
        or "#" in text
        or "@" in parts.netloc
    ):
        return None
    if ":" in host:  # IPv6
        host = f"[{host}]"
    if port == 0:
        return None
    if port is None or _DEFAULT_PORTS.get(scheme) == port:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


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
