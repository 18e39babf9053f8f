"""Trust files decide who may connect and who may act as admin (§3.2, §4.5, §4.8)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from newage_desktop.core.auth.trust import TrustStore
from newage_desktop.core.store.datadir import DataDir


@pytest.fixture
def data(tmp_path: Path) -> DataDir:
    datadir = DataDir(tmp_path)
    datadir.ensure()
    return datadir


def put(data: DataDir, name: str, content: Any) -> Path:
    path = data.settings_dir / name
    text = content if isinstance(content, str) else json.dumps(content)
    path.write_text(text, encoding="utf-8")
    return path


def load(data: DataDir) -> tuple[TrustStore, list[str]]:
    store = TrustStore(data)
    return store, store.reload()


def test_a_file_with_is_trust_true_trusts_its_client_id(data: DataDir) -> None:
    put(data, "anything.json", {"clientId": "alice", "isTrust": True})
    store, warnings = load(data)
    assert warnings == []
    assert store.is_trusted("alice")
    assert not store.is_trusted("bob")


@pytest.mark.parametrize("value", ["true", 1, None, False])
def test_only_json_true_trusts(data: DataDir, value: Any) -> None:
    put(data, "alice-settings.json", {"clientId": "alice", "isTrust": value})
    store, _ = load(data)
    assert not store.is_trusted("alice")
    assert store.known_client_ids() == {"alice"}


def test_server_settings_is_never_a_trust_file(data: DataDir) -> None:
    put(data, "server_settings.json", {"clientId": "evil", "isTrust": True})
    store, warnings = load(data)
    assert not store.is_trusted("evil")
    assert warnings == []


def test_one_trusting_file_is_enough(data: DataDir) -> None:
    put(data, "a.json", {"clientId": "alice", "isTrust": False})
    put(data, "b.json", {"clientId": "alice", "isTrust": True})
    store, _ = load(data)
    assert store.is_trusted("alice")


def test_corrupt_and_non_object_files_are_skipped_with_a_warning(data: DataDir) -> None:
    broken = put(data, "broken.json", '{"clientId": "x", "isTrust": true')
    listed = put(data, "list.json", "[1]")
    put(data, "ok.json", {"clientId": "ok", "isTrust": True,})  # fmt: skip
    store, warnings = load(data)
    assert store.is_trusted("ok")
    assert not store.is_trusted("x")
    assert len(warnings) == 2
    assert str(broken) in warnings[0] and str(listed) in warnings[1]


def test_trust_file_written_by_hand_is_seen_after_reload(data: DataDir) -> None:
    store, _ = load(data)
    assert not store.is_trusted("late")
    put(data, "late-settings.json", {"clientId": "late", "isTrust": True})
    assert not store.is_trusted("late")  # cached until the next reload
    store.reload()
    assert store.is_trusted("late")


def test_trust_merges_into_the_clients_own_file(data: DataDir) -> None:
    path = put(
        data, "alice-settings.json", {"theme": "dark", "clientId": "alice", "isTrust": False}
    )
    store, _ = load(data)
    store.trust("alice", client_type="monitor", desc="Alice's laptop")
    assert json.loads(path.read_text("utf-8")) == {
        "theme": "dark",
        "clientId": "alice",
        "isTrust": True,
        "clientType": "monitor",
        "desc": "Alice's laptop",
    }
    assert store.is_trusted("alice")
    assert store.is_admin_capable("alice")


def test_trust_creates_a_missing_file(data: DataDir) -> None:
    store, _ = load(data)
    store.trust("bob")
    path = data.settings_dir / "bob-settings.json"
    assert json.loads(path.read_text("utf-8")) == {"clientId": "bob", "isTrust": True}
    assert store.is_trusted("bob")
    (record,) = store.records()
    assert (record.client_id, record.trusted, record.client_type, record.path) == (
        "bob", True, None, path,
    )  # fmt: skip


def test_untrust_flips_every_file_naming_the_client(data: DataDir) -> None:
    a = put(data, "alice-settings.json", {"clientId": "alice", "isTrust": True, "keep": 1})
    b = put(data, "copy.json", {"clientId": "alice", "isTrust": True})
    c = put(data, "other.json", {"clientId": "bob", "isTrust": True})
    store, _ = load(data)
    store.untrust("alice")
    assert not store.is_trusted("alice")
    assert store.is_trusted("bob")
    assert json.loads(a.read_text("utf-8")) == {"clientId": "alice", "isTrust": False, "keep": 1}
    assert json.loads(b.read_text("utf-8"))["isTrust"] is False
    assert json.loads(c.read_text("utf-8"))["isTrust"] is True


def test_admin_capability(data: DataDir) -> None:
    put(data, "m.json", {"clientId": "boss", "isTrust": True, "clientType": "monitor"})
    put(data, "u.json", {"clientId": "plain", "isTrust": True, "clientType": "SillyTavern"})
    put(data, "x.json", {"clientId": "old", "isTrust": False, "clientType": "monitor"})
    put(data, "y.json", {"clientId": "old", "isTrust": True})
    store, _ = load(data)
    assert store.is_admin_capable("boss")
    assert store.is_admin_capable("monitor")  # upstream convention, no file needed
    assert not store.is_admin_capable("plain")
    # An untrusted monitor file grants nothing, even if another file trusts the clientId.
    assert not store.is_admin_capable("old")
    assert store.is_trusted("old")
