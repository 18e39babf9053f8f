"""Keys are UUIDs stored only as bcrypt hashes in keys/clients.json (§3.3, §4.4, §4.10)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from newage_desktop.core.auth.keys import KeyStore, check_key, hash_key, new_key
from newage_desktop.core.store.datadir import DataDir
from newage_desktop.core.store.jsonfiles import CorruptFileError

# A published bcrypt test vector (cost 5, so checking it is cheap): password "U*U".
VECTOR_PASSWORD = "U*U"
VECTOR_2A = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"
# Cheap syntactically valid hashes for store tests (never verified).
HASH_A = "$2b$10$" + "a" * 53
HASH_B = "$2b$10$" + "b" * 53


@pytest.fixture(scope="module")
def key_and_hash() -> tuple[str, str]:
    """One real cost-10 hash for the whole module: bcrypt is slow on purpose."""
    key = new_key()
    return key, hash_key(key)


@pytest.fixture
def data(tmp_path: Path) -> DataDir:
    datadir = DataDir(tmp_path)
    datadir.ensure()
    return datadir


# --- pure functions --------------------------------------------------------------------------


def test_new_key_is_a_lowercase_uuid4() -> None:
    key = new_key()
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", key)
    assert new_key() != key


def test_hash_round_trip(key_and_hash: tuple[str, str]) -> None:
    key, hashed = key_and_hash
    assert hashed.startswith("$2b$10$") and len(hashed) == 60
    assert key not in hashed
    assert check_key(key, hashed)
    assert not check_key(key.upper(), hashed)


def test_2a_and_2y_hashes_are_accepted() -> None:
    assert check_key(VECTOR_PASSWORD, VECTOR_2A)
    assert check_key(VECTOR_PASSWORD, "$2y$" + VECTOR_2A[4:])
    assert not check_key("U*V", "$2y$" + VECTOR_2A[4:])


def test_keys_longer_than_72_bytes_are_rejected() -> None:
    assert not check_key("a" * 73, VECTOR_2A)
    assert not check_key("é" * 37, VECTOR_2A)  # 74 UTF-8 bytes, 37 characters
    with pytest.raises(ValueError):
        hash_key("a" * 73)


@pytest.mark.parametrize(
    "hashed",
    ["", "not a hash", VECTOR_2A[:-1], "$2x$" + VECTOR_2A[4:], "$2b$99$" + "a" * 53,
     VECTOR_2A[1:], "$2b$05$" + "!" * 53],
)  # fmt: skip
def test_malformed_hashes_are_false_not_errors(hashed: str) -> None:
    assert check_key(VECTOR_PASSWORD, hashed) is False


def test_a_hash_does_not_authenticate() -> None:
    assert not check_key(VECTOR_2A, VECTOR_2A)


# --- the store -------------------------------------------------------------------------------


def write_keys(data: DataDir, content: object) -> None:
    data.keys_file.write_text(json.dumps(content), encoding="utf-8")


def test_missing_file_is_an_empty_store(data: DataDir) -> None:
    store = KeyStore(data)
    store.load()
    assert store.client_ids() == []
    assert store.hash_of("x") is None
    assert not data.keys_file.exists()


@pytest.mark.parametrize("text", ['{"a": {"key": ', '["a"]'])
def test_corrupt_file_raises_and_is_never_overwritten(data: DataDir, text: str) -> None:
    data.keys_file.write_text(text, encoding="utf-8")
    store = KeyStore(data)
    with pytest.raises(CorruptFileError):
        store.load()
    with pytest.raises(CorruptFileError):
        store.put_hash("a", HASH_A)
    assert data.keys_file.read_text("utf-8") == text


def test_put_hash_writes_the_upstream_shape_keeping_other_fields(data: DataDir) -> None:
    write_keys(data, {"alice": {"key": HASH_A, "rooms": ["r1"], "note": "laptop"}})
    store = KeyStore(data)
    store.load()
    store.put_hash("alice", HASH_B)
    store.put_hash("bob", HASH_A)
    on_disk = json.loads(data.keys_file.read_text("utf-8"))
    assert on_disk == {
        "alice": {"key": HASH_B, "rooms": [], "note": "laptop"},
        "bob": {"key": HASH_A, "rooms": []},
    }
    assert store.export() == {
        "alice": {"key": HASH_B, "rooms": []},
        "bob": {"key": HASH_A, "rooms": []},
    }
    assert store.client_ids() == ["alice", "bob"]
    assert store.has_key("bob") and store.hash_of("bob") == HASH_A


def test_put_hash_refuses_plaintext(data: DataDir) -> None:
    store = KeyStore(data)
    store.load()
    with pytest.raises(ValueError):
        store.put_hash("alice", new_key())
    assert not data.keys_file.exists()


def test_export_is_a_copy(data: DataDir) -> None:
    store = KeyStore(data)
    store.load()
    store.put_hash("alice", HASH_A)
    store.export()["alice"]["rooms"].append("x")
    assert store.export()["alice"]["rooms"] == []


def test_records_without_a_usable_hash_have_no_key_but_are_kept(data: DataDir) -> None:
    write_keys(data, {"weird": {"key": "plain"}, "odd": 5})
    store = KeyStore(data)
    store.load()
    assert store.client_ids() == []
    assert not store.has_key("weird")
    store.put_hash("alice", HASH_A)
    assert set(json.loads(data.keys_file.read_text("utf-8"))) == {"weird", "odd", "alice"}


def test_remove(data: DataDir) -> None:
    store = KeyStore(data)
    store.load()
    store.put_hash("alice", HASH_A)
    assert store.remove("alice") is True
    assert store.remove("alice") is False
    assert json.loads(data.keys_file.read_text("utf-8")) == {}


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_keys_file_is_0600_in_a_0700_folder(data: DataDir) -> None:
    store = KeyStore(data)
    store.load()
    store.put_hash("alice", HASH_A)
    assert data.keys_file.stat().st_mode & 0o777 == 0o600
    assert data.keys_dir.stat().st_mode & 0o777 == 0o700


def test_own_writes_are_not_reported_as_changes(data: DataDir) -> None:
    store = KeyStore(data)
    store.load()
    store.put_hash("alice", HASH_A)
    store.put_hash("alice", HASH_B)
    store.remove("alice")
    store.put_hash("bob", HASH_A)
    assert store.reload_if_changed() == set()


def test_external_removal_and_change_are_reported_once(data: DataDir) -> None:
    write_keys(data, {"alice": {"key": HASH_A}, "bob": {"key": HASH_A}, "carol": {"key": HASH_A}})
    store = KeyStore(data)
    store.load()
    # An operator edits the file by hand: alice removed, bob re-keyed, dave added.
    write_keys(data, {"bob": {"key": HASH_B}, "carol": {"key": HASH_A}, "dave": {"key": HASH_A}})
    assert store.reload_if_changed() == {"alice", "bob"}
    assert store.hash_of("bob") == HASH_B and store.has_key("dave")
    assert store.reload_if_changed() == set()


def test_external_change_absorbed_by_our_write_is_still_reported(data: DataDir) -> None:
    write_keys(data, {"alice": {"key": HASH_A}})
    store = KeyStore(data)
    store.load()
    write_keys(data, {})  # removed by hand ...
    store.put_hash("bob", HASH_A)  # ... just before we write
    assert store.reload_if_changed() == {"alice"}
    assert json.loads(data.keys_file.read_text("utf-8")) == {"bob": {"key": HASH_A, "rooms": []}}


def test_deleting_the_file_revokes_everyone(data: DataDir) -> None:
    store = KeyStore(data)
    store.load()
    store.put_hash("alice", HASH_A)
    data.keys_file.unlink()
    assert store.reload_if_changed() == {"alice"}
    assert store.client_ids() == []


def test_file_made_corrupt_while_running_keeps_old_state(data: DataDir) -> None:
    store = KeyStore(data)
    store.load()
    store.put_hash("alice", HASH_A)
    data.keys_file.write_text('{"alice": ', encoding="utf-8")
    with pytest.raises(CorruptFileError):
        store.reload_if_changed()
    assert store.has_key("alice")
    write_keys(data, {})
    assert store.reload_if_changed() == {"alice"}
