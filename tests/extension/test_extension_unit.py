"""The SillyTavern extension's pure logic under Node's test runner (`*.test.mjs` here), and the
vendored socket.io-client browser build checked against the npm package the lockfile pins."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
EXTENSION = REPO / "newage_desktop" / "sillytavern" / "extension"
NPM_CLIENT = REPO / "tests" / "interop" / "node_modules" / "socket.io-client"
LOCKFILE = REPO / "tests" / "interop" / "package-lock.json"


def test_node_unit_tests_pass() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node (Node.js 20) is not on PATH")
    tests = sorted(str(p) for p in HERE.glob("*.test.mjs"))
    assert tests, "no Node unit tests found"
    proc = subprocess.run(
        [node, "--test", *tests], capture_output=True, text=True, timeout=120, check=False
    )
    summary = [ln for ln in proc.stdout.splitlines() if ln.startswith(("# pass", "# fail"))]
    report = f"{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}"
    assert proc.returncode == 0, f"node --test failed:\n{report}"
    assert summary and summary[-1] == "# fail 0", summary


def test_vendored_socket_io_client_is_the_pinned_npm_build() -> None:
    if not (NPM_CLIENT / "package.json").is_file():
        pytest.skip("tests/interop/node_modules missing (run `npm ci` in tests/interop)")
    pinned = json.loads(LOCKFILE.read_text(encoding="utf-8"))["packages"][
        "node_modules/socket.io-client"
    ]["version"]
    installed = json.loads((NPM_CLIENT / "package.json").read_text(encoding="utf-8"))["version"]
    assert installed == pinned
    vendored = (EXTENSION / "lib" / "socket.io.esm.min.js").read_bytes()
    npm_build = (NPM_CLIENT / "dist" / "socket.io.esm.min.js").read_bytes()
    assert hashlib.sha256(vendored).hexdigest() == hashlib.sha256(npm_build).hexdigest(), (
        "extension/lib/socket.io.esm.min.js differs from socket.io-client "
        f"{pinned}: run scripts/update_extension_lib.sh"
    )
    assert f"Socket.IO v{pinned}".encode() in vendored[:200]


def test_manifest_is_one_sillytavern_loads() -> None:
    manifest = json.loads((EXTENSION / "manifest.json").read_text(encoding="utf-8"))
    # SillyTavern 1.12 skips a manifest without "requires" silently.
    assert manifest["requires"] == []
    assert (EXTENSION / manifest["js"]).is_file()
    assert (EXTENSION / manifest["css"]).is_file()
    assert manifest["version"]
