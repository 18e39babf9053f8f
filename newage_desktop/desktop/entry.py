"""The freedesktop launcher entry and the app icon in the hicolor theme.

One renderer serves the per-user install (`newage-desktop desktop-entry install`: under
`$XDG_DATA_HOME`), a system package (a .deb: under /usr/share, Exec /usr/bin/newage-desktop)
and the XDG autostart entry, so all of them say the same thing and pass desktop-file-validate.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from newage_desktop.resource_paths import resource_dir

APP_ID: Final = "newage-desktop"  # the .desktop file's name, the icon's name, Wayland's app id
ENTRY_FILE: Final = f"{APP_ID}.desktop"
ICON_NAME: Final = APP_ID
# Qt on X11 sets WM_CLASS's class to QCoreApplication.applicationName() (gui/preferences.py).
WM_CLASS: Final = "NewAge Desktop"
# The PNGs scripts/render_icons.py renders (gui/resources.py APP_ICON_SIZES); all are sizes of
# the hicolor theme's index.
ICON_SIZES: Final = (16, 22, 24, 32, 48, 64, 128, 256)

NAME: Final = "NewAge Desktop"
GENERIC_NAME: Final = {"": "SillyTavern Relay Server", "zh_CN": "SillyTavern 中继服务器"}
COMMENT: Final = {
    "": "Relay server for SillyTavern-NewAge: connects SillyTavern, bots and chat clients",
    "zh_CN": "SillyTavern-NewAge 中继服务器：连接 SillyTavern、机器人和聊天客户端",
}
KEYWORDS: Final = {
    "": "SillyTavern;NewAge;relay;server;Socket.IO;LLM;chat;",
    "zh_CN": "SillyTavern;NewAge;中继;服务器;聊天;大模型;",
}
# One main category (two would list the app twice in some menus), one additional.
CATEGORIES: Final = "Network;Chat;"

# Characters that make an Exec argument need double quotes (Desktop Entry spec, "The Exec key").
_RESERVED: Final = frozenset(" \t\n\"'\\><~|&;$*?#()`")
_ESCAPED_IN_QUOTES: Final = frozenset('"`$\\')


def exec_argument(arg: str) -> str:
    """One argument of an Exec value, quoted as the spec requires (before string escaping)."""
    if arg == "" or any(c in _RESERVED for c in arg):
        arg = '"' + "".join("\\" + c if c in _ESCAPED_IN_QUOTES else c for c in arg) + '"'
    # "%" starts a field code anywhere in the line; a literal one is doubled.
    return arg.replace("%", "%%")


def exec_value(command: Sequence[str]) -> str:
    if not command:
        raise ValueError("empty command")
    return " ".join(exec_argument(arg) for arg in command)


def _escape(value: str) -> str:
    """A key file string value: backslash escapes (applied after Exec quoting, per the spec)."""
    value = value.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")
    value = value.replace("\r", "\\r")
    return "\\s" + value[1:] if value.startswith(" ") else value


def _localized(key: str, values: dict[str, str]) -> list[str]:
    return [f"{key}{f'[{lang}]' if lang else ''}={_escape(text)}" for lang, text in values.items()]


def render_desktop_entry(command: Sequence[str], *, autostart: bool = False) -> str:
    """The text of newage-desktop.desktop for a launcher that runs `command` (an argv).

    For a .deb: `render_desktop_entry(["/usr/bin/newage-desktop"])`, installed as
    /usr/share/applications/newage-desktop.desktop. `autostart` marks the XDG autostart copy.
    """
    lines = [
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.4",  # the newest desktop-file-validate of Debian 12 knows
        f"Name={NAME}",
        *_localized("GenericName", GENERIC_NAME),
        *_localized("Comment", COMMENT),
        f"Exec={_escape(exec_value(command))}",
        # TryExec hides the launcher once the program is gone (a deleted venv), instead of a
        # menu item that does nothing.
        f"TryExec={_escape(command[0])}",
        f"Icon={ICON_NAME}",
        "Terminal=false",
        f"Categories={CATEGORIES}",
        *_localized("Keywords", KEYWORDS),
        f"StartupWMClass={WM_CLASS}",
        # One window per data directory: a second launch shows the first (single instance).
        # (Version 1.5's SingleMainWindow is refused by Debian 12's validator.)
        "X-GNOME-SingleWindow=true",
    ]
    if autostart:
        lines.append("X-GNOME-Autostart-enabled=true")
    return "\n".join(lines) + "\n"


def _icon_sources(icons_dir: Path) -> dict[str, Path]:
    """hicolor-relative path → file under resources/icons."""
    sources = {
        f"{size}x{size}/apps/{ICON_NAME}.png": icons_dir / "png" / f"newage-{size}.png"
        for size in ICON_SIZES
    }
    sources[f"scalable/apps/{ICON_NAME}.svg"] = icons_dir / "newage.svg"
    return sources


def entry_paths(share_dir: Path) -> list[Path]:
    """Every file the entry consists of under `share_dir` (`<prefix>/share` or XDG_DATA_HOME)."""
    hicolor = share_dir / "icons" / "hicolor"
    return [share_dir / "applications" / ENTRY_FILE] + [
        hicolor / relative for relative in _icon_sources(Path())
    ]


def desktop_entry_files(
    share_dir: Path, command: Sequence[str], icons_dir: Path | None = None
) -> dict[Path, bytes]:
    """The launcher entry and the icons, by target path under `share_dir`, with contents.

    Raises FileNotFoundError naming an icon that is missing from `icons_dir`
    (default: resources/icons; a build renders the PNGs with scripts/render_icons.py).
    """
    icons_dir = icons_dir if icons_dir is not None else resource_dir() / "icons"
    entry, *icon_paths = entry_paths(share_dir)
    files = {entry: render_desktop_entry(command).encode("utf-8")}
    for target, source in zip(icon_paths, _icon_sources(icons_dir).values(), strict=True):
        if not source.is_file():
            raise FileNotFoundError(f"icon missing: {source} (run scripts/render_icons.py)")
        files[target] = source.read_bytes()
    return files


def write_file(path: Path, content: bytes) -> None:
    """Replace `path` whole (a temporary file renamed over it), mode 0644."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def install_entry(
    share_dir: Path, command: Sequence[str], icons_dir: Path | None = None
) -> list[Path]:
    """Write the entry and icons under `share_dir`; the paths written. Also for a package's
    staging tree: `install_entry(root / "usr/share", ["/usr/bin/newage-desktop"])`."""
    files = desktop_entry_files(share_dir, command, icons_dir)  # all read before any write
    for path, content in files.items():
        write_file(path, content)
    return list(files)


