"""What the one-folder build weighs, and where (packaging/measure.py), on a made-up folder with
the build's shape."""

from __future__ import annotations

import os
import re
import sys
import tarfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packaging"))

import measure

LINK_TARGET = "PySide6/Qt/lib/libQt6Core.so.6"
SIZES = {
    "newage-desktop": 150_000,
    "_internal/base_library.zip": 900_000,
    "_internal/libpython3.11.so.1.0": 1_200_000,
    "_internal/PySide6/__init__.py": 3_000,
    "_internal/PySide6/QtCore.abi3.so": 400_000,
    "_internal/PySide6/QtGui.abi3.so": 600_000,
    "_internal/PySide6/Qt/lib/libQt6Core.so.6": 2_000_000,
    "_internal/PySide6/Qt/lib/libQt6Gui.so.6": 3_000_000,
    "_internal/PySide6/Qt/plugins/platforms/libqxcb.so": 300_000,
    "_internal/PySide6/Qt/plugins/imageformats/libqsvg.so": 50_000,
    "_internal/PySide6/Qt/translations/qtbase_zh_CN.qm": 20_000,
    "_internal/numpy/core/_multiarray_umath.so": 700_000,
}
RANDOM = "_internal/numpy/core/_multiarray_umath.so"  # incompressible: the .tar.gz weighs it


@pytest.fixture
def build(tmp_path: Path) -> Path:
    folder = tmp_path / "newage-desktop"
    for name, size in SIZES.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(size) if name == RANDOM else b"\0" * size)
    # PyInstaller's link beside _internal/ to the library in the package folder.
    (folder / "_internal/libQt6Core.so.6").symlink_to(LINK_TARGET)
    return folder


def test_tree_size_counts_links_as_links(build: Path) -> None:
    link = build / "_internal/libQt6Core.so.6"
    assert measure.tree_size(link) == len(LINK_TARGET)  # lstat: not the 2 MB it points to
    assert measure.tree_size(build / "newage-desktop") == 150_000
    (build / "_internal/PySide6/Qt/lib/lib").symlink_to(".")  # a loop, if it were followed
    expected = 2_000_000 + 3_000_000 + len(".")
    assert measure.tree_size(build / "_internal/PySide6/Qt/lib") == expected
    assert measure.tree_size(build) == sum(SIZES.values()) + len(LINK_TARGET) + len(".")


def test_parts_split_pyside6_and_merge_its_bindings(build: Path) -> None:
    assert measure.parts(build) == {
        "newage-desktop": 150_000,
        "base_library.zip": 900_000,
        "libpython3.11.so.1.0": 1_200_000,
        "libQt6Core.so.6": len(LINK_TARGET),
        "numpy": 700_000,
        "PySide6/Qt/lib": 5_000_000,
        "PySide6/Qt/plugins": 350_000,
        "PySide6/Qt/translations": 20_000,
        "PySide6 (bindings, *.abi3.so)": 3_000 + 400_000 + 600_000,
    }


def test_parts_without_pyside6(tmp_path: Path) -> None:
    (tmp_path / "_internal").mkdir()
    (tmp_path / "_internal/base_library.zip").write_bytes(b"x" * 10)
    (tmp_path / "app").write_bytes(b"x" * 3)
    assert measure.parts(tmp_path) == {"app": 3, "base_library.zip": 10}


def test_write_archive_keeps_the_folder_name_and_the_links(build: Path, tmp_path: Path) -> None:
    archive = tmp_path / "build.tar.gz"
    size = measure.write_archive(build, archive)
    assert size == archive.stat().st_size
    assert 700_000 < size < 800_000  # the random file, and the zeros next to nothing
    with tarfile.open(archive) as tar:
        link = tar.getmember("newage-desktop/_internal/libQt6Core.so.6")
        assert link.issym() and link.linkname == LINK_TARGET
        member = tar.getmember("newage-desktop/_internal/PySide6/Qt/lib/libQt6Gui.so.6")
        assert member.isfile() and member.size == 3_000_000


SUMMARY = re.compile(r"^build size: folder (\d+\.\d) MB, tar\.gz (\d+\.\d) MB$")


def test_main_prints_the_summary_and_the_biggest_parts(
    build: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "kept.tar.gz"
    assert measure.main([str(build), "--archive", str(archive), "--top", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    summary = SUMMARY.match(lines[0])
    assert summary is not None, lines[0]
    total = sum(SIZES.values()) + len(LINK_TARGET)
    assert summary.groups() == (f"{total / 1e6:.1f}", f"{archive.stat().st_size / 1e6:.1f}")
    assert lines[1:] == [
        "| part | MB |",
        "|---|---:|",
        "| PySide6/Qt/lib | 5.0 |",
        "| libpython3.11.so.1.0 | 1.2 |",
        "| PySide6 (bindings, *.abi3.so) | 1.0 |",
        # numpy, base_library.zip, plugins, the executable, translations, the link
        f"| 6 others | {(total - 5_000_000 - 1_200_000 - 1_003_000) / 1e6:.1f} |",
    ]


def test_main_without_archive_leaves_nothing_behind(
    build: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sorted(build.parent.rglob("*"))
    assert measure.main([str(build)]) == 0
    out = capsys.readouterr().out
    summary = SUMMARY.match(out.splitlines()[0])
    assert summary is not None and summary.group(2) == "0.7"
    assert sorted(build.parent.rglob("*")) == before
    # Fewer parts than --top (15): all listed, and no negative count of the rest.
    assert out.splitlines()[-1] == "| 0 others | 0.0 |"
    assert len(out.splitlines()) == 3 + len(measure.parts(build)) + 1
