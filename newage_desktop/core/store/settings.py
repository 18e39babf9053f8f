"""Server settings: ``settings/server_settings.json`` (PROTOCOL.md §3.1, §11).

The file belongs to the operator (and, upstream, to other tools), so the store only ever
read-merge-writes it: fields it does not know stay, in their order. A bad value never stops
the server and never rewrites the file; it is replaced by its default in memory and reported
as a warning naming the field, so the operator can fix it.
"""

from __future__ import annotations

import copy
import json
import math
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Final

from newage_desktop.core.auth.keys import is_bcrypt_hash
from newage_desktop.core.store.datadir import DataDir
from newage_desktop.core.store.jsonfiles import (
    CorruptFileError,
    locked,
    read_json,
    write_json_atomic,
)

__all__ = [
    "ADMIN_UI_MODES",
    "ATTR_TO_WIRE",
    "CONNECTION_POLICIES",
    "DEFAULTS",
    "MESSAGE_REQUEST_MODES",
    "WIRE_TO_ATTR",
    "Settings",
    "SettingsStore",
    "check_setting",
    "parse_settings",
]

MESSAGE_REQUEST_MODES: Final = ("Immediate", "HostSubmit", "MasterOnly", "Conversational")
CONNECTION_POLICIES: Final = ("Free", "Manual", "Balanced", "Broadcast", "Random")
ADMIN_UI_MODES: Final = ("production", "development")

# Millisecond values go to timers; JavaScript clamps timers to 2**31-1 ms too.
_MAX_MS: Final = 2**31 - 1
_MAX_BYTES: Final = 2**30


class _Invalid(ValueError):
    """A value of the right field but the wrong type or range."""


@dataclass(frozen=True)
class _Rule:
    """How one setting is validated, and how its warning describes a valid value."""

    convert: Callable[[Any], Any]  # returns the value to use, or raises _Invalid
    expected: str


def _as_int(value: Any) -> int:
    """JSON integers; ``4000.0`` counts (JavaScript has one number type), ``true`` does not."""
    if isinstance(value, bool):
        raise _Invalid
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise _Invalid


def _int_range(low: int, high: int) -> _Rule:
    def convert(value: Any) -> Any:
        number = _as_int(value)
        if not low <= number <= high:
            raise _Invalid
        return number

    return _Rule(convert, f"an integer {low}-{high}")


def _of_type(kind: type, expected: str) -> _Rule:
    def convert(value: Any) -> Any:
        if not isinstance(value, kind):
            raise _Invalid
        return value

    return _Rule(convert, expected)


def _bind_address(value: Any) -> Any:
    if not isinstance(value, str) or not value or any(c.isspace() for c in value):
        raise _Invalid
    return value


