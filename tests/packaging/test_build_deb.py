"""The .deb's parts (packaging/build_deb.py) on small inputs: ELF detection, the glibc floor,
which package owns a library, Depends, and the staging tree (test_deb.py packs the real build).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packaging"))

import build_deb

LS = Path("/bin/ls")
LDD = shutil.which("ldd")
DPKG_QUERY = shutil.which("dpkg-query")
DPKG_DEB = shutil.which("dpkg-deb")
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ELF and ldd")
FAKE_ELF = b"\x7fELF\x02\x01\x01" + b"\0" * 57


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@linux_only
def test_is_elf_on_a_system_binary() -> None:
    if not LS.is_file():
        pytest.skip("no /bin/ls")
    assert build_deb.is_elf(LS)


def test_is_elf_refuses_other_files(tmp_path: Path) -> None:
    assert not build_deb.is_elf(_write(tmp_path / "launcher.sh", b"#!/bin/sh\nexec true\n"))
    assert not build_deb.is_elf(_write(tmp_path / "short", b"\x7fEL"))
    assert not build_deb.is_elf(_write(tmp_path / "empty", b""))
    assert not build_deb.is_elf(tmp_path / "missing")
    assert not build_deb.is_elf(tmp_path)  # a folder
    assert build_deb.is_elf(_write(tmp_path / "fake", FAKE_ELF))


def test_elf_files_are_the_regular_elf_files_sorted(tmp_path: Path) -> None:
    exe = _write(tmp_path / "newage-desktop", FAKE_ELF)
    lib = _write(tmp_path / "_internal/PySide6/Qt/lib/libQt6Core.so.6", FAKE_ELF)
    ext = _write(tmp_path / "_internal/a.cpython-311-x86_64-linux-gnu.so", FAKE_ELF)
    _write(tmp_path / "_internal/base_library.zip", b"PK\x03\x04")
    (tmp_path / "_internal/libQt6Core.so.6").symlink_to("PySide6/Qt/lib/libQt6Core.so.6")
    assert build_deb.elf_files(tmp_path) == sorted([exe, lib, ext])


def test_glibc_needed_is_the_newest_version_asked(tmp_path: Path) -> None:
    one = _write(tmp_path / "one", b"\0GLIBC_2.17\x00junk GLIBC_2.34\x00GLIBC_PRIVATE\x00")
    two = _write(tmp_path / "two", b"GLIBC_2.9\x00GLIBC_2.28\x00")  # 2.28 > 2.9, as numbers
    assert build_deb.glibc_needed([one]) == (2, 34)
    assert build_deb.glibc_needed([two]) == (2, 28)
    assert build_deb.glibc_needed([one, two]) == (2, 34)
    three = _write(tmp_path / "three", b"GLIBC_2.34.1\x00GLIBC_2.99")  # no NUL: not a symbol
    assert build_deb.glibc_needed([three]) == (2, 34, 1)


def test_glibc_needed_has_a_floor(tmp_path: Path) -> None:
    old = _write(tmp_path / "old", b"GLIBC_2.2.5\x00GLIBC_2.3.4\x00")
    assert build_deb.glibc_needed([old]) == (2, 17)
    assert build_deb.glibc_needed([]) == (2, 17)


def _fake_run(
    answer: Callable[[list[str]], tuple[int, str]], calls: list[list[str]]
) -> types.SimpleNamespace:
    def run(args: list[str], **_kwargs: object) -> subprocess.CompletedProcess[str]:
        calls.append(args)
        code, out = answer(args)
        return subprocess.CompletedProcess(args, code, stdout=out, stderr="")

    return types.SimpleNamespace(run=run)


def test_owning_package_asks_for_both_usr_merge_spellings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path.resolve()
    real = _write(folder / "libfoo.so.1.2.3", FAKE_ELF)
    link = folder / "libfoo.so.1"
    link.symlink_to(real.name)
    owned = "/usr" + str(real)  # dpkg knows only the /usr spelling of the real file
    calls: list[list[str]] = []

    def answer(args: list[str]) -> tuple[int, str]:
        assert args[:2] == ["dpkg-query", "-S"]
        return (0, f"libfoo1:amd64, libfoo-extra:amd64: {owned}\n") if args[2] == owned else (1, "")

    monkeypatch.setattr(build_deb, "subprocess", _fake_run(answer, calls))
    assert build_deb.owning_package(link) == "libfoo1"
    asked = {args[2] for args in calls}
    assert asked <= {str(link), str(real), "/usr" + str(link), owned}
    assert owned in asked


@pytest.mark.parametrize(
    ("library", "candidates"),
    [
        ("/lib/newage-test-nonexistent/libz.so.1", {"/lib/", "/usr/lib/"}),
        ("/usr/lib/newage-test-nonexistent/libz.so.1", {"/lib/", "/usr/lib/"}),
    ],
)
def test_owning_package_tries_every_spelling_before_giving_up(
    library: str, candidates: set[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(build_deb, "subprocess", _fake_run(lambda _args: (1, ""), calls))
    with pytest.raises(SystemExit, match="no installed package owns"):
        build_deb.owning_package(Path(library))
    tail = library.split("/lib/", 1)[1]
    assert {args[2] for args in calls} == {prefix + tail for prefix in candidates}


def test_owning_package_skips_dpkg_diversion_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    library = "/usr/lib/x86_64-linux-gnu/libGLX_mesa.so.0"
    out = (
        f"diversion by glx-diversions from: {library}\n"
        f"diversion by glx-diversions to: {library}.distrib\n"
        f"libglx-mesa0:amd64: {library}\n"
    )
    monkeypatch.setattr(build_deb, "subprocess", _fake_run(lambda _args: (0, out), []))
    assert build_deb.owning_package(Path(library)) == "libglx-mesa0"


@linux_only
@pytest.mark.skipif(LDD is None, reason="no ldd")
def test_system_libraries_of_a_system_binary(tmp_path: Path) -> None:
    if not LS.is_file():
        pytest.skip("no /bin/ls")
    found = build_deb.system_libraries(tmp_path, [LS])
    assert "libc.so.6" in {lib.name for lib in found}
    assert all(lib.is_absolute() and lib.exists() for lib in found)
    # A library the bundle carries (found first: LD_LIBRARY_PATH is _internal/) is not listed.
    libc = next(lib for lib in found if lib.name == "libc.so.6")
    (tmp_path / "_internal").mkdir()
    shutil.copy2(libc, tmp_path / "_internal" / libc.name)
    inside = build_deb.system_libraries(tmp_path, [LS])
    assert {lib.name for lib in inside} == {lib.name for lib in found} - {"libc.so.6"}


def test_system_libraries_stop_on_a_missing_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = "\tlinux-vdso.so.1 (0x00007ffd)\n\tlibgone.so.1 => not found\n"
    monkeypatch.setattr(build_deb, "subprocess", _fake_run(lambda _args: (0, out), []))
    with pytest.raises(SystemExit, match=r"needs libgone\.so\.1, missing on this machine"):
        build_deb.system_libraries(tmp_path, [tmp_path / "newage-desktop"])


@linux_only
@pytest.mark.skipif(LDD is None or DPKG_QUERY is None, reason="no ldd or dpkg-query")
def test_owning_package_of_the_system_libc() -> None:
    if not LS.is_file():
        pytest.skip("no /bin/ls")
    found = build_deb.system_libraries(Path("/nonexistent"), [LS])
    libc = next(lib for lib in found if lib.name == "libc.so.6")
    assert build_deb.owning_package(libc).startswith("libc6")  # libc6, or libc6-amd64 & co.


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "dist/newage-desktop"
    _write(folder / "newage-desktop", FAKE_ELF + b"GLIBC_2.34\x00").chmod(0o775)
    _write(folder / "_internal/PySide6/Qt/lib/libQt6Core.so.6", FAKE_ELF + b"GLIBC_2.28\x00")
    (folder / "_internal/libQt6Core.so.6").symlink_to("PySide6/Qt/lib/libQt6Core.so.6")
    _write(folder / "_internal/base_library.zip", b"PK\x03\x04").chmod(0o666)
    return folder


def test_depends(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _folder(tmp_path)
    seen: list[list[Path]] = []

    def system_libraries(_folder: Path, binaries: list[Path]) -> set[Path]:
        seen.append(list(binaries))
        return {Path("/lib/libc.so.6"), Path("/lib/libz.so.1"), Path("/lib/libX11.so.6")}

    owners = {"libc.so.6": "libc6", "libz.so.1": "zlib1g", "libX11.so.6": "libx11-6"}
    monkeypatch.setattr(build_deb, "system_libraries", system_libraries)
    monkeypatch.setattr(build_deb, "owning_package", lambda lib: owners[lib.name])
    result = build_deb.depends(folder)
    assert seen == [build_deb.elf_files(folder)]
    assert result[0] == "libc6 (>= 2.34)"
    assert result[1:] == sorted({"zlib1g", "libx11-6", *build_deb.ALWAYS} - {"libc6"})


def test_stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, root = _folder(tmp_path), tmp_path / "root"
    monkeypatch.setattr(build_deb, "depends", lambda _f: ["libc6 (>= 2.34)", "zlib1g"])
    build_deb.stage(folder, root, "0.2.0~rc1", "amd64")
    prefix = root / "opt/newage-desktop"
    assert (prefix / "newage-desktop").read_bytes() == (folder / "newage-desktop").read_bytes()
    assert os.readlink(prefix / "_internal/libQt6Core.so.6") == "PySide6/Qt/lib/libQt6Core.so.6"
    launcher = root / "usr/bin/newage-desktop"
    assert launcher.read_text() == '#!/bin/sh\nexec /opt/newage-desktop/newage-desktop "$@"\n'
    assert stat.S_IMODE(launcher.stat().st_mode) == 0o755
    entry = (root / "usr/share/applications/newage-desktop.desktop").read_text()
    assert "Exec=/usr/bin/newage-desktop" in entry
    assert list((root / "usr/share/icons/hicolor").rglob("newage-desktop.*"))
    fields = dict(
        line.split(": ", 1)
        for line in (root / "DEBIAN/control").read_text().splitlines()
        if line and not line.startswith(" ")
    )
    assert fields["Version"] == "0.2.0~rc1" and fields["Architecture"] == "amd64"
    assert fields["Depends"] == "libc6 (>= 2.34), zlib1g"
    payload = [p for p in root.rglob("*") if not p.is_dir() and "DEBIAN" not in p.parts]
    assert int(fields["Installed-Size"]) == sum(p.lstat().st_size for p in payload) // 1024
    for script in ("postinst", "postrm"):
        assert stat.S_IMODE((root / "DEBIAN" / script).stat().st_mode) == 0o755
    writable = [
        p
        for p in root.rglob("*")
        if not p.is_symlink() and p.stat().st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    ]
    assert writable == []
    if DPKG_DEB is not None:  # what dpkg-deb makes of the tree
        deb = tmp_path / "out.deb"
        build = [DPKG_DEB, "--root-owner-group", "-Zgzip", "--build", str(root), str(deb)]
        subprocess.run(build, check=True, capture_output=True)
        version = subprocess.run(
            [DPKG_DEB, "-f", str(deb), "Version"], check=True, capture_output=True, text=True
        )
        assert version.stdout.strip() == "0.2.0~rc1"