def remove_entry(share_dir: Path) -> list[Path]:
    """Delete what `install_entry` writes (only those files, no folders); the paths deleted."""
    removed = []
    for path in entry_paths(share_dir):
        if path.is_file() or path.is_symlink():
            path.unlink()
            removed.append(path)
    return removed


def refresh_caches(share_dir: Path) -> list[str]:
    """Best effort: have menus and icon themes notice the change. What happened, per tool.

    gtk-update-icon-cache runs only where a cache already exists: creating one in a per-user
    hicolor folder would hide every icon installed there later without a cache update.
    """
    notes = []
    applications = share_dir / "applications"
    hicolor = share_dir / "icons" / "hicolor"
    runs: list[tuple[str, list[str], bool]] = [
        ("update-desktop-database", ["-q", str(applications)], applications.is_dir()),
        (
            "gtk-update-icon-cache",
            ["-q", "-t", "-f", str(hicolor)],
            (hicolor / "icon-theme.cache").is_file(),
        ),
    ]
    for tool, args, wanted in runs:
        exe = shutil.which(tool)
        if exe is None or not wanted:
            continue
        try:
            done = subprocess.run(
                [exe, *args], capture_output=True, text=True, timeout=60, check=False
            )
        except (OSError, subprocess.SubprocessError) as exc:
            notes.append(f"{tool} failed: {exc}")
            continue
        if done.returncode == 0:
            notes.append(f"ran {tool}")
        else:
            notes.append(f"{tool} failed (exit {done.returncode}): {done.stderr.strip()}")
    return notes
