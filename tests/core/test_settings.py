"""Server settings: defaults, validation with warnings, read-merge-write (§3.1, §11)."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.core.store.jsonfiles import CorruptFileError
from newage_desktop.core.store.settings import (
    ATTR_TO_WIRE,
    DEFAULTS,
    WIRE_TO_ATTR,
    Settings,
    SettingsStore,
    check_setting,
    parse_settings,
)

SECTION_11_ORDER = [
    "serverPort", "bindAddress", "serverAddress", "corsAllowedOrigins", "maxPayloadBytes",
    "maxPayloadDepth", "messageUpdateIntervalMs",
    "networkSafe", "allowKeyRequests", "pairingRequests", "pairingTimeoutMs",
    "pairingMaxPendingPerAddress", "authMaxFailures", "authTrackedPairs", "authFailureWindowMs",
    "requestTimeoutMs",
    "streamMaxPendingBytes", "timeout", "debugMode", "contextPageSize", "contextSendDelay",
    "autoPushContext", "clientListUpdateIntervalMs", "forwardContextLimit",
    "defaultRoomMessageRequestMode", "connectionPolicy",
    "conversationalCheckInterval", "conversationalThinkProbability",
    "conversationalThinkIntervalMin", "conversationalThinkIntervalMax",
    "conversationalInstruction", "postUnmuteInstruction", "postUnmuteThinkDelay",
    "restrictedFiles", "staticResources", "openaiQueueLimit",
    "adminUiEnabled", "adminUiUsername", "adminUiPasswordHash", "adminUiReadonly", "adminUiMode",
]  # fmt: skip


@pytest.fixture
def data(tmp_path: Path) -> DataDir:
    datadir = DataDir(tmp_path)
    datadir.ensure()
    return datadir


def write_settings(data: DataDir, text: str) -> None:
    data.server_settings_file.write_text(text, encoding="utf-8")


# --- the table -------------------------------------------------------------------------------


def test_defaults_list_every_setting_of_section_11_in_order() -> None:
    assert list(DEFAULTS) == SECTION_11_ORDER
    assert DEFAULTS["serverPort"] == 4000
    assert DEFAULTS["bindAddress"] == "127.0.0.1"
    assert DEFAULTS["networkSafe"] is False
    assert DEFAULTS["pairingRequests"] is True
    assert DEFAULTS["restrictedFiles"] == ["keys/clients.json"]
    assert DEFAULTS["conversationalThinkProbability"] == 0.3


def test_settings_attributes_map_to_wire_names() -> None:
    assert [f.name for f in fields(Settings)] == [WIRE_TO_ATTR[w] for w in SECTION_11_ORDER]
    assert WIRE_TO_ATTR["pairingMaxPendingPerAddress"] == "pairing_max_pending_per_address"
    assert ATTR_TO_WIRE["max_payload_bytes"] == "maxPayloadBytes"
    assert Settings().to_wire() == DEFAULTS


# --- validation ------------------------------------------------------------------------------


def test_valid_values_are_used() -> None:
    raw = {
        "serverPort": 8080,
        "corsAllowedOrigins": ["http://a:1"],
        "connectionPolicy": "Random",
        "conversationalThinkProbability": 1,
        "contextSendDelay": 0,
        "timeout": 250.0,
    }
    settings, warnings = parse_settings(raw)
    assert warnings == []
    assert settings.server_port == 8080
    assert settings.cors_allowed_origins == ["http://a:1"]
    assert settings.connection_policy == "Random"
    assert settings.conversational_think_probability == 1.0
    assert settings.context_send_delay == 0
    assert settings.timeout == 250 and isinstance(settings.timeout, int)


def test_wrong_type_falls_back_to_default_with_a_warning_naming_the_field() -> None:
    settings, warnings = parse_settings({"serverPort": "abc"})
    assert settings.server_port == 4000
    assert warnings == ['Setting "serverPort" ignored: expected an integer 1-65535, got "abc"']


@pytest.mark.parametrize(
    ("wire", "value"),
    [
        ("serverPort", True),  # booleans are not integers
        ("serverPort", 0),
        ("serverPort", 65536),
        ("serverPort", 80.5),
        ("networkSafe", "false"),
        ("networkSafe", 0),
        ("pairingTimeoutMs", 0),
        ("contextPageSize", 0),
        ("contextPageSize", 1001),
        ("contextSendDelay", -1),
        ("conversationalThinkProbability", 1.5),
        ("conversationalThinkProbability", False),
        ("defaultRoomMessageRequestMode", "immediate"),
        ("connectionPolicy", "Fair"),
        ("corsAllowedOrigins", [1]),
        ("restrictedFiles", "keys/clients.json"),
        ("staticResources", {"/x": 1}),
        ("openaiQueueLimit", 0),
        ("bindAddress", ""),
    ],
)
def test_out_of_range_or_mistyped_values_are_ignored(wire: str, value: Any) -> None:
    settings, warnings = parse_settings({wire: value})
    assert getattr(settings, WIRE_TO_ATTR[wire]) == DEFAULTS[wire]
    assert len(warnings) == 1 and f'"{wire}"' in warnings[0]


def test_single_origin_string_is_read_as_a_list() -> None:
    # Falling back to "*" would open the server exactly when the operator meant to restrict it.
    assert check_setting("corsAllowedOrigins", "http://x") == (["http://x"], None)
    assert check_setting("corsAllowedOrigins", "*") == ("*", None)
    assert check_setting("corsAllowedOrigins", "local") == ("local", None)
    assert check_setting("corsAllowedOrigins", ["local", "http://x"]) == (
        ["local", "http://x"],
        None,
    )


def test_think_interval_min_above_max_uses_both_defaults() -> None:
    raw = {"conversationalThinkIntervalMin": 90000, "conversationalThinkIntervalMax": 30000}
    settings, warnings = parse_settings(raw)
    assert settings.conversational_think_interval_min == 15000
    assert settings.conversational_think_interval_max == 60000
    assert len(warnings) == 1


# --- the store -------------------------------------------------------------------------------


def test_missing_file_is_created_with_defaults(data: DataDir) -> None:
    store = SettingsStore(data)
    assert store.load() == []
    assert json.loads(data.server_settings_file.read_text("utf-8")) == DEFAULTS
    assert store.settings == Settings()


def test_load_warns_but_does_not_rewrite_a_bad_value(data: DataDir) -> None:
    text = '{"serverPort": "abc", "debugMode": true}'
    write_settings(data, text)
    store = SettingsStore(data)
    assert store.load() == ['Setting "serverPort" ignored: expected an integer 1-65535, got "abc"']
    assert store.settings.debug_mode is True
    assert data.server_settings_file.read_text("utf-8") == text


def test_upstream_file_with_trailing_comma_is_read_and_not_rewritten(data: DataDir) -> None:
    text = '{\n  "serverPort": 4100,\n  "socketIOPath": "/socket.io",\n}\n'
    write_settings(data, text)
    store = SettingsStore(data)
    assert store.load() == []
    assert store.settings.server_port == 4100
    assert data.server_settings_file.read_text("utf-8") == text


@pytest.mark.parametrize("text", ['{"serverPort": 4000', "[1, 2]"])
def test_corrupt_or_non_object_file_raises_and_is_never_overwritten(
    data: DataDir, text: str
) -> None:
    write_settings(data, text)
    store = SettingsStore(data)
    with pytest.raises(CorruptFileError) as caught:
        store.load()
    assert caught.value.path == data.server_settings_file
    with pytest.raises(CorruptFileError):
        store.update({"debugMode": True})
    assert data.server_settings_file.read_text("utf-8") == text


def test_update_preserves_unknown_fields_in_their_order(data: DataDir) -> None:
    write_settings(
        data,
        '{"socketIOPath": "/socket.io", "serverPort": 4100, "Rooms": [], "clientKeys": {"a": 1},}',
    )
    store = SettingsStore(data)
    store.load()
    assert store.update({"connectionPolicy": "Balanced", "serverPort": 4200}) == []
    on_disk = json.loads(data.server_settings_file.read_text("utf-8"))
    assert list(on_disk) == [
        "socketIOPath",
        "serverPort",
        "Rooms",
        "clientKeys",
        "connectionPolicy",
    ]
    assert on_disk["serverPort"] == 4200
    assert on_disk["clientKeys"] == {"a": 1}
    assert store.settings.connection_policy == "Balanced"
    assert store.raw() == on_disk


def test_update_merges_over_edits_made_by_hand_meanwhile(data: DataDir) -> None:
    store = SettingsStore(data)
    store.load()
    raw = json.loads(data.server_settings_file.read_text("utf-8"))
    raw["allowKeyRequests"] = True
    write_settings(data, json.dumps(raw))
    store.update({"debugMode": True})
    assert store.settings.allow_key_requests is True
    assert store.settings.debug_mode is True


def test_update_with_a_bad_value_writes_it_and_warns(data: DataDir) -> None:
    store = SettingsStore(data)
    store.load()
    warnings = store.update({"contextPageSize": 5000})
    assert warnings == ['Setting "contextPageSize" ignored: expected an integer 1-1000, got 5000']
    assert store.settings.context_page_size == 50


def test_raw_is_a_copy(data: DataDir) -> None:
    store = SettingsStore(data)
    store.load()
    store.raw()["restrictedFiles"].append("x")
    assert store.raw()["restrictedFiles"] == ["keys/clients.json"]
