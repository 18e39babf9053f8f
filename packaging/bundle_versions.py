"""`newage_desktop.__version__` (PEP 440) in the forms the platform packages want.

Used by newage_desktop.spec (Windows version resource, macOS Info.plist) and build_deb.sh
(Debian control file).
"""

from __future__ import annotations

import re
from typing import Any

_RELEASE = re.compile(r"^(\d+(?:\.\d+)*)")
_PRE = re.compile(r"^(\d+(?:\.\d+)*)(?:[-_.]?(a|b|rc|alpha|beta|c|pre|preview)[-_.]?(\d*))?")


def numeric_version(version: str) -> tuple[int, int, int, int]:
    """The release numbers, padded or cut to four: what Windows and CFBundleVersion hold."""
    match = _RELEASE.match(version)
    if match is None:
        raise ValueError(f"not a PEP 440 version: {version!r}")
    numbers = [int(part) for part in match.group(1).split(".")][:4]
    a, b, c, d = [*numbers, 0, 0, 0][:4]
    return a, b, c, d


def debian_version(version: str) -> str:
    """PEP 440 to Debian order: a pre-release or .dev sorts before its release with '~'
    (0.2.0rc1 -> 0.2.0~rc1, 0.2.0rc1.dev2 -> 0.2.0~rc1~dev2), a .post or local label after
    it with '+'. A .dev of the release itself also precedes its pre-releases (0.2.0.dev3 <
    0.2.0a1), so it takes two: 0.2.0~~dev3 (dpkg sorts '~' before a letter)."""
    public, _, local = version.partition("+")
    match = _PRE.match(public)
    if match is None:
        raise ValueError(f"not a PEP 440 version: {version!r}")
    result = match.group(1)
    if match.group(2):
        result += f"~{match.group(2)}{match.group(3)}"
    rest = public[match.end() :]
    for kind, number in re.findall(r"(post|dev)[-_.]?(\d*)", rest):
        if kind == "post":
            result += f"+post{number}"
        else:
            result += ("~~" if result == match.group(1) else "~") + f"dev{number}"
    if local:
        result += "+" + re.sub(r"[^A-Za-z0-9.~+]", ".", local)
    return result


def windows_version_info(version: str, *, name: str, description: str, exe: str) -> str:
    """The text of a PyInstaller version file (`EXE(version=...)`): Explorer's Details tab."""
    numbers = numeric_version(version)
    strings = {
        "CompanyName": name,
        "FileDescription": description,
        "FileVersion": version,
        "InternalName": name,
        "LegalCopyright": "MIT licence",
        "OriginalFilename": exe,
        "ProductName": name,
        "ProductVersion": version,
    }
    table = ",\n".join(f"          StringStruct({k!r}, {v!r})" for k, v in strings.items())
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(
    filevers={numbers},
    prodvers={numbers},
    mask=0x3f,
    flags=0x0,
    OS=0x40004,
    fileType=0x1,
    subtype=0x0,
    date=(0, 0)
  ),
  kids=[
    StringFileInfo([
      StringTable(
        '040904B0',
        [
{table}
        ])
    ]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""


def mac_info_plist(version: str) -> dict[str, Any]:
    """Info.plist keys for the .app (BUNDLE(info_plist=...)). Apple wants both versions as one
    to three integers, so a pre-release shows as its release there."""
    release = ".".join(str(n) for n in numeric_version(version)[:3])
    return {
        "CFBundleShortVersionString": release,
        "CFBundleVersion": release,
        # A window and a Dock icon, not a menu-bar-only agent: the tray is optional.
        "LSUIElement": False,
        "NSHighResolutionCapable": True,
        "NSRequiresAquaSystemAppearance": False,  # follow dark mode
        "CFBundleDevelopmentRegion": "en",
        "CFBundleLocalizations": ["en", "zh_CN"],
    }
