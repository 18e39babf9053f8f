"""A corrupt keys or trust file is reported once per change, not at every poll (§13 item 6).

The tests drive the server's real file poller (``RelayServer._poll_files``) with its sleep
replaced by a scripted stand-in, so "60 polls" is one simulated minute at one poll a second
and every warning the poller or the stores log is counted.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from newage_desktop.core.auth.keys import KeyStore
from newage_desktop.core.store.datadir import DataDir
from newage_desktop.core.store.jsonfiles import CorruptFileError
from newage_desktop.transport import server as server_module
from newage_desktop.transport.server import RelayServer

from .conftest import RecordingGateway

HASH_A = "$2b$10$" + "a" * 53
HASH_B = "$2b$10$" + "b" * 53


def bump(path: Path) -> None:
    """Give a rewritten file a new mtime even on filesystems with coarse timestamps."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    bump(path)


async def run_polls(
    monkeypatch: pytest.MonkeyPatch, server: RelayServer, script: dict[int, Callable[[], None]]
) -> int:
    """Run the real poller; before poll ``i`` (1-based) run ``script[i]``; stop after the last."""
    last = max(script)
    polls = 0

    async def fake_sleep(_seconds: float) -> None:
        nonlocal polls
        if polls == last:
            raise asyncio.CancelledError
        polls += 1
        action = script.get(polls)
        if action is not None:
            action()

    monkeypatch.setattr(server_module, "asyncio", SimpleNamespace(sleep=fake_sleep))
    with pytest.raises(asyncio.CancelledError):
        await server._poll_files()
    return polls


@pytest.fixture
def server(tmp_path: Path) -> RelayServer:
    datadir = DataDir(tmp_path / "data")
    datadir.ensure()
    datadir.keys_file.write_text(
        json.dumps({"alice": {"key": HASH_A, "rooms": []}}), encoding="utf-8"
    )
    relay = RelayServer(datadir)
    relay.core.open()
    relay.core.attach(RecordingGateway())
    return relay


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def infos_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]


async def test_corrupt_keys_file_warns_once_per_change(
    monkeypatch: pytest.MonkeyPatch, server: RelayServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="newage")
    core = server.core
    keys_file = core.datadir.keys_file
    seen_while_corrupt: list[str | None] = []

    script: dict[int, Callable[[], None]] = {
        1: lambda: write(keys_file, '{"alice": {"key": '),
        30: lambda: seen_while_corrupt.append(core.keys.hash_of("alice")),
        60: lambda: seen_while_corrupt.append(core.keys.hash_of("alice")),
    }
    try:
        assert await run_polls(monkeypatch, server, script) == 60
        warnings = warnings_of(caplog)
        assert len(warnings) == 1, warnings
        assert str(keys_file) in warnings[0]
        assert "line 1" in warnings[0] and "column" in warnings[0]
        # The last good hashes stay in use while the file is corrupt.
        assert seen_while_corrupt == [HASH_A, HASH_A]
        assert core.keys.has_key("alice")

        # Another corrupt version is one more warning, again only once.
        caplog.clear()
        await run_polls(
            monkeypatch, server, {1: lambda: write(keys_file, "{\n  oops\n}"), 60: bump_nothing}
        )
        warnings = warnings_of(caplog)
        assert len(warnings) == 1, warnings
        assert str(keys_file) in warnings[0] and "line 2" in warnings[0]
        assert "column 3" in warnings[0]
        assert core.keys.has_key("alice")

        # Fixed: read again, one info line, new hashes in use, no more warnings.
        caplog.clear()
        fixed = json.dumps({"alice": {"key": HASH_A}, "bob": {"key": HASH_B}})
        await run_polls(monkeypatch, server, {1: lambda: write(keys_file, fixed), 60: bump_nothing})
        assert warnings_of(caplog) == []
        read_again = [m for m in infos_of(caplog) if str(keys_file) in m]
        assert len(read_again) == 1, infos_of(caplog)
        assert "read again" in read_again[0]
        assert core.keys.hash_of("bob") == HASH_B and core.keys.hash_of("alice") == HASH_A
    finally:
        core.close()


def bump_nothing() -> None:
    """A script step that only marks the last poll."""


async def test_corrupt_trust_file_warns_once_per_change(
    monkeypatch: pytest.MonkeyPatch, server: RelayServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="newage")
    core = server.core
    trust_file = core.datadir.settings_dir / "bob-settings.json"
    try:
        await run_polls(
            monkeypatch,
            server,
            {1: lambda: write(trust_file, '{"clientId": "bob", "isTrust": true'), 60: bump_nothing},
        )
        warnings = warnings_of(caplog)
        assert len(warnings) == 1, warnings
        assert str(trust_file) in warnings[0]
        assert "line 1" in warnings[0] and "column" in warnings[0]
        assert not core.trust.is_trusted("bob")

        caplog.clear()
        await run_polls(
            monkeypatch, server, {1: lambda: write(trust_file, "{\n  nope"), 60: bump_nothing}
        )
        warnings = warnings_of(caplog)
        assert len(warnings) == 1 and "line 2" in warnings[0], warnings

        caplog.clear()
        good = json.dumps({"clientId": "bob", "isTrust": True})
        await run_polls(monkeypatch, server, {1: lambda: write(trust_file, good), 60: bump_nothing})
        assert warnings_of(caplog) == []
        assert core.trust.is_trusted("bob")
        assert len([m for m in infos_of(caplog) if str(trust_file) in m]) == 1
    finally:
        core.close()


def test_keystore_keeps_old_hashes_and_raises_only_once_per_change(tmp_path: Path) -> None:
    datadir = DataDir(tmp_path)
    datadir.ensure()
    store = KeyStore(datadir)
    store.load()
    store.put_hash("alice", HASH_A)
    write(datadir.keys_file, "[1, 2")
    raised = 0
    for _ in range(60):
        try:
            assert store.reload_if_changed() == set()
        except CorruptFileError:  # what the poller logs as a warning
            raised += 1
    assert raised == 1
    assert store.hash_of("alice") == HASH_A
