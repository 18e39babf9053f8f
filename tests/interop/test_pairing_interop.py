"""'getKey' key requests and pairing (PROTOCOL.md §4.7, §6.4)."""

from __future__ import annotations

import json

from interop_support import run_scenario


def test_pairing_approve_deny_and_errors(shared_server):
    srv = shared_server.server
    approve_id, deny_id, st_id = "pair-approve", "pair-deny", "pair-st"
    for cid in (approve_id, deny_id, st_id):
        assert not srv.trust_file(cid).exists()
    (res,) = run_scenario(
        "pairing",
        {
            "url": shared_server.url,
            "admin": shared_server.js("admin"),
            "client": shared_server.js("client"),
            "approveId": approve_id,
            "denyId": deny_id,
            "stId": st_id,
            "supersedeId": "pair-supersede",
        },
    )
    # §4.7 step 5: approval merged {clientId, isTrust:true, clientType} into the trust file.
    trust = json.loads(srv.trust_file(approve_id).read_text(encoding="utf-8"))
    assert trust.get("clientId") == approve_id, trust
    assert trust.get("isTrust") is True, trust
    assert trust.get("clientType") == "TestClient", trust
    st_trust = json.loads(srv.trust_file(st_id).read_text(encoding="utf-8"))
    assert st_trust.get("isTrust") is True and st_trust.get("clientType") == "SillyTavern", st_trust
    # A denied request trusts nothing.
    denied = srv.trust_file(deny_id)
    if denied.exists():
        assert json.loads(denied.read_text(encoding="utf-8")).get("isTrust") is not True
    # §3.3: only hashes are stored.
    keys_text = srv.keys_file.read_text(encoding="utf-8")
    keys = json.loads(keys_text)
    assert res["approveKey"] not in keys_text and res["stKey"] not in keys_text
    assert keys[approve_id]["key"].startswith("$2b$"), keys[approve_id]
    assert keys[approve_id]["rooms"] == [], keys[approve_id]
    assert deny_id not in keys


def test_pairing_expiry(server_factory):
    srv = server_factory("pairing-expiry", {"pairingTimeoutMs": 1500})
    admin = srv.provision("expiry-admin", monitor=True)
    srv.start()
    run_scenario(
        "pairing_expiry",
        {"url": srv.url, "admin": admin.js(), "pendingId": "expiry-pending", "timeoutMs": 1500},
    )
    assert not srv.trust_file("expiry-pending").exists()


def test_key_requests_refused_when_pairing_off(server_factory):
    srv = server_factory("pairing-off", {"pairingRequests": False})
    trusted = srv.provision("off-trusted")
    srv.start()
    reason = "Key requests are not allowed."
    cases = [
        {
            "name": "untrusted getKey on /auth",
            "ns": "/auth",
            "expect": "refused",
            "reason": reason,
            "auth": {"clientId": "off-stranger", "key": "getKey"},
        },
        {
            "name": "untrusted getKey on /sillytavern",
            "ns": "/sillytavern",
            "expect": "refused",
            "reason": reason,
            "transports": ["websocket"],
            "auth": {"clientId": "off-stranger", "key": "getKey", "clientType": "SillyTavern"},
        },
        # allowKeyRequests defaults to false: a trusted clientId is not served at once either
        {
            "name": "trusted getKey with allowKeyRequests off",
            "ns": "/auth",
            "expect": "refused",
            "reason": reason,
            "auth": {"clientId": trusted.clientId, "key": "getKey"},
        },
        {
            "name": "the trusted client's real key still works",
            "ns": "/auth",
            "expect": "ok",
            "auth": trusted.js(),
        },
    ]
    run_scenario("admission", {"url": srv.url, "cases": cases})
