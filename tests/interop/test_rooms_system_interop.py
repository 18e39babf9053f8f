"""The room system with the real socket.io-client (PROTOCOL.md §6.5, §7.3, §7.11, §7.12)."""

from __future__ import annotations

import uuid

from interop_support import run_scenario


def test_modes_editing_status_and_mute(shared_server):
    run_scenario(
        "rooms_system",
        {
            "url": shared_server.url,
            "admin": shared_server.js("admin"),
            "member": shared_server.js("member"),
            "client": shared_server.js("client"),
            "roomName": f"interop system {uuid.uuid4().hex[:8]}",
        },
    )
