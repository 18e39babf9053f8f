"""The web monitor page's pure logic under Node's test runner (`*.test.mjs` here)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def test_node_unit_tests_pass() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node (Node.js 20) is not on PATH")
    tests = sorted(str(p) for p in HERE.glob("*.test.mjs"))
    assert tests, "no Node unit tests found"
    proc = subprocess.run(
        [node, "--test", *tests], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
