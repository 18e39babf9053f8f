"""The bundled SillyTavern extension's connection logic against the real relay (Node, the
npm socket.io-client): pairing, streaming, revocation, restart with the stored key, denial."""

from __future__ import annotations

from interop_support import run_scenario


def test_extension_relay_client_pairs_streams_and_repairs(shared_server):
    run_scenario(
        "st_relay_client",
        {
            "url": shared_server.url,
            "admin": shared_server.js("admin"),
            "client": shared_server.js("client"),
            "stId": "st-ext-client",
        },
    )
