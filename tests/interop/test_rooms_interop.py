"""/rooms (PROTOCOL.md §6.5)."""

from __future__ import annotations

import uuid

from interop_support import run_scenario


def test_rooms_create_info_add_delete(shared_server):
    run_scenario(
        "rooms",
        {
            "url": shared_server.url,
            "admin": shared_server.js("admin"),
            "member": shared_server.js("member"),
            "client": shared_server.js("client"),
            "roomName": f"interop room {uuid.uuid4().hex[:8]}",
        },
    )
