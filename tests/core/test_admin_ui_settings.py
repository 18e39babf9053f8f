"""Settings of the Socket.IO Admin UI: defaults, validation, and a password never quoted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bcrypt
import pytest

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.core.store.settings import (
    DEFAULTS,
    Settings,
    SettingsStore,
    check_setting,
    parse_settings,
)

HASH = bcrypt.hashpw(b"secret", bcrypt.gensalt(rounds=4)).decode()


def test_off_by_default_read_only_and_production() -> None:
    settings = Settings()
    assert settings.admin_ui_enabled is False
    assert settings.admin_ui_username == ""
    assert settings.admin_ui_password_hash == ""
    assert settings.admin_ui_readonly is True
    assert settings.admin_ui_mode == "production"
    assert [name for name in DEFAULTS if name.startswith("adminUi")] == [
        "adminUiEnabled",
        "adminUiUsername",
        "adminUiPasswordHash",
        "adminUiReadonly",
        "adminUiMode",
    ]


def test_valid_values_are_taken() -> None:
    settings, warnings = parse_settings(
        {
            "adminUiEnabled": True,
            "adminUiUsername": "operator",
            "adminUiPasswordHash": HASH,
            "adminUiReadonly": False,
            "adminUiMode": "development",
        }
    )
    assert warnings == []
    assert settings.admin_ui_enabled is True
    assert settings.admin_ui_username == "operator"
    assert settings.admin_ui_password_hash == HASH
    assert settings.admin_ui_readonly is False
    assert settings.admin_ui_mode == "development"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("adminUiEnabled", "yes", "true or false"),
        ("adminUiUsername", 7, "a string"),
        ("adminUiReadonly", 0, "true or false"),
        ("adminUiMode", "debug", "one of production, development"),
        ("adminUiPasswordHash", 12, 'a bcrypt hash or ""'),
    ],
)
def test_bad_values_fall_back_with_a_warning(name: str, value: Any, expected: str) -> None:
    default, warning = check_setting(name, value)
    assert default == DEFAULTS[name]
    assert warning is not None
    assert f'"{name}"' in warning
    assert expected in warning


def test_a_plaintext_password_in_the_hash_field_is_refused_and_not_quoted() -> None:
    settings, warnings = parse_settings({"adminUiPasswordHash": "hunter2-plaintext"})
    assert settings.admin_ui_password_hash == ""
    assert len(warnings) == 1
    assert "adminUiPasswordHash" in warnings[0]
    assert "hunter2" not in warnings[0]


def test_update_writes_the_settings_through_the_store(tmp_path: Path) -> None:
    datadir = DataDir(tmp_path)
    datadir.ensure()
    store = SettingsStore(datadir)
    store.load()
    assert store.update({"adminUiEnabled": True, "adminUiPasswordHash": HASH}) == []
    again = SettingsStore(datadir)
    assert again.load() == []
    assert again.settings.admin_ui_enabled is True
    assert again.settings.admin_ui_password_hash == HASH
