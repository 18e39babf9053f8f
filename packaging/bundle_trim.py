"""What the frozen build leaves out of what PyInstaller collects (used by newage_desktop.spec).

PyInstaller's Qt hooks collect every plugin of a used module and every Qt translation; the app
needs a few. Dropping a plugin also frees the system libraries only it linked (the GTK 3
platform theme alone brings GTK, GDK, cairo, pango, atk and a dozen X11 helpers), so after the
filter `prune_unlinked` keeps only the libraries that something still kept links.
packaging/README.md ("Size") has the numbers behind each choice.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Final

TocEntry = tuple[str, str, str]  # (name in the bundle, source path, type code)
EVERY: Final = frozenset({"*"})

# Plugin type -> plugin names (without "lib" and the extension) the app does without.
DROPPED_PLUGINS: Final[dict[str, frozenset[str]]] = {
    # Kept: xcb, wayland (desktops), offscreen (headless tests, --screenshot in CI); on Windows
    # and macOS their own (qwindows, qcocoa).
    "platforms": frozenset(
        {"qeglfs", "qlinuxfb", "qminimal", "qminimalegl", "qvnc", "qvkkhrdisplay"}
    ),
    "egldeviceintegrations": EVERY,  # eglfs only
    "generic": EVERY,  # evdev/tuio input, for eglfs and linuxfb
    # The GTK 3 theme pulls in GTK itself (~20 MB). xdgdesktopportal stays: it is what the file
    # dialogs use in Flatpak/Snap-like sandboxes and on desktops that ask for portals.
    "platformthemes": frozenset({"qgtk3"}),
    # Icons are PNG (resources/icons/png) and SVG (icon themes); ICO on Windows.
    "imageformats": frozenset({"qjpeg", "qwebp", "qtiff", "qgif", "qtga", "qwbmp", "qpdf"}),
    "networkinformation": EVERY,  # QNetworkInformation is not used
    "tls": EVERY,  # QtNetwork is used for QLocalSocket only (single instance), never TLS
}
# Qt libraries that only the dropped eglfs plugins link.
DROPPED_LIBRARIES: Final = frozenset({"Qt6EglFSDeviceIntegration", "Qt6EglFsKmsSupport"})
# Qt's own catalogs the app loads (resources.install_translators: qtbase_<language>).
KEPT_TRANSLATIONS: Final = frozenset({"qt_en", "qtbase_en", "qt_zh_CN", "qtbase_zh_CN"})


def _base(name: str) -> str:
    """The file name of a bundle name in either separator (PyInstaller writes the host's)."""
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def _stem(path: str) -> str:
    name = _base(path).split(".")[0]
    return name[3:] if name.startswith("lib") else name


def plugin_dropped(name: str, platform: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    if "plugins" not in parts[:-2]:
        return False
    plugin_type = parts[parts.index("plugins") + 1]
    stem = _stem(parts[-1])
    if plugin_type == "imageformats" and stem == "qicns":
        return platform != "darwin"  # the macOS app icon format
    dropped = DROPPED_PLUGINS.get(plugin_type, frozenset())
    return dropped is EVERY or stem in dropped


def library_dropped(name: str) -> bool:
    return _stem(name) in DROPPED_LIBRARIES


def translation_dropped(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    if not (name.endswith(".qm") and "translations" in parts and parts[0] == "PySide6"):
        return False
    return _base(name)[: -len(".qm")] not in KEPT_TRANSLATIONS


def filter_binaries(binaries: Iterable[TocEntry], platform: str) -> list[TocEntry]:
    return [
        entry
        for entry in binaries
        if not (plugin_dropped(entry[0], platform) or library_dropped(entry[0]))
    ]


def filter_datas(datas: Iterable[TocEntry]) -> list[TocEntry]:
    return [entry for entry in datas if not translation_dropped(entry[0])]


def is_root(entry: TocEntry) -> bool:
    """A binary loaded by name at run time (a Python extension, a Qt plugin, libpython), as
    opposed to a library that is only there because a root links it."""
    name, _source, typecode = entry
    base = os.path.basename(name)
    return (
        typecode == "EXTENSION"
        or "/plugins/" in name.replace("\\", "/")
        or base.startswith(("libpython", "python3"))
    )


def prune_unlinked(
    binaries: Iterable[TocEntry], linked: Callable[[str], Iterable[str]]
) -> tuple[list[TocEntry], list[str]]:
    """Keep the roots and the libraries they link, directly or through each other.

    `linked(source path)` names the libraries a binary links (sonames or paths, compared by
    base name). Returns the kept entries and the names of the dropped ones.
    """
    entries = list(binaries)
    by_base: dict[str, list[TocEntry]] = {}
    for entry in entries:
        by_base.setdefault(os.path.basename(entry[0]), []).append(entry)
    kept: set[str] = set()
    pending = [entry for entry in entries if is_root(entry)]
    while pending:
        entry = pending.pop()
        if entry[0] in kept:
            continue
        kept.add(entry[0])
        for lib in linked(entry[1]):
            pending.extend(e for e in by_base.get(os.path.basename(lib), []) if e[0] not in kept)
    return (
        [entry for entry in entries if entry[0] in kept],
        sorted(entry[0] for entry in entries if entry[0] not in kept),
    )


def drop_dangling_symlinks(
    datas: Iterable[TocEntry], binaries: Iterable[TocEntry]
) -> list[TocEntry]:
    """PyInstaller lists the links beside `_internal/` to libraries in package folders (e.g.
    libQt6Core.so.6 -> PySide6/Qt/lib/libQt6Core.so.6) as data; drop those whose target went."""
    present = {entry[0] for entry in binaries}

    def target(entry: TocEntry) -> str:  # a link's source is its target, relative to the link
        return os.path.normpath(os.path.join(os.path.dirname(entry[0]), entry[1]))

    return [entry for entry in datas if entry[2] != "SYMLINK" or target(entry) in present]


def repaired_by_auditwheel(source: str) -> bool:
    """From a wheel that auditwheel repaired (numpy: its numpy.libs/ beside numpy/): patchelf
    rewrote those files, and `strip` on them yields libraries the loader refuses ("ELF load
    command address/offset not page-aligned")."""
    path = os.path.abspath(source)
    parent = os.path.dirname(path)
    while True:
        head, name = os.path.split(parent)
        if not name:
            return False
        if name.endswith(".libs") or os.path.isdir(os.path.join(head, name + ".libs")):
            return True
        parent = head


def strip_copies(
    binaries: Iterable[TocEntry], folder: str, strip: Callable[[str, str], bool]
) -> tuple[list[TocEntry], int]:
    """Binaries with debug symbols, stripped into `folder` (`strip(source, target)`); others
    as they are. A copy is used only if it is smaller. Returns the entries and bytes saved."""
    result: list[TocEntry] = []
    saved = 0
    for name, source, typecode in binaries:
        target = os.path.join(folder, name)
        if not repaired_by_auditwheel(source):
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if strip(source, target):
                before, after = os.path.getsize(source), os.path.getsize(target)
                if after < before:
                    result.append((name, target, typecode))
                    saved += before - after
                    continue
        result.append((name, source, typecode))
    return result, saved
