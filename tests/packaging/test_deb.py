"""The .deb of the one-folder build: what it holds, and (NEWAGE_DEB_INSTALL_TEST=1, as root, on a
machine that is thrown away: CI) that `apt install ./…deb` installs it, its launcher serves
headless, and removing it leaves nothing under /opt/newage-desktop.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.packaging.frozen_support import FrozenBuild, healthz

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "interop"))

from interop_support import free_port

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "newage-desktop"
PREFIX = Path("/opt/newage-desktop")
LAUNCHER = Path("/usr/bin/newage-desktop")
ENTRY = Path("/usr/share/applications/newage-desktop.desktop")

pytestmark = [
    pytest.mark.timeout(1500),  # the first packaging test to run also waits for the build
    pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb (Debian)"),
]
INSTALL = os.environ.get("NEWAGE_DEB_INSTALL_TEST") == "1"


@pytest.fixture(scope="module")
def deb(frozen_build: FrozenBuild, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("deb")
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "packaging" / "build_deb.py"),
            "--folder",
            str(frozen_build.folder),
            "--out",
            str(out),
            "--compression",
            "gzip",  # xz for releases; gzip is four times faster to build and install
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    debs = list(out.glob(f"{PACKAGE}_*.deb"))
    assert len(debs) == 1, debs
    return debs[0]


def field(deb: Path, name: str) -> str:
    done = subprocess.run(
        ["dpkg-deb", "--field", str(deb), name], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_the_deb_holds_the_build_the_launcher_and_the_menu_entry(
    deb: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = subprocess.run(
        ["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    paths = {line.split()[5].removeprefix(".") for line in listing.splitlines()}
    assert f"{PREFIX}/newage-desktop" in paths
    assert str(LAUNCHER) in paths
    assert str(ENTRY) in paths
    assert any(p.startswith("/usr/share/icons/hicolor/") and p.endswith(".png") for p in paths)
    assert "usr/share/doc/newage-desktop/copyright" in listing
    assert field(deb, "Package") == PACKAGE
    depends = field(deb, "Depends")
    assert depends.startswith("libc6 (>= 2.")
    assert "libfontconfig1" in depends
    with capsys.disabled():
        print(f"\n{deb.name}: {deb.stat().st_size / 1e6:.1f} MB (gzip); Depends: {depends}")

    # The packaged menu entry is valid and starts the launcher.
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["dpkg-deb", "--extract", str(deb), tmp], check=True)
        entry = Path(tmp) / ENTRY.relative_to("/")
        text = entry.read_text(encoding="utf-8")
        assert f"Exec={LAUNCHER}" in text
        validate = shutil.which("desktop-file-validate")
        if validate is not None:
            checked = subprocess.run([validate, str(entry)], capture_output=True, text=True)
            assert checked.returncode == 0 and not checked.stdout.strip(), checked.stdout
        launcher = Path(tmp) / LAUNCHER.relative_to("/")
        assert os.access(launcher, os.X_OK)
        assert str(PREFIX / "newage-desktop") in launcher.read_text(encoding="utf-8")


def apt(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    return subprocess.run(
        ["apt-get", "-y", "-q", *args], capture_output=True, text=True, env=env, timeout=900
    )


def installed() -> bool:
    done = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", PACKAGE], capture_output=True, text=True
    )
    return "install ok installed" in done.stdout


def serve_headless(tmp_path: Path) -> tuple[int, dict[str, object]]:
    port = free_port()
    proc = subprocess.Popen(
        [str(LAUNCHER), "--headless", "--data-dir", str(tmp_path / "data"), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    health: dict[str, object] | None = None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None and health is None:
            health = healthz(port)
            if health is None:
                time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert health, out.decode(errors="replace")[-3000:]
    return proc.returncode, health


@pytest.mark.skipif(not INSTALL, reason="installs a system package: NEWAGE_DEB_INSTALL_TEST=1")
@pytest.mark.skipif(os.geteuid() != 0, reason="apt install needs root")
def test_apt_installs_the_deb_which_serves_and_removes_cleanly(
    deb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if installed():  # a previous run that stopped half way
        apt("purge", PACKAGE)
    done = apt("install", str(deb.resolve()))  # the path form: apt installs the local file
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert installed()
    assert (PREFIX / "newage-desktop").is_file()
    assert ENTRY.is_file()

    code, health = serve_headless(tmp_path)
    assert health.get("status") == "ok"
    assert code == 0

    removed = apt("purge", PACKAGE)
    assert removed.returncode == 0, removed.stdout[-3000:] + removed.stderr[-3000:]
    assert not installed()
    left = sorted(str(p) for p in PREFIX.rglob("*")) if PREFIX.exists() else []
    assert not PREFIX.exists(), f"left under {PREFIX}: {left[:20]}"
    assert not LAUNCHER.exists()
    assert not ENTRY.exists()
    with capsys.disabled():
        print(f"\napt: installed {deb.name}, /healthz {health}, purged; nothing left in {PREFIX}")
