"""Key generation, re-keying and revocation (PROTOCOL.md §4.4, §4.10, §6.3, §6.4)."""

from __future__ import annotations

import json

from interop_support import run_scenario


def test_generate_rekey_and_remove_keys(shared_server):
    srv = shared_server.server
    gen_target = shared_server.creds("gen_target").clientId
    revoke_target = shared_server.creds("revoke_target").clientId
    run_scenario(
        "keys",
        {
            "url": shared_server.url,
            "admin": shared_server.js("admin"),
            "client": shared_server.js("client"),
            "genTarget": gen_target,
            "revokeTarget": revoke_target,
        },
    )
    keys = json.loads(srv.keys_file.read_text(encoding="utf-8"))
    # §3.3: server-written hashes are bcrypt $2b$ cost 10; a removed key is gone;
    # removing a key does not untrust (§4.4).
    assert keys[gen_target]["key"].startswith("$2b$10$"), keys[gen_target]
    assert keys[gen_target]["rooms"] == []
    assert revoke_target not in keys
    trust = json.loads(srv.trust_file(revoke_target).read_text(encoding="utf-8"))
    assert trust.get("isTrust") is True, trust
    # §3.3: mode 0600 on POSIX.
    assert srv.keys_file.stat().st_mode & 0o777 == 0o600, oct(srv.keys_file.stat().st_mode)
