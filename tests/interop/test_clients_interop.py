"""/clients lists, ack conventions and the payload limit (PROTOCOL.md §2.1, §2.2, §5, §6.4)."""

from __future__ import annotations

from interop_support import run_scenario


def test_client_list_updates_and_ack_conventions(shared_server):
    run_scenario(
        "clients_list",
        {
            "url": shared_server.url,
            "observer": shared_server.js("observer"),
            "listed": shared_server.js("listed"),
            "allKeys": shared_server.all_keys(),
        },
    )


def test_oversized_payload_closes_connection_server_survives(server_factory):
    srv = server_factory("payload")
    client = srv.provision("payload-client")
    other = srv.provision("payload-other")
    srv.start()
    run_scenario("payload", {"url": srv.url, "client": client.js(), "other": other.js()})
    assert srv.running, "the server process died after an oversized message"
    assert srv.healthz()["status"] == "ok"
