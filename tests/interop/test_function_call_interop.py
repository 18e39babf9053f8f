"""/function_call (PROTOCOL.md §9) driven by the real socket.io-client: server functions, path
refusals, forwarding to an emulated SillyTavern extension's /function_call socket, the timeout."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from interop_support import NewAgeServer, run_scenario

OUTSIDE = "Access denied: Path is outside the server directory."
RESTRICTED = "Access denied: File is restricted."
ONLY_JSON = "Access denied: Only .json files are allowed."


def test_function_calls(shared_server: Any) -> None:
    srv: NewAgeServer = shared_server.server
    caller = srv.provision("interop-fc-caller")
    ext = srv.provision("interop-fc-ext")
    srv.provision("interop-fc-someone")  # another client's trust file
    data = srv.data_dir
    # Files and links outside the data directory (§9.3: `..`, absolute paths, symlinks).
    outside_dir = srv.base_dir / "outside"
    outside_dir.mkdir(exist_ok=True)
    (outside_dir / "secret.json").write_text('{"secret": true}\n', encoding="utf-8")
    (data / "escape.json").unlink(missing_ok=True)
    os.symlink(outside_dir / "secret.json", data / "escape.json")
    (data / "linkdir").unlink(missing_ok=True)
    os.symlink(outside_dir, data / "linkdir", target_is_directory=True)

    def own(path: Path) -> object:
        return json.loads(path.read_text(encoding="utf-8"))

    refused = {"code": "EACCES"}
    reads = [
        {"path": "../outside/secret.json", "expect": {**refused, "message": OUTSIDE}},
        {"path": "settings/../../outside/secret.json", "expect": {**refused, "message": OUTSIDE}},
        {"path": str(outside_dir / "secret.json"), "expect": {**refused, "message": OUTSIDE}},
        {"path": "escape.json", "expect": {**refused, "message": OUTSIDE}},
        {"path": "linkdir/secret.json", "expect": {**refused, "message": OUTSIDE}},
        {"path": "keys/clients.json", "expect": {**refused, "message": RESTRICTED}},
        {"path": "./keys/../keys/clients.json", "expect": {**refused, "message": RESTRICTED}},
        {"path": "logs/anything.json", "expect": {**refused, "message": RESTRICTED}},
        {
            "path": "settings/interop-fc-someone-settings.json",
            "expect": {**refused, "message": RESTRICTED},
        },
        {"path": "settings/notes.txt", "expect": {**refused, "message": ONLY_JSON}},
        {"path": "nowhere/missing.json", "expect": {"code": "ENOENT"}},
    ]
    ok_reads = [
        {
            "path": "settings/interop-fc-caller-settings.json",
            "content": own(srv.trust_file("interop-fc-caller")),
        },
        {
            "path": str(srv.settings_dir / "server_settings.json"),
            "content": own(srv.settings_dir / "server_settings.json"),
        },
    ]
    (res,) = run_scenario(
        "function_calls",
        {
            "url": srv.url,
            "caller": caller.js(),
            "ext": ext.js(),
            "settings": own(srv.settings_dir / "server_settings.json"),
            "reads": reads,
            "okReads": ok_reads,
        },
    )
    assert "readJsonFromFile" in res["functions"]


def test_function_call_timeout(server_factory: Callable[..., NewAgeServer]) -> None:
    timeout_ms = 400
    srv = server_factory("fc-timeout", {"authMaxFailures": 1000, "timeout": timeout_ms})
    caller = srv.provision("fc-timeout-caller")
    ext = srv.provision("fc-timeout-ext")
    srv.start()
    (res,) = run_scenario(
        "function_timeout",
        {"url": srv.url, "caller": caller.js(), "ext": ext.js(), "timeoutMs": timeout_ms},
    )
    assert res["timeoutAfterMs"] >= timeout_ms - 50
