"""`/lib/constants.js` names every event of the protocol (PROTOCOL.md §10)."""

from __future__ import annotations

import re
from typing import Final

from newage_desktop.protocol import events, llm
from newage_desktop.transport.web_routes import WEB_DIR

_NOT_EVENTS: Final = {"NS_", "CLIENT_TYPE", "EXTENSION_CLIENT_TYPES", "MSG_TYPE"}


def protocol_event_names() -> set[str]:
    names: set[str] = set()
    for module in (events, llm):
        for attr, value in vars(module).items():
            if (
                attr.isupper()
                and isinstance(value, str)
                and value == attr  # event constants are named as they are spelled on the wire
                and not any(attr.startswith(prefix) for prefix in _NOT_EVENTS)
            ):
                names.add(value)
    return names


def test_every_event_name_is_a_value_of_constants_js() -> None:
    source = (WEB_DIR / "constants.js").read_text()
    values = set(re.findall(r":\s*'([^']+)'", source))
    names = protocol_event_names()
    assert len(names) > 60
    assert sorted(names - values) == []
    assert "streamed_data: 'SERVER_STREAM_DATA'" in source
