"""SIGTERM with live clients: the headless server stops cleanly (exit 0) within a few seconds
and closes its connections (interface of the headless server; PROTOCOL.md §2.1, §4.3)."""

from __future__ import annotations

import json
import subprocess
import time

import pytest
from interop_support import INTEROP_DIR, NODE, SCENARIOS_DIR, STOP_TIMEOUT_S


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_sigterm_with_live_connections(server_factory, transport):
    srv = server_factory(f"shutdown-{transport}")
    client = srv.provision("shutdown-client")
    srv.start()
    assert NODE is not None
    holder = subprocess.Popen(
        [
            NODE,
            str(SCENARIOS_DIR / "hold.js"),
            json.dumps({"url": srv.url, "client": client.js(), "transport": transport}),
        ],
        cwd=INTEROP_DIR,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        ready = holder.stdout.readline()
        if ready.strip() != "READY":
            out, err = holder.communicate(timeout=30)
            raise AssertionError(
                f"hold.js did not get its connections open.\n--- stdout ---\n{ready}{out}\n"
                f"--- stderr ---\n{err}"
            )
        started = time.monotonic()
        code = srv.stop(check=False)
        took = time.monotonic() - started
        out, err = holder.communicate(timeout=30)
        assert code == 0 and took <= STOP_TIMEOUT_S, (
            f"SIGTERM with live connections: exit status {code} after {took:.1f} s "
            f"(expected 0 within {STOP_TIMEOUT_S} s; -9 means it had to be killed)\n"
            f"--- server log ---\n{srv.log_tail()}"
        )
        assert holder.returncode == 0, (
            f"hold.js: connections not closed cleanly by the shutdown (exit {holder.returncode})"
            f"\n--- stdout ---\n{out}\n--- stderr ---\n{err}"
        )
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
