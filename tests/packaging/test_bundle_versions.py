"""The app's PEP 440 version in the forms Windows, macOS and Debian want
(packaging/bundle_versions.py)."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import itertools
import plistlib
import shutil
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.version import Version

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packaging"))

import bundle_versions
from bundle_versions import debian_version, numeric_version

from newage_desktop import __version__

DPKG = shutil.which("dpkg")


@pytest.mark.parametrize(
    ("version", "numbers"),
    [
        ("0.1.0", (0, 1, 0, 0)),
        ("1", (1, 0, 0, 0)),
        ("2.5", (2, 5, 0, 0)),
        ("10.20.30.40", (10, 20, 30, 40)),
        ("1.2.3.4.5", (1, 2, 3, 4)),
        ("0.2.0rc1", (0, 2, 0, 0)),
        ("1.0.0.dev3", (1, 0, 0, 0)),
        ("1.0.post2", (1, 0, 0, 0)),
        ("1.0+local.7", (1, 0, 0, 0)),
    ],
)
def test_numeric_version_pads_or_cuts_to_four(version: str, numbers: tuple[int, ...]) -> None:
    assert numeric_version(version) == numbers


@pytest.mark.parametrize("version", ["", "abc", ".1", "dev1"])
def test_numeric_version_rejects_what_has_no_release(version: str) -> None:
    with pytest.raises(ValueError, match="not a PEP 440 version"):
        numeric_version(version)
    with pytest.raises(ValueError, match="not a PEP 440 version"):
        debian_version(version)


@pytest.mark.parametrize(
    ("version", "debian"),
    [
        ("0.1.0", "0.1.0"),
        ("0.2.0rc1", "0.2.0~rc1"),
        ("1.0a1", "1.0~a1"),
        ("1.0b2", "1.0~b2"),
        ("1.0.0.dev3", "1.0.0~~dev3"),  # before 1.0.0~a1 too
        ("0.2.0rc1.dev2", "0.2.0~rc1~dev2"),
        ("1.0.post2", "1.0+post2"),
        ("1.0rc1.post1", "1.0~rc1+post1"),
        ("1.0.post1.dev2", "1.0+post1~dev2"),
        ("1.0+local.1", "1.0+local.1"),
        ("1.0+local_x-y", "1.0+local.x.y"),  # '_' and '-' are not allowed in a Debian version
        ("1.0.post2+abc", "1.0+post2+abc"),
    ],
)
def test_debian_version(version: str, debian: str) -> None:
    assert debian_version(version) == debian


# PEP 440 order, ascending; the test checks it is, then that dpkg sorts the mapping the same.
ASCENDING = [
    "0.1.0",
    "0.2.0.dev1",
    "0.2.0a1.dev1",
    "0.2.0a1",
    "0.2.0b1",
    "0.2.0rc1.dev2",
    "0.2.0rc1",
    "0.2.0rc1.post1",
    "0.2.0rc2",
    "0.2.0",
    "0.2.0+local.1",
    "0.2.0.post1.dev2",
    "0.2.0.post1",
    "0.2.0.post2",
    "0.2.1.dev3",
    "0.2.1",
    "0.10.0",
    "1.0.0.dev3",
    "1.0.0",
]


def test_the_order_checked_is_pep_440s() -> None:
    assert sorted(ASCENDING, key=Version) == ASCENDING
    assert len({Version(v) for v in ASCENDING}) == len(ASCENDING)


@pytest.mark.skipif(DPKG is None, reason="no dpkg")
@pytest.mark.parametrize(("lower", "higher"), list(itertools.pairwise(ASCENDING)))
def test_dpkg_orders_the_debian_versions_as_pep_440(lower: str, higher: str) -> None:
    assert DPKG is not None
    a, b = debian_version(lower), debian_version(higher)
    done = subprocess.run([DPKG, "--compare-versions", a, "lt", b], check=False)
    assert done.returncode == 0, f"dpkg: not {a} < {b} (from {lower} < {higher})"


@pytest.mark.skipif(DPKG is None, reason="no dpkg")
def test_dpkg_accepts_the_apps_own_version() -> None:
    assert DPKG is not None
    version = debian_version(__version__)
    done = subprocess.run([DPKG, "--compare-versions", version, "eq", version], check=False)
    assert done.returncode == 0


VERSION_FILE_ARGS = {
    "name": "NewAge Desktop",
    "description": "NewAge Desktop: a SillyTavern-NewAge relay server",
    "exe": "newage-desktop.exe",
}


def test_windows_version_info_is_one_python_expression() -> None:
    text = bundle_versions.windows_version_info("1.2.3rc4", **VERSION_FILE_ARGS)
    tree = ast.parse(text, mode="eval")
    assert isinstance(tree.body, ast.Call)
    assert isinstance(tree.body.func, ast.Name) and tree.body.func.id == "VSVersionInfo"
    assert "filevers=(1, 2, 3, 0)" in text and "prodvers=(1, 2, 3, 0)" in text


@pytest.fixture
def versioninfo(monkeypatch: pytest.MonkeyPatch) -> Iterator[types.ModuleType]:
    """PyInstaller's version-file parser. It is plain Python, but its module imports pefile
    and win32api for reading and writing .exe files, which exist on Windows builds only:
    stand-ins let it load here."""
    pytest.importorskip("PyInstaller")
    compat = importlib.import_module("PyInstaller.compat")
    if importlib.util.find_spec("pefile") is None:
        monkeypatch.setitem(sys.modules, "pefile", types.ModuleType("pefile"))
    if not hasattr(compat, "win32api"):
        monkeypatch.setattr(compat, "win32api", None, raising=False)
    name = "PyInstaller.utils.win32.versioninfo"
    loaded_before = name in sys.modules
    module = importlib.import_module(name)
    yield module
    if not loaded_before:  # not left behind with the stand-ins in it
        sys.modules.pop(name, None)


def test_windows_version_info_loads_with_pyinstallers_parser(
    versioninfo: types.ModuleType, tmp_path: Path
) -> None:
    args = {**VERSION_FILE_ARGS, "name": 'O\'Brien "NewAge" Desktop'}  # quotes survive
    path = tmp_path / "version_info.txt"
    path.write_text(bundle_versions.windows_version_info("1.2.3.4rc5", **args), encoding="utf-8")
    info = versioninfo.load_version_info_from_text_file(str(path))
    assert (info.ffi.fileVersionMS, info.ffi.fileVersionLS) == (0x0001_0002, 0x0003_0004)
    assert (info.ffi.productVersionMS, info.ffi.productVersionLS) == (0x0001_0002, 0x0003_0004)
    string_file_info, var_file_info = info.kids
    (table,) = string_file_info.kids
    strings = {s.name: s.val for s in table.kids}
    assert strings["FileVersion"] == strings["ProductVersion"] == "1.2.3.4rc5"
    assert strings["ProductName"] == strings["CompanyName"] == 'O\'Brien "NewAge" Desktop'
    assert strings["OriginalFilename"] == "newage-desktop.exe"
    assert strings["FileDescription"] == args["description"]
    assert var_file_info.kids[0].kids == [1033, 1200]  # US English, Unicode
    assert info.toRaw()  # serialises into the resource PyInstaller writes


def test_mac_info_plist_round_trips_through_plistlib() -> None:
    info = bundle_versions.mac_info_plist("0.2.0rc1")
    assert plistlib.loads(plistlib.dumps(info)) == info
    assert info["CFBundleShortVersionString"] == info["CFBundleVersion"] == "0.2.0"
    assert info["LSUIElement"] is False  # a Dock icon and a window, not a menu-bar agent
    assert info["NSHighResolutionCapable"] is True


def test_mac_info_plist_holds_at_most_three_numbers() -> None:
    assert bundle_versions.mac_info_plist("1.2.3.4")["CFBundleVersion"] == "1.2.3"
    assert bundle_versions.mac_info_plist("7")["CFBundleShortVersionString"] == "7.0.0"
