"""Pack the one-folder build (dist/newage-desktop/, from build.sh) into a Debian package.

    .venv/bin/python packaging/build_deb.py        # -> dist/newage-desktop_<version>_<arch>.deb

The package installs the build to /opt/newage-desktop/, a launcher /usr/bin/newage-desktop, the
menu entry /usr/share/applications/newage-desktop.desktop and the icons under
/usr/share/icons/hicolor/ (the same renderer as `newage-desktop desktop-entry install`).

Depends lists what the build links but does not carry: every library `ldd` resolves outside
the folder, by the package that owns it here (`dpkg -S`), libc6 at the newest GLIBC_ symbol
version the binaries ask for, and the system parts Qt reads at run time whatever it bundles
(fontconfig's configuration and fonts, xkb keyboard data).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bundle_versions import debian_version  # noqa: E402

from newage_desktop import __version__  # noqa: E402
from newage_desktop.desktop.entry import install_entry  # noqa: E402

PACKAGE = "newage-desktop"
PREFIX = Path("/opt/newage-desktop")
LAUNCHER = Path("/usr/bin/newage-desktop")
MAINTAINER = os.environ.get(
    "NEWAGE_DEB_MAINTAINER", "NewAge Desktop maintainers <newage-desktop@example.invalid>"
)
# Read by the bundled Qt from the system (not libraries ldd can see): the fonts and their
# configuration, keyboard layouts, GL/EGL (never bundled: they must match the system's
# driver), the D-Bus library the tray talks through.
ALWAYS: tuple[str, ...] = (
    "libfontconfig1",
    "libxkbcommon-x11-0",
    "libegl1",
    "libgl1",
    "libdbus-1-3",
)
DESCRIPTION = """\
Description: SillyTavern-NewAge relay server as a desktop app
 NewAge Desktop runs the SillyTavern-NewAge relay server (Socket.IO) with a window and a tray
 icon: connected clients, keys and pairing, rooms, a chat with SillyTavern, logs and
 statistics. `newage-desktop --headless` runs the same server without a window.
 .
 This package carries its own Python and Qt (a PyInstaller build) in /opt/newage-desktop.
"""
MAINTAINER_SCRIPT = """\
#!/bin/sh
# Menus and icon themes notice the change (dpkg triggers do this too where they exist).
set -e
case "$1" in
  {cases})
    if command -v update-desktop-database >/dev/null 2>&1; then
      update-desktop-database -q /usr/share/applications || true
    fi
    # Only an existing cache is refreshed: a new one would hide icons installed later.
    if [ -f /usr/share/icons/hicolor/icon-theme.cache ] \\
        && command -v gtk-update-icon-cache >/dev/null 2>&1; then
      gtk-update-icon-cache -q -t -f /usr/share/icons/hicolor || true
    fi
    ;;
