"""Keys survive restarts; start-up never regenerates keys (PROTOCOL.md §3.3, §4.4, §12.4)."""

from __future__ import annotations

import json

from interop_support import run_scenario


def test_keys_survive_restart_unchanged(server_factory):
    srv = server_factory("restart")
    admin = srv.provision("restart-admin", monitor=True)
    srv.trust("restart-target")
    srv.start()
    assert srv.healthz()["clients"] == 0
    (res,) = run_scenario(
        "generate_key",
        {"url": srv.url, "admin": admin.js(), "targetClientId": "restart-target"},
    )
    key = res["key"]
    srv.stop()

    keys_before = srv.keys_file.read_bytes()
    trust_files = sorted(
        p for p in srv.settings_dir.glob("*.json") if p.name != "server_settings.json"
    )
    trust_before = {p.name: p.read_bytes() for p in trust_files}
    keys = json.loads(keys_before)
    assert key not in keys_before.decode(), "plaintext key stored in keys/clients.json"
    assert keys["restart-target"]["key"].startswith("$2b$10$"), keys["restart-target"]
    assert set(trust_before) >= {"restart-admin-settings.json", "restart-target-settings.json"}

    srv.start()
    run_scenario(
        "admission",
        {
            "url": srv.url,
            "cases": [
                {
                    "name": "generated key after restart",
                    "ns": "/",
                    "expect": "ok",
                    "auth": {"clientId": "restart-target", "key": key},
                },
                {
                    "name": "generated key after restart, /clients over websocket",
                    "ns": "/clients",
                    "expect": "ok",
                    "transports": ["websocket"],
                    "auth": {"clientId": "restart-target", "key": key},
                },
                {
                    "name": "provisioned admin key after restart",
                    "ns": "/debug",
                    "expect": "ok",
                    "auth": {**admin.js(), "clientType": "monitor"},
                },
            ],
        },
    )
    srv.stop()
    assert srv.keys_file.read_bytes() == keys_before, "keys/clients.json changed across a restart"
    for name, before in trust_before.items():
        assert (srv.settings_dir / name).read_bytes() == before, f"{name} changed across a restart"
    assert srv.exit_codes == [0, 0]
