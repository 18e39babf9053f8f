"""Admission (PROTOCOL.md §2.1, §4.1–§4.3, §4.8, §4.9) with the real socket.io-client."""

from __future__ import annotations

from typing import Any

from interop_support import run_scenario

WRONG_KEY = "00000000-0000-4000-8000-000000000000"
WS = ["websocket"]


def refused(name: str, ns: str, auth: Any, reason: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "ns": ns, "auth": auth, "expect": "refused", "reason": reason, **extra}


def admitted(name: str, ns: str, auth: Any, **extra: Any) -> dict[str, Any]:
    return {"name": name, "ns": ns, "auth": auth, "expect": "ok", **extra}


def test_every_namespace_admits_trusted_client_and_debug_only_admin(shared_server):
    run_scenario(
        "namespaces",
        {
            "url": shared_server.url,
            "client": shared_server.js("client"),
            "admin": shared_server.js("admin"),
        },
    )


def test_refusal_reasons(shared_server):
    client = shared_server.creds("client")
    cid, key = client.clientId, client.key
    untrusted = shared_server.creds("untrusted")
    distrusted = shared_server.creds("distrusted")
    nokey = shared_server.creds("nokey")
    cases = [
        refused(
            "untrusted clientId (key hash, no trust file)",
            "/",
            {"clientId": untrusted.clientId, "key": untrusted.key},
            "Client is not trusted.",
        ),
        refused(
            "trust file with isTrust false",
            "/clients",
            {"clientId": distrusted.clientId, "key": distrusted.key},
            "Client is not trusted.",
            transports=WS,
        ),
        refused(
            "never-seen clientId",
            "/llm",
            {"clientId": "interop-stranger", "key": WRONG_KEY},
            "Client is not trusted.",
        ),
        refused("wrong key", "/", {"clientId": cid, "key": WRONG_KEY}, "Invalid key."),
        refused(
            "wrong key on /rooms over websocket",
            "/rooms",
            {"clientId": cid, "key": WRONG_KEY},
            "Invalid key.",
            transports=WS,
        ),
        refused("missing key", "/", {"clientId": cid}, "Invalid key."),
        refused("empty key", "/auth", {"clientId": cid, "key": ""}, "Invalid key."),
        refused(
            "key longer than 72 bytes",
            "/",
            {"clientId": cid, "key": key + "x" * 40},
            "Invalid key.",
        ),
        refused(
            "trusted clientId without a stored key",
            "/",
            {"clientId": nokey.clientId, "key": WRONG_KEY},
            "Invalid key.",
        ),
        refused(
            "'getKey' on a namespace other than /auth and /sillytavern",
            "/clients",
            {"clientId": cid, "key": "getKey"},
            "Invalid key.",
        ),
        refused("non-string key", "/", {"clientId": cid, "key": 12345}, "Invalid auth data."),
        refused(
            "non-string clientType",
            "/",
            {"clientId": cid, "key": key, "clientType": 7},
            "Invalid auth data.",
            transports=WS,
        ),
        refused("non-string clientId", "/", {"clientId": 42, "key": key}, "Invalid auth data."),
        refused("non-object auth", "/", "just a string", "Invalid auth data."),
        refused("missing clientId", "/", {"key": key}, "Missing clientId."),
        refused("no auth at all", "/clients", None, "Missing clientId.", transports=WS),
        refused("empty clientId", "/", {"clientId": "", "key": key}, "Missing clientId."),
        refused("clientId with a slash", "/", {"clientId": "a/b", "key": key}, "Invalid clientId."),
        refused(
            "clientId over 128 chars", "/", {"clientId": "c" * 129, "key": key}, "Invalid clientId."
        ),
        refused(
            "identity not starting with the clientId",
            "/",
            {"clientId": cid, "key": key, "identity": "zzz-other"},
            "Invalid identity.",
        ),
        refused(
            "monitor clientType for a non-admin-capable clientId",
            "/",
            {"clientId": cid, "key": key, "clientType": "monitor"},
            "Client is not allowed to connect as monitor.",
        ),
        refused(
            "monitor clientType, non-admin-capable, on /clients",
            "/clients",
            {"clientId": cid, "key": key, "clientType": "monitor"},
            "Client is not allowed to connect as monitor.",
            transports=WS,
        ),
        refused("non-admin on /debug", "/debug", {"clientId": cid, "key": key}, "Unauthorized"),
        admitted(
            "identity = clientId + suffix",
            "/",
            {"clientId": cid, "key": key, "identity": cid + "#2"},
        ),
        admitted(
            "right key after all those failures (authMaxFailures is high here)",
            "/",
            {"clientId": cid, "key": key},
            transports=WS,
        ),
    ]
    # JSON cannot carry "no auth"; admission.js treats null as "no auth object".
    for c in cases:
        if c["auth"] is None:
            del c["auth"]
    run_scenario("admission", {"url": shared_server.url, "cases": cases})


def test_provisioning_while_running(shared_server):
    """§3.2/§3.3: a trust file and key hash written while the server runs take effect without
    a restart (trust set re-read for an unknown clientId, keys file re-read before it and on
    change)."""
    srv = shared_server.server
    fresh = srv.provision("interop-live-provisioned")
    later = srv.provision("interop-live-key-later", with_key=False)
    cases = [
        admitted(
            "client provisioned while running", "/", {"clientId": fresh.clientId, "key": fresh.key}
        ),
        admitted(
            "client provisioned while running, /clients",
            "/clients",
            {"clientId": fresh.clientId, "key": fresh.key},
            transports=WS,
        ),
        refused(
            "trusted while running, no key yet",
            "/",
            {"clientId": later.clientId, "key": later.key},
            "Invalid key.",
        ),
    ]
    run_scenario("admission", {"url": srv.url, "cases": cases})
    # Now add the key hash for the already-seen clientId: picked up when the file changes.
    srv.store_key(later.clientId, later.key)
    run_scenario(
        "admission",
        {
            "url": srv.url,
            "cases": [
                admitted(
                    "key hash added while running (file change picked up)",
                    "/",
                    {"clientId": later.clientId, "key": later.key},
                    retryMs=5000,
                ),
            ],
        },
    )


def test_bruteforce_lockout(server_factory):
    srv = server_factory("lockout", {"authMaxFailures": 3, "authFailureWindowMs": 2500})
    client = srv.provision("lock-client")
    other = srv.provision("lock-other")
    srv.start()
    run_scenario(
        "lockout",
        {
            "url": srv.url,
            "client": client.js(),
            "other": other.js(),
            "untrustedId": "lock-untrusted",
            "maxFailures": 3,
            "windowMs": 2500,
        },
    )
