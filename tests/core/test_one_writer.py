"""One writer at a time for keys, trust files and server settings, across processes (issue 8).

The server, the window and the command line each read-merge-write the same files. Without a
lock between processes one writer's read can be older than another's write, and its write then
loses the other's change (a key gone, a revoked key back). These tests force that interleaving:
a second writer (another store object, as another process would have) runs in the middle of the
first one's read-merge-write, between its read and its write. With the lock, the second writer
waits, and both changes survive in either order.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import newage_desktop.core.auth.keys as keys_module
import newage_desktop.core.auth.trust as trust_module
import newage_desktop.core.store.settings as settings_module
from newage_desktop.core.auth.keys import KeyStore
from newage_desktop.core.auth.trust import TrustStore
from newage_desktop.core.store.datadir import DataDir
from newage_desktop.core.store.settings import SettingsStore

HASH_A = "$2b$10$" + "a" * 53
HASH_B = "$2b$10$" + "b" * 53
HASH_C = "$2b$10$" + "c" * 53
# How long the first writer lets the second one run before writing. Only bounds the wait: the
# outcome does not depend on it (with the lock, the second writer simply runs afterwards).
INTERLEAVE_WAIT = 1.0


@pytest.fixture
def data(tmp_path: Path) -> DataDir:
    datadir = DataDir(tmp_path / "data")
    datadir.ensure()
    return datadir


class Interleave:
    """``arm(module, other)``: run ``other`` on a thread right after the next file read of
    ``module``, i.e. between that writer's read and its write; ``settle()`` waits for it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch
        self._threads: list[threading.Thread] = []
        self._errors: list[BaseException] = []

    def arm(self, module: Any, other: Callable[[], None]) -> None:
        real = module.read_json
        armed = [True]

        def run_other() -> None:
            try:
                other()
            except BaseException as exc:  # pragma: no cover - reported by settle()
                self._errors.append(exc)

        def read_then_let_other_in(path: Path) -> Any:
            try:
                return real(path)  # a missing file counts as read too
            finally:
                if armed[0]:
                    armed[0] = False
                    thread = threading.Thread(target=run_other)
                    self._threads.append(thread)
                    thread.start()
                    thread.join(INTERLEAVE_WAIT)

        self._monkeypatch.setattr(module, "read_json", read_then_let_other_in)

    def settle(self) -> None:
        for thread in self._threads:
            thread.join(30)
            assert not thread.is_alive()
        self._monkeypatch.undo()
        assert not self._errors, self._errors


@pytest.fixture
def interleave(monkeypatch: pytest.MonkeyPatch) -> Iterator[Interleave]:
    helper = Interleave(monkeypatch)
    yield helper
    helper.settle()


def keys_on_disk(data: DataDir) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(data.keys_file.read_text(encoding="utf-8"))
    return result


def test_a_key_written_meanwhile_by_another_writer_is_not_lost(
    data: DataDir, interleave: Interleave
) -> None:
    server, cli = KeyStore(data), KeyStore(data)
    server.load()
    cli.load()
    interleave.arm(keys_module, lambda: cli.put_hash("from-cli", HASH_B))
    server.put_hash("from-server", HASH_A)
    interleave.settle()
    on_disk = keys_on_disk(data)
    assert on_disk["from-server"]["key"] == HASH_A
    assert on_disk["from-cli"]["key"] == HASH_B


def test_a_key_removed_meanwhile_by_another_writer_does_not_come_back(
    data: DataDir, interleave: Interleave
) -> None:
    server, cli = KeyStore(data), KeyStore(data)
    server.load()
    server.put_hash("revoked", HASH_A)
    cli.load()
    interleave.arm(keys_module, lambda: cli.remove("revoked"))
    server.put_hash("other", HASH_B)
    interleave.settle()
    assert "revoked" not in keys_on_disk(data)
    server.reload_if_changed()
    assert not server.has_key("revoked")


def test_a_re_read_after_the_servers_own_write_keeps_its_hash(
    data: DataDir, interleave: Interleave
) -> None:
    server, cli = KeyStore(data), KeyStore(data)
    server.load()
    server.put_hash("bot", HASH_A)
    cli.load()
    interleave.arm(keys_module, lambda: cli.put_hash("other", HASH_C))
    server.put_hash("bot", HASH_B)  # re-key
    interleave.settle()
    changed = server.reload_if_changed()
    assert server.hash_of("bot") == HASH_B
    assert "bot" not in changed  # no spurious revocation of the key just issued
    assert keys_on_disk(data)["bot"]["key"] == HASH_B
    assert server.hash_of("other") == HASH_C  # the in-memory table follows the file


