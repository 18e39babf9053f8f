"""What the frozen build leaves out (packaging/bundle_trim.py), on TOC entries made up here:
no PyInstaller, no build."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packaging"))

import bundle_trim
from bundle_trim import TocEntry


@pytest.mark.parametrize(
    ("name", "platform", "dropped"),
    [
        # Linux and macOS wheels: PySide6/Qt/plugins/<type>/lib<name>.so
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", "linux", True),
        ("PySide6/Qt/plugins/platforms/libqminimal.so", "linux", True),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", "linux", True),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "linux", False),
        ("PySide6/Qt/plugins/platforms/libqwayland-egl.so", "linux", False),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", "linux", False),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", "linux", True),
        ("PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so", "linux", False),
        ("PySide6/Qt/plugins/egldeviceintegrations/libqeglfs-kms-integration.so", "linux", True),
        ("PySide6/Qt/plugins/generic/libqevdevkeyboardplugin.so", "linux", True),
        ("PySide6/Qt/plugins/tls/libqopensslbackend.so", "linux", True),
        ("PySide6/Qt/plugins/networkinformation/libqnetworkmanager.so", "linux", True),
        ("PySide6/Qt/plugins/imageformats/libqjpeg.so", "linux", True),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", "linux", False),
        ("PySide6/Qt/plugins/imageformats/libqico.so", "linux", False),
        ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", "linux", False),
        ("PySide6/Qt/plugins/platforms/libqcocoa.dylib", "darwin", False),
        # Windows wheels: PySide6\plugins\<type>\<name>.dll, backslashes in the TOC
        ("PySide6\\plugins\\platforms\\qminimal.dll", "win32", True),
        ("PySide6\\plugins\\platforms\\qwindows.dll", "win32", False),
        ("PySide6\\plugins\\platforms\\qoffscreen.dll", "win32", False),
        ("PySide6\\plugins\\tls\\qschannelbackend.dll", "win32", True),
        ("PySide6\\plugins\\imageformats\\qwebp.dll", "win32", True),
        # The .icns reader only where .icns is the app icon format
        ("PySide6/Qt/plugins/imageformats/libqicns.dylib", "darwin", False),
        ("PySide6/Qt/plugins/imageformats/libqicns.so", "linux", True),
        ("PySide6\\plugins\\imageformats\\qicns.dll", "win32", True),
    ],
)
def test_plugin_dropped(name: str, platform: str, dropped: bool) -> None:
    assert bundle_trim.plugin_dropped(name, platform) is dropped


@pytest.mark.parametrize(
    "name",
    [
        "PySide6/Qt/lib/libQt6Gui.so.6",
        "libqeglfs.so",  # a plugin's name, but not under plugins/<type>/
        "platforms/libqeglfs.so",
        "plugins/libqeglfs.so",
        "PySide6/Qt/plugins/README",  # plugins/ directly: no plugin type
        "PySide6\\Qt6Gui.dll",
    ],
)
def test_non_plugin_paths_are_never_dropped(name: str) -> None:
    assert not bundle_trim.plugin_dropped(name, "linux")
    assert not bundle_trim.plugin_dropped(name, "win32")


@pytest.mark.parametrize(
    ("name", "dropped"),
    [
        ("PySide6/Qt/lib/libQt6EglFSDeviceIntegration.so.6", True),
        ("PySide6/Qt/lib/libQt6EglFsKmsSupport.so.6", True),
        ("libQt6EglFSDeviceIntegration.so.6", True),  # the link beside _internal/
        ("PySide6/Qt/lib/libQt6Gui.so.6", False),
        ("PySide6/Qt/lib/libQt6XcbQpa.so.6", False),
    ],
)
def test_library_dropped(name: str, dropped: bool) -> None:
    assert bundle_trim.library_dropped(name) is dropped


@pytest.mark.parametrize(
    ("name", "dropped"),
    [
        ("PySide6/Qt/translations/qtbase_zh_CN.qm", False),
        ("PySide6/Qt/translations/qt_zh_CN.qm", False),
        ("PySide6/Qt/translations/qtbase_en.qm", False),
        ("PySide6/Qt/translations/qtbase_de.qm", True),
        ("PySide6/Qt/translations/qt_help_zh_CN.qm", True),
        ("PySide6\\translations\\qtbase_zh_CN.qm", False),
        ("PySide6\\translations\\qtbase_de.qm", True),
        # Ours: never Qt's catalogs, whatever the language
        ("resources/translations/zh_CN.qm", False),
        ("resources/translations/qtbase_de.qm", False),
        ("resources\\translations\\de.qm", False),
        ("PySide6/Qt/translations/README.txt", False),
    ],
)
def test_translation_dropped(name: str, dropped: bool) -> None:
    assert bundle_trim.translation_dropped(name) is dropped


def test_filters_keep_order_and_drop_only_what_the_lists_name() -> None:
    binaries: list[TocEntry] = [
        ("PySide6/Qt/lib/libQt6Gui.so.6", "/src/libQt6Gui.so.6", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", "/src/libqeglfs.so", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "/src/libqxcb.so", "BINARY"),
        ("PySide6/Qt/lib/libQt6EglFSDeviceIntegration.so.6", "/src/libQt6Egl.so.6", "BINARY"),
        ("PySide6/QtCore.abi3.so", "/src/QtCore.abi3.so", "EXTENSION"),
    ]
    assert bundle_trim.filter_binaries(binaries, "linux") == [
        binaries[0],
        binaries[2],
        binaries[4],
    ]
    datas: list[TocEntry] = [
        ("PySide6/Qt/translations/qtbase_de.qm", "/src/qtbase_de.qm", "DATA"),
        ("resources/translations/zh_CN.qm", "/src/zh_CN.qm", "DATA"),
        ("PySide6/Qt/translations/qtbase_zh_CN.qm", "/src/qtbase_zh_CN.qm", "DATA"),
    ]
    assert bundle_trim.filter_datas(datas) == [datas[1], datas[2]]


@pytest.mark.parametrize(
    ("entry", "root"),
    [
        (("newage_desktop/_speedups.cpython-311-x86_64-linux-gnu.so", "/s", "EXTENSION"), True),
        (("PySide6/Qt/plugins/platforms/libqxcb.so", "/s", "BINARY"), True),
        (("PySide6\\plugins\\platforms\\qwindows.dll", "/s", "BINARY"), True),
        (("libpython3.11.so.1.0", "/s", "BINARY"), True),
        (("python311.dll", "/s", "BINARY"), True),
        (("PySide6/Qt/lib/libQt6Core.so.6", "/s", "BINARY"), False),
        (("libgtk-3.so.0", "/s", "BINARY"), False),
    ],
)
def test_is_root(entry: TocEntry, root: bool) -> None:
    assert bundle_trim.is_root(entry) is root


def _binary(name: str, typecode: str = "BINARY") -> TocEntry:
    return (name, "/src/" + name.replace("/", "_"), typecode)


EXT = _binary("newage_desktop/_ext.cpython-311-x86_64-linux-gnu.so", "EXTENSION")
XCB = _binary("PySide6/Qt/plugins/platforms/libqxcb.so")
LIBPYTHON = _binary("libpython3.11.so.1.0")
LIB_A = _binary("libA.so.1")
LIB_A_COPY = _binary("PySide6/Qt/lib/libA.so.1")  # the same soname in a package folder
LIB_B = _binary("libB.so.2")
LIB_C = _binary("libC.so.3")
XCB_QPA = _binary("PySide6/Qt/lib/libQt6XcbQpa.so.6")
GTK = _binary("libgtk-3.so.0")  # links kept libraries, but nothing kept links it
GDK = _binary("libgdk-3.so.0")  # linked only by GTK
LINKS: dict[TocEntry, list[str]] = {
    EXT: ["libA.so.1", "libc.so.6"],  # libc is not in the bundle: ignored
    LIB_A: ["libB.so.2"],
    LIB_B: ["libC.so.3"],
    LIB_C: ["libB.so.2"],  # a cycle back to B
    XCB: ["/opt/qt/lib/libQt6XcbQpa.so.6"],  # a path: compared by base name
    GTK: ["libgdk-3.so.0", "libA.so.1"],
    GDK: ["libB.so.2"],
}
ENTRIES = [GTK, LIB_C, EXT, LIB_A_COPY, XCB_QPA, GDK, LIB_B, XCB, LIBPYTHON, LIB_A]


def _prune(entries: Iterable[TocEntry]) -> tuple[list[TocEntry], list[str], list[str]]:
    by_source = {entry[1]: LINKS.get(entry, []) for entry in ENTRIES}
    asked: list[str] = []

    def linked(source: str) -> list[str]:
        asked.append(source)
        return by_source[source]

    kept, dropped = bundle_trim.prune_unlinked(entries, linked)
    return kept, dropped, asked


def test_prune_unlinked_keeps_roots_and_what_they_link_transitively() -> None:
    kept, dropped, asked = _prune(ENTRIES)
    assert kept == [LIB_C, EXT, LIB_A_COPY, XCB_QPA, LIB_B, XCB, LIBPYTHON, LIB_A]  # in order
    assert dropped == sorted([GTK[0], GDK[0]])
    # Each kept binary is asked once (the B <-> C cycle ends); a dropped one never.
    assert sorted(asked) == sorted(entry[1] for entry in kept)


def test_prune_unlinked_without_roots_drops_everything() -> None:
    kept, dropped, asked = _prune([LIB_A, LIB_B, GTK])
    assert kept == []
    assert dropped == sorted([LIB_A[0], LIB_B[0], GTK[0]])
    assert asked == []


def test_drop_dangling_symlinks() -> None:
    binaries: list[TocEntry] = [
        ("PySide6/Qt/lib/libQt6Core.so.6", "/src/libQt6Core.so.6", "BINARY"),
        ("PySide6/Qt/lib/libfoo.so.1", "/src/libfoo.so.1", "BINARY"),
    ]
    present = ("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK")
    gone = ("libQt6EglFsKmsSupport.so.6", "PySide6/Qt/lib/libQt6EglFsKmsSupport.so.6", "SYMLINK")
    beside = ("PySide6/Qt/lib/libfoo.so", "libfoo.so.1", "SYMLINK")  # relative to its folder
    up = ("PySide6/Qt/plugins/libfoo.so", "../lib/libfoo.so.1", "SYMLINK")
    up_gone = ("PySide6/Qt/plugins/libbar.so", "../lib/libbar.so.1", "SYMLINK")
    data = ("resources/icons/newage.svg", "/src/newage.svg", "DATA")  # not a link: kept
    datas: list[TocEntry] = [present, gone, beside, up, up_gone, data]
    assert bundle_trim.drop_dangling_symlinks(datas, binaries) == [present, beside, up, data]


def _touch(path: Path, size: int = 16) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * size)
    return path


def test_repaired_by_auditwheel_inside_a_libs_folder(tmp_path: Path) -> None:
    lib = _touch(tmp_path / "site-packages/numpy.libs/libscipy_openblas64_-ff651d7f.so")
    assert bundle_trim.repaired_by_auditwheel(str(lib))


def test_repaired_by_auditwheel_in_a_package_beside_its_libs_folder(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    extension = _touch(site / "numpy/core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so")
    assert not bundle_trim.repaired_by_auditwheel(str(extension))
    (site / "numpy.libs").mkdir()
    assert bundle_trim.repaired_by_auditwheel(str(extension))
    # Another package's .libs folder says nothing about this one.
    qt = _touch(site / "PySide6/Qt/lib/libQt6Core.so.6")
    assert not bundle_trim.repaired_by_auditwheel(str(qt))


def test_strip_copies(tmp_path: Path) -> None:
    src = tmp_path / "src"
    folder = tmp_path / "stripped"
    smaller = _touch(src / "libpython3.11.so.1.0", 1000)
    same = _touch(src / "libsame.so", 300)
    failing = _touch(src / "libfail.so", 500)
    nested = _touch(src / "libQt6Core.so.6", 700)
    repaired = _touch(src / "numpy.libs/libopenblas.so", 900)
    stripped_size = {smaller: 400, same: 300, failing: 10, nested: 200, repaired: 1}
    calls: list[str] = []

    def strip(source: str, target: str) -> bool:
        calls.append(source)
        Path(target).write_bytes(b"\0" * stripped_size[Path(source)])  # the folder must exist
        return Path(source) != failing

    binaries: list[TocEntry] = [
        ("libpython3.11.so.1.0", str(smaller), "BINARY"),
        ("libsame.so", str(same), "BINARY"),
        ("libfail.so", str(failing), "BINARY"),
        ("PySide6/Qt/lib/libQt6Core.so.6", str(nested), "BINARY"),
        ("numpy.libs/libopenblas.so", str(repaired), "BINARY"),
        ("newage_desktop/_ext.so", str(smaller), "EXTENSION"),
    ]
    result, saved = bundle_trim.strip_copies(binaries, str(folder), strip)
    assert result == [
        ("libpython3.11.so.1.0", str(folder / "libpython3.11.so.1.0"), "BINARY"),
        binaries[1],  # not smaller
        binaries[2],  # strip failed
        (
            "PySide6/Qt/lib/libQt6Core.so.6",
            str(folder / "PySide6/Qt/lib/libQt6Core.so.6"),
            "BINARY",
        ),
        binaries[4],  # auditwheel-patched: never stripped
        ("newage_desktop/_ext.so", str(folder / "newage_desktop/_ext.so"), "EXTENSION"),
    ]
    assert saved == 600 + 500 + 600
    assert str(repaired) not in calls
    assert smaller.stat().st_size == 1000  # the originals are untouched
