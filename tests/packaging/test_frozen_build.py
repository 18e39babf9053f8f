"""The PyInstaller build starts and serves (packaging/build.sh builds it and probes /healthz),
installs its bundled SillyTavern extension, and what it weighs is on record.
"""

from __future__ import annotations

import pytest

from tests.packaging.frozen_support import FrozenBuild

# A guard against a dependency or hook dragging in something big, not a target (README: Size).
MAX_FOLDER_MB = 200


@pytest.mark.timeout(1300)
def test_frozen_build_starts_and_answers_healthz(frozen_build: FrozenBuild) -> None:
    out = frozen_build.output
    assert "smoke test: /healthz -> {'status': 'ok'" in out
    assert "stopped with exit code 0" in out
    assert "smoke test: sillytavern install -> ok" in out  # the extension is bundled


@pytest.mark.timeout(1300)
def test_frozen_build_size(frozen_build: FrozenBuild, capsys: pytest.CaptureFixture[str]) -> None:
    folder_mb = frozen_build.size_mb("folder")
    with capsys.disabled():
        print(f"\n{frozen_build.sizes}\n(build.sh took {frozen_build.seconds:.0f} s)")
    assert frozen_build.archive.stat().st_size / 1e6 == pytest.approx(
        frozen_build.size_mb("tar.gz"), abs=0.1
    )
    assert folder_mb <= MAX_FOLDER_MB, frozen_build.sizes


def test_frozen_build_carries_the_metadata_about_reads(frozen_build: FrozenBuild) -> None:
    # Help → About shows these versions (importlib.metadata): without their dist-info folders
    # the frozen window would say "unknown".
    from newage_desktop.gui.about_dialog import LIBRARIES

    internal = frozen_build.folder / "_internal"
    for name in LIBRARIES:
        pattern = name.replace("-", "_") + "-*.dist-info"
        assert list(internal.glob(pattern)), f"no {pattern} in {internal}"
