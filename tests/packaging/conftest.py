"""One PyInstaller build for every packaging test: `frozen_build` runs packaging/build.sh once
per session (build, release .tar.gz, headless smoke test; a few minutes on two cores) and the
window, size and .deb tests share its dist/newage-desktop/.

NEWAGE_SKIP_FROZEN_BUILD=1 leaves all of them out of a local run.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.packaging.frozen_support import FrozenBuild

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"
FOLDER = DIST / "newage-desktop"
BUILD_TIMEOUT_S = 1200


@pytest.fixture(scope="session")
def frozen_build() -> FrozenBuild:
    if os.environ.get("NEWAGE_SKIP_FROZEN_BUILD") == "1":
        pytest.skip("NEWAGE_SKIP_FROZEN_BUILD=1")
    started = time.monotonic()
    proc = subprocess.run(
        ["bash", str(ROOT / "packaging" / "build.sh")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    archives = sorted(DIST.glob("newage-desktop-*-linux-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    assert archives, "build.sh wrote no release archive"
    return FrozenBuild(
        folder=FOLDER,
        executable=FOLDER / "newage-desktop",
        archive=archives[-1],
        output=proc.stdout,
        seconds=time.monotonic() - started,
    )
