"""The web monitor page's pure logic under Node's test runner (`*.test.mjs` here), and the
hand-written /lib/constants.js checked against the protocol's event names."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
WEB = REPO / "newage_desktop" / "web"
PROTOCOL = REPO / "newage_desktop" / "protocol"
EVENT_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{4,}")


def node() -> str:
    found = shutil.which("node")
    if found is None:
        pytest.skip("node (Node.js 20) is not on PATH")
    return found


def test_node_unit_tests_pass() -> None:
    tests = sorted(str(p) for p in HERE.glob("*.test.mjs"))
    assert tests, "no Node unit tests found"
    proc = subprocess.run(
        [node(), "--test", *tests], capture_output=True, text=True, timeout=120, check=False
    )
    summary = [ln for ln in proc.stdout.splitlines() if ln.startswith(("# pass", "# fail"))]
    report = f"{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}"
    assert proc.returncode == 0, f"node --test failed:\n{report}"
    assert summary and summary[-1] == "# fail 0", summary


def constants() -> dict[str, dict[str, object]]:
    """The four exports of constants.js, as Node sees them."""
    script = (
        f"import * as c from {json.dumps((WEB / 'constants.js').as_uri())};"
        "console.log(JSON.stringify(c));"
    )
    proc = subprocess.run(
        [node(), "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    loaded: dict[str, dict[str, object]] = json.loads(proc.stdout)
    return loaded


def protocol_event_names() -> set[str]:
    """Every `NAME: Final = "NAME"`-style wire constant of newage_desktop/protocol/*.py."""
    names: set[str] = set()
    for module in PROTOCOL.glob("*.py"):
        for node_ in ast.parse(module.read_text(encoding="utf-8")).body:
            value = getattr(node_, "value", None)
            text = value.value if isinstance(value, ast.Constant) else None
            if isinstance(text, str) and EVENT_NAME.fullmatch(text):
                names.add(text)
    return names


def test_constants_hold_every_protocol_event_name() -> None:
    c = constants()
    assert sorted(c) == ["MEMBER_STATUS", "MSG_TYPE", "NAMESPACES", "STREAM_EVENTS"]
    values = {v for table in c.values() for v in table.values()}
    names = protocol_event_names()
    assert {"LLM_REQUEST", "TEMP_ROOM_ASSIGNED", "GET_FULL_CONTEXT"} <= names
    assert sorted(names - values) == []


def test_constants_keep_upstream_key_names() -> None:
    c = constants()
    assert c["STREAM_EVENTS"]["streamed_data"] == "SERVER_STREAM_DATA"
    assert c["STREAM_EVENTS"]["START"] == "CLIENT_STREAM_START"
    assert c["NAMESPACES"]["SILLY_TAVERN"] == "/sillytavern"
    assert c["MSG_TYPE"]["LLM_REQUEST"] == "LLM_REQUEST"
    assert c["MSG_TYPE"]["STREAM_DATA_FAILED"] == 8
    statuses = sorted(c["MEMBER_STATUS"].values())
    assert statuses == ["idle", "muted", "paused", "processing", "typing"]
    for name in ("MESSAGES_DELETED", "MEMBER_MUTED", "MEMBER_UNMUTED", "CANCEL_REQUEST"):
        assert c["MSG_TYPE"][name] == name


def test_every_string_the_page_names_is_in_the_english_table() -> None:
    html = (WEB / "monitor" / "index.html").read_text(encoding="utf-8")
    scripts = "".join(p.read_text(encoding="utf-8") for p in (WEB / "monitor").glob("*.js"))
    table = (WEB / "monitor" / "i18n" / "en.js").read_text(encoding="utf-8")
    keys = set(re.findall(r"^\s*'([\w.]+)':", table, re.M))
    used = set(re.findall(r'data-i18n(?:-placeholder)?="([\w.]+)"', html))
    used |= set(re.findall(r"\bt\('([\w.]+)'", scripts))
    assert used and sorted(used - keys) == []