def test_trust_and_untrust_from_two_writers_both_survive(
    data: DataDir, interleave: Interleave
) -> None:
    window, cli = TrustStore(data), TrustStore(data)
    window.trust("bot", desc="my bot")
    cli.reload()
    interleave.arm(trust_module, lambda: cli.untrust("bot"))
    window.trust("bot", client_type="monitor")
    interleave.settle()
    on_disk = json.loads((data.settings_dir / "bot-settings.json").read_text(encoding="utf-8"))
    # The untrust ran after the trust (it waited for it) and was not undone by it.
    assert on_disk == {
        "clientId": "bot",
        "isTrust": False,
        "desc": "my bot",
        "clientType": "monitor",
    }


def test_two_settings_writers_keep_both_changes(data: DataDir, interleave: Interleave) -> None:
    window, other = SettingsStore(data), SettingsStore(data)
    window.load()
    other.load()
    interleave.arm(settings_module, lambda: other.update({"debugMode": True}))
    window.update({"timeout": 7000})
    interleave.settle()
    on_disk = json.loads(data.server_settings_file.read_text(encoding="utf-8"))
    assert on_disk["timeout"] == 7000 and on_disk["debugMode"] is True


# --- real processes --------------------------------------------------------------------------

_HAMMER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from newage_desktop.core.store.datadir import DataDir
    from newage_desktop.core.auth.keys import KeyStore

    root, tag, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = KeyStore(DataDir(Path(root)))
    store.load()
    hashed = "$2b$10$" + "h" * 53
    for i in range(count):
        store.put_hash(f"{tag}-{i}", hashed)
        if i % 3 == 2:
            store.remove(f"{tag}-{i - 1}")
    """
)


def _expected(tag: str, count: int) -> tuple[set[str], set[str]]:
    removed = {f"{tag}-{i - 1}" for i in range(count) if i % 3 == 2}
    added = {f"{tag}-{i}" for i in range(count)}
    return added - removed, removed


def test_two_processes_hammering_one_keys_file_lose_and_resurrect_nothing(data: DataDir) -> None:
    count = 60
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _HAMMER, str(data.root), tag, str(count)],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("p1", "p2")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    on_disk = set(keys_on_disk(data))
    lost: set[str] = set()
    resurrected: set[str] = set()
    for tag in ("p1", "p2"):
        kept, removed = _expected(tag, count)
        lost |= kept - on_disk
        resurrected |= removed & on_disk
    assert (sorted(lost), sorted(resurrected)) == ([], [])


def test_threads_with_their_own_stores_lose_nothing(data: DataDir) -> None:
    count = 40
    errors: list[BaseException] = []

    def hammer(tag: str) -> None:
        store = KeyStore(data)
        try:
            store.load()
            for i in range(count):
                store.put_hash(f"{tag}-{i}", HASH_A)
                if i % 3 == 2:
                    store.remove(f"{tag}-{i - 1}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(tag,)) for tag in ("t1", "t2", "t3")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    on_disk = set(keys_on_disk(data))
    for tag in ("t1", "t2", "t3"):
        kept, removed = _expected(tag, count)
        assert kept <= on_disk
        assert not removed & on_disk


# --- temporary files of a killed writer ------------------------------------------------------


def test_temp_files_of_a_killed_writer_are_removed_at_start_and_nothing_else(
    tmp_path: Path,
) -> None:
    data = DataDir(tmp_path / "data")
    data.ensure()
    leftovers = [
        data.keys_dir / ".clients.json.0123456789ab.tmp",
        data.settings_dir / ".server_settings.json.a1b2c3d4e5f6.tmp",
        data.settings_dir / ".bot-settings.json.ffffffffffff.tmp",
        data.root / ".notes.json.abcdefabcdef.tmp",
    ]
    keep = [
        data.settings_dir / "notes.tmp",
        data.settings_dir / ".bot-settings.json.tmp",  # not our pattern (no random part)
        data.settings_dir / ".bot-settings.json.0123456789ab.tmp.bak",
        data.keys_dir / "clients.json",
        data.root / "exampleClient" / ".x.json.0123456789ab.tmp",  # not a folder we write
    ]
    for path in leftovers + keep:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}", encoding="utf-8")
    data.ensure()
    assert [p for p in leftovers if p.exists()] == []
    assert [p for p in keep if not p.exists()] == []
