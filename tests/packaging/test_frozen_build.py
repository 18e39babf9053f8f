"""The PyInstaller build starts and serves (packaging/build.sh builds it and probes /healthz),
and installs its bundled SillyTavern extension.

Slow (about a minute): set NEWAGE_SKIP_FROZEN_BUILD=1 to leave it out of a local run.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(900)
@pytest.mark.skipif(
    os.environ.get("NEWAGE_SKIP_FROZEN_BUILD") == "1", reason="NEWAGE_SKIP_FROZEN_BUILD=1"
)
def test_frozen_build_starts_and_answers_healthz() -> None:
    proc = subprocess.run(
        ["bash", str(ROOT / "packaging" / "build.sh")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=880,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "smoke test: /healthz -> {'status': 'ok'" in proc.stdout
    assert "stopped with exit code 0" in proc.stdout
    assert "smoke test: sillytavern install -> ok" in proc.stdout  # the extension is bundled