esac
exit 0
"""
LAUNCHER_SCRIPT = f"""\
#!/bin/sh
exec {PREFIX}/newage-desktop "$@"
"""
_GLIBC = re.compile(rb"GLIBC_(\d+)\.(\d+)(?:\.(\d+))?\x00")
_LDD_LINE = re.compile(r"^\s*(\S+)\s+=>\s+(/\S+)\s+\(0x")


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def elf_files(folder: Path) -> list[Path]:
    return [
        p for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink() and is_elf(p)
    ]


def system_libraries(folder: Path, binaries: Iterable[Path]) -> set[Path]:
    """Libraries ldd resolves outside `folder` (the loader and libc's own parts included)."""
    inside = str(folder.resolve()) + os.sep
    # What the bootloader does before loading Python: the bundle's top level first.
    env = dict(os.environ, LD_LIBRARY_PATH=str(folder.resolve() / "_internal"))
    found: set[Path] = set()
    for binary in binaries:
        done = subprocess.run(
            ["ldd", str(binary)], capture_output=True, text=True, check=False, env=env
        )
        for line in done.stdout.splitlines():
            if "not found" in line:
                raise SystemExit(
                    f"build_deb: {binary} needs {line.split()[0]}, missing on this machine; "
                    "install it before building (the package must name it in Depends)"
                )
            match = _LDD_LINE.match(line)
            if match and not os.path.realpath(match.group(2)).startswith(inside):
                found.add(Path(match.group(2)))
    return found


def owning_package(library: Path) -> str:
    """The Debian package shipping `library`; dpkg knows a path as packaged, which on a merged
    /usr system may be the /usr/lib or the /lib spelling of the same file."""
    real = Path(os.path.realpath(library))
    candidates = {str(library), str(real)}
    for path in list(candidates):
        candidates.add(path[4:] if path.startswith("/usr/") else "/usr" + path)
    for candidate in sorted(candidates):
        done = subprocess.run(
            ["dpkg-query", "-S", candidate], capture_output=True, text=True, check=False
        )
        # A diverted file (NVIDIA's GL packages divert libGL & co.) is listed with "diversion
        # by … from/to: …" lines before the owner's "package: path" line.
        owners = [
            line.split(":", 1)[0].split(",")[0].strip()
            for line in done.stdout.splitlines()
            if ":" in line and not line.startswith("diversion by ")
        ]
        if done.returncode == 0 and owners:
            return owners[0]
    raise SystemExit(f"build_deb: no installed package owns {library}")


def glibc_needed(binaries: Iterable[Path]) -> tuple[int, ...]:
    newest: tuple[int, ...] = (2, 17)
    for binary in binaries:
        for match in _GLIBC.finditer(binary.read_bytes()):
            newest = max(newest, tuple(int(n) for n in match.groups() if n is not None))
    return newest


def depends(folder: Path) -> list[str]:
    binaries = elf_files(folder)
    packages = {owning_package(lib) for lib in system_libraries(folder, binaries)}
    packages.discard("libc6")
    glibc = ".".join(str(n) for n in glibc_needed(binaries))
    return [f"libc6 (>= {glibc})", *sorted(packages | set(ALWAYS))]


def architecture() -> str:
    return subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()


def write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)


def stage(folder: Path, root: Path, version: str, arch: str) -> None:
    shutil.copytree(folder, root / PREFIX.relative_to("/"), symlinks=True)
    write(root / LAUNCHER.relative_to("/"), LAUNCHER_SCRIPT, 0o755)
    install_entry(root / "usr" / "share", [str(LAUNCHER)], ROOT / "resources" / "icons")
    write(
        root / "usr/share/doc" / PACKAGE / "copyright",
        "NewAge Desktop\nLicense: MIT\n\nThe bundled Qt (PySide6) is LGPL-3.0; Python is "
        "PSF-2.0; the other bundled libraries keep their own licences.\n\n"
        + (ROOT / "LICENSE").read_text(encoding="utf-8"),
    )
    size_kb = sum(p.lstat().st_size for p in root.rglob("*") if not p.is_dir()) // 1024
    control = (
        f"Package: {PACKAGE}\n"
        f"Version: {version}\n"
        f"Architecture: {arch}\n"
        f"Maintainer: {MAINTAINER}\n"
        f"Installed-Size: {size_kb}\n"
        f"Depends: {', '.join(depends(folder))}\n"
        "Section: net\n"
        "Priority: optional\n"
        f"{DESCRIPTION}"
    )
    write(root / "DEBIAN/control", control)
    write(root / "DEBIAN/postinst", MAINTAINER_SCRIPT.format(cases="configure"), 0o755)
    write(root / "DEBIAN/postrm", MAINTAINER_SCRIPT.format(cases="remove|purge"), 0o755)
    for path in root.rglob("*"):  # dpkg-deb refuses group/world-writable maintainer scripts
        if not path.is_symlink():
            mode = path.stat().st_mode
            path.chmod(mode & ~(stat.S_IWGRP | stat.S_IWOTH))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Pack dist/newage-desktop/ into a .deb.")
    parser.add_argument("--folder", type=Path, default=ROOT / "dist" / "newage-desktop")
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument(
        "--compression",
        choices=("xz", "gzip"),
        default="xz",
        help="xz: smallest (default, for releases); gzip: four times faster (tests)",
    )
    args = parser.parse_args(argv)
    folder: Path = args.folder
    if not (folder / "newage-desktop").is_file():
        raise SystemExit(f"build_deb: no build in {folder}; run packaging/build.sh first")
    version, arch = debian_version(__version__), architecture()
    target = args.out / f"{PACKAGE}_{version}_{arch}.deb"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        stage(folder, root, version, arch)
        print((root / "DEBIAN/control").read_text(encoding="utf-8"), end="")
        build = ["dpkg-deb", "--root-owner-group", f"-Z{args.compression}", "--build"]
        subprocess.run([*build, str(root), str(target)], check=True)
    print(f"build_deb: {target} ({target.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