def _probability(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid
    if not math.isfinite(value) or not 0 <= value <= 1:
        raise _Invalid
    return float(value)


def _one_of(choices: tuple[str, ...]) -> _Rule:
    def convert(value: Any) -> Any:
        if not isinstance(value, str) or value not in choices:
            raise _Invalid
        return value

    return _Rule(convert, "one of " + ", ".join(choices))


def _cors(value: Any) -> Any:
    """``"local"``, ``"*"`` or a list of origins (which may hold ``"local"``).

    A single origin string is read as a one-item list: falling back to a default would widen
    the server exactly when the operator tried to restrict it, so the obvious intent is
    honoured instead.
    """
    if isinstance(value, str) and value:
        return value if value in ("*", "local") else [value]
    if isinstance(value, list) and all(isinstance(item, str) and item for item in value):
        return list(value)
    raise _Invalid


def _string_list(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise _Invalid


def _string_map(value: Any) -> Any:
    if isinstance(value, dict) and all(isinstance(item, str) for item in value.values()):
        return dict(value)
    raise _Invalid


def _password_hash(value: Any) -> Any:
    if value == "" or is_bcrypt_hash(value):
        return value
    raise _Invalid


_PORT: Final = _int_range(1, 65535)
_MS: Final = _int_range(1, _MAX_MS)
_MS_OR_ZERO: Final = _int_range(0, _MAX_MS)
_BYTES: Final = _int_range(1, _MAX_BYTES)
_BOOL: Final = _of_type(bool, "true or false")
_STRING: Final = _of_type(str, "a string")

_CONVERSATIONAL_INSTRUCTION: Final = (
    "Read the recent conversation and system events, and reply naturally if you have "
    "something relevant to add."
)
_POST_UNMUTE_INSTRUCTION: Final = (
    "You have just been unmuted. Read what happened meanwhile and reply naturally if you "
    "have something relevant to add."
)


@dataclass(frozen=True)
class _Spec:
    wire: str
    default: Any
    rule: _Rule

    @property
    def attr(self) -> str:
        """``maxPayloadBytes`` → ``max_payload_bytes``."""
        return re.sub(r"(?<!^)([A-Z])", r"_\1", self.wire).lower()


# The order of PROTOCOL.md §11; a new file is written in this order.
_SPECS: Final[tuple[_Spec, ...]] = (
    _Spec("serverPort", 4000, _PORT),
    _Spec("bindAddress", "127.0.0.1", _Rule(_bind_address, "an address without spaces")),
    _Spec("serverAddress", "http://localhost", _STRING),
    _Spec("corsAllowedOrigins", "local", _Rule(_cors, '"local", "*" or a list of origins')),
    _Spec("maxPayloadBytes", 1048576, _int_range(1024, _MAX_BYTES)),
    _Spec("maxPayloadDepth", 32, _int_range(2, 128)),  # deeper breaks python-socketio
    _Spec("messageUpdateIntervalMs", 1000, _MS_OR_ZERO),
    _Spec("networkSafe", False, _BOOL),
    _Spec("allowKeyRequests", False, _BOOL),
    _Spec("pairingRequests", True, _BOOL),
    _Spec("pairingTimeoutMs", 300000, _MS),
    _Spec("pairingMaxPendingPerAddress", 3, _int_range(1, 1000)),
    _Spec("authMaxFailures", 10, _int_range(1, 1_000_000)),
    _Spec("authTrackedPairs", 10000, _int_range(1, 10_000_000)),
    _Spec("authFailureWindowMs", 60000, _MS),
    _Spec("requestTimeoutMs", 120000, _MS),
    _Spec("streamMaxPendingBytes", 1048576, _BYTES),
    _Spec("timeout", 5000, _MS),
    _Spec("debugMode", False, _BOOL),
    _Spec("contextPageSize", 50, _int_range(1, 1000)),
    _Spec("contextSendDelay", 100, _MS_OR_ZERO),
    _Spec("autoPushContext", True, _BOOL),
    _Spec("clientListUpdateIntervalMs", 500, _MS),
    _Spec("forwardContextLimit", 100, _int_range(0, 1_000_000)),
    _Spec("defaultRoomMessageRequestMode", "Immediate", _one_of(MESSAGE_REQUEST_MODES)),
    _Spec("connectionPolicy", "Free", _one_of(CONNECTION_POLICIES)),
    _Spec("conversationalCheckInterval", 5000, _MS),
    _Spec("conversationalThinkProbability", 0.3, _Rule(_probability, "a number 0-1")),
    _Spec("conversationalThinkIntervalMin", 15000, _MS),
    _Spec("conversationalThinkIntervalMax", 60000, _MS),
    _Spec("conversationalInstruction", _CONVERSATIONAL_INSTRUCTION, _STRING),
    _Spec("postUnmuteInstruction", _POST_UNMUTE_INSTRUCTION, _STRING),
    _Spec("postUnmuteThinkDelay", 2000, _MS_OR_ZERO),
    _Spec("restrictedFiles", ["keys/clients.json"], _Rule(_string_list, "a list of strings")),
    _Spec("staticResources", {}, _Rule(_string_map, "an object of folder strings")),
    # The OpenAI-compatible API (/v1): requests waiting per extension before a 429.
    _Spec("openaiQueueLimit", 16, _int_range(1, 10_000)),
    # The Socket.IO Admin UI (transport/admin_ui.py), all read at start-up.
    _Spec("adminUiEnabled", False, _BOOL),
    _Spec("adminUiUsername", "", _STRING),
    _Spec("adminUiPasswordHash", "", _Rule(_password_hash, 'a bcrypt hash or ""')),
    _Spec("adminUiReadonly", True, _BOOL),
    _Spec("adminUiMode", "production", _one_of(ADMIN_UI_MODES)),
)
# A wrong value here may be a password typed into the file: warnings never quote it.
_SECRET_SETTINGS: Final = frozenset({"adminUiPasswordHash"})
_BY_WIRE: Final = {spec.wire: spec for spec in _SPECS}

DEFAULTS: Final[dict[str, Any]] = {spec.wire: spec.default for spec in _SPECS}
WIRE_TO_ATTR: Final[dict[str, str]] = {spec.wire: spec.attr for spec in _SPECS}
ATTR_TO_WIRE: Final[dict[str, str]] = {spec.attr: spec.wire for spec in _SPECS}


@dataclass(frozen=True)
class Settings:
    """Validated settings. Build with :func:`parse_settings`; ``Settings()`` is all defaults."""

    server_port: int = 4000
    bind_address: str = "127.0.0.1"
    server_address: str = "http://localhost"
    cors_allowed_origins: str | list[str] = "local"
    max_payload_bytes: int = 1048576
    max_payload_depth: int = 32
    message_update_interval_ms: int = 1000
    network_safe: bool = False
    allow_key_requests: bool = False
    pairing_requests: bool = True
    pairing_timeout_ms: int = 300000
    pairing_max_pending_per_address: int = 3
    auth_max_failures: int = 10
    auth_tracked_pairs: int = 10000
    auth_failure_window_ms: int = 60000
    request_timeout_ms: int = 120000
    stream_max_pending_bytes: int = 1048576
    timeout: int = 5000
    debug_mode: bool = False
    context_page_size: int = 50
    context_send_delay: int = 100
    auto_push_context: bool = True
    client_list_update_interval_ms: int = 500
    forward_context_limit: int = 100
    default_room_message_request_mode: str = "Immediate"
    connection_policy: str = "Free"
    conversational_check_interval: int = 5000
    conversational_think_probability: float = 0.3
    conversational_think_interval_min: int = 15000
    conversational_think_interval_max: int = 60000
    conversational_instruction: str = _CONVERSATIONAL_INSTRUCTION
    post_unmute_instruction: str = _POST_UNMUTE_INSTRUCTION
    post_unmute_think_delay: int = 2000
    restricted_files: list[str] = field(default_factory=lambda: ["keys/clients.json"])
    static_resources: dict[str, str] = field(default_factory=dict)
    openai_queue_limit: int = 16
    admin_ui_enabled: bool = False
    admin_ui_username: str = ""
    admin_ui_password_hash: str = ""
    admin_ui_readonly: bool = True
    admin_ui_mode: str = "production"

    def to_wire(self) -> dict[str, Any]:
        """The settings under their wire names, in §11 order (copies of lists and objects)."""
        return {spec.wire: copy.deepcopy(getattr(self, spec.attr)) for spec in _SPECS}


def _describe(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_setting(wire_name: str, value: Any) -> tuple[Any, str | None]:
    """Validate one known setting: ``(value, None)`` or ``(default, warning)``.

    Lets the desktop UI refuse a bad value before writing it. Unknown names raise KeyError.
    """
    spec = _BY_WIRE[wire_name]
    try:
        return spec.rule.convert(value), None
    except _Invalid:
        expected = spec.rule.expected
        got = "another value" if spec.wire in _SECRET_SETTINGS else _describe(value)
        warning = f'Setting "{spec.wire}" ignored: expected {expected}, got {got}'
        return copy.deepcopy(spec.default), warning


def parse_settings(raw: Mapping[str, Any]) -> tuple[Settings, list[str]]:
    """Build :class:`Settings` from a file's object; missing fields silently take defaults."""
    values: dict[str, Any] = {}
    warnings: list[str] = []
    for spec in _SPECS:
        if spec.wire not in raw:
            continue
        value, warning = check_setting(spec.wire, raw[spec.wire])
        if warning is not None:
            warnings.append(warning)
        else:
            values[spec.attr] = value
    low = values.get(
        "conversational_think_interval_min", Settings.conversational_think_interval_min
    )
    high = values.get(
        "conversational_think_interval_max", Settings.conversational_think_interval_max
    )
    if low > high:
        # Neither bound alone is wrong, but a timer cannot pick from an empty interval.
        warnings.append(
            'Settings "conversationalThinkIntervalMin" and "conversationalThinkIntervalMax" '
            f"ignored: minimum {low} is greater than maximum {high}"
        )
        values.pop("conversational_think_interval_min", None)
        values.pop("conversational_think_interval_max", None)
    return Settings(**values), warnings


def _read_object(path: Path) -> dict[str, Any]:
    data = read_json(path)
    if not isinstance(data, dict):
        raise CorruptFileError(path, 1, 1, "the top level is not a JSON object")
    return data


class SettingsStore:
    """The server settings file plus its validated view, safe to use from several threads.

    Writes hold the inter-process lock of ``settings/`` around their read-merge-write, so the
    window, the server and the command line never undo each other's changes.
    """

    def __init__(self, datadir: DataDir) -> None:
        self._path = datadir.server_settings_file
        self._lock = threading.RLock()
        self._raw: dict[str, Any] = {}
        self._settings = Settings()

    @property
    def settings(self) -> Settings:
        """The current settings (defaults until :meth:`load`)."""
        return self._settings

    def raw(self) -> dict[str, Any]:
        """A deep copy of the file's object as last read or written, unknown fields included."""
        with self._lock:
            return copy.deepcopy(self._raw)

    def load(self) -> list[str]:
        """(Re-)read the file and return warnings; create it with the defaults if missing.

        A file that is not a JSON object raises CorruptFileError and is left untouched; the
        server must not start on it (§3.6). A trailing comma is accepted and left in the file.
        """
        with self._lock:
            try:
                raw = _read_object(self._path)
            except FileNotFoundError:
                with locked(self._path):  # created by someone else meanwhile? Keep theirs.
                    try:
                        raw = _read_object(self._path)
                    except FileNotFoundError:
                        raw = copy.deepcopy(DEFAULTS)
                        write_json_atomic(self._path, raw)
            self._raw = raw
            self._settings, warnings = parse_settings(raw)
            return warnings

    def update(self, changes: Mapping[str, Any]) -> list[str]:
        """Merge ``changes`` (wire names) into the file on disk, write it, and apply it.

        The file is re-read first, so edits made by hand meanwhile are kept; existing fields
        keep their position, new ones are appended. Values are written as given (this also
        serves an admin's ``saveJsonToFile``); bad ones come back as warnings, exactly as on
        load. A missing file starts from the defaults; a corrupt one raises CorruptFileError
        and is not overwritten.
        """
        with self._lock, locked(self._path):
            try:
                raw = _read_object(self._path)
            except FileNotFoundError:
                raw = copy.deepcopy(DEFAULTS)
            for name, value in changes.items():
                raw[name] = copy.deepcopy(value)
            write_json_atomic(self._path, raw)
            self._raw = raw
            self._settings, warnings = parse_settings(raw)
            return warnings


def _assert_specs_match_dataclass() -> None:
    """Keep the table and the dataclass in step; a mismatch is a programming error."""
    names = [f.name for f in fields(Settings)]
    if names != [spec.attr for spec in _SPECS]:
        raise RuntimeError("settings table and Settings dataclass disagree")
    defaults = Settings()
    for spec in _SPECS:
        if getattr(defaults, spec.attr) != spec.default:
            raise RuntimeError(f"default of {spec.wire} disagrees")


_assert_specs_match_dataclass()
