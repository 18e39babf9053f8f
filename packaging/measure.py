"""What the one-folder build weighs, and where: `python packaging/measure.py dist/newage-desktop`.

Prints the folder's size, the size of its .tar.gz (ARCHIVE, or a temporary one) and the biggest
parts: each entry of `_internal/`, with PySide6 split into its Qt libraries, plugins,
translations and Python bindings, because that is where the choices are. Sizes are the files'
apparent sizes (`du --apparent-size`), in MB of 10^6 bytes.
"""

from __future__ import annotations

import argparse
import sys
import tarfile
import tempfile
from pathlib import Path

# Under these the next level is listed instead of the folder as a whole.
SPLIT = ("PySide6", "PySide6/Qt")


def tree_size(path: Path) -> int:
    if path.is_symlink() or path.is_file():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() or p.is_symlink())


def parts(folder: Path) -> dict[str, int]:
    """Relative name -> bytes, for the entries of _internal/ (and the executable)."""
    internal = folder / "_internal"
    result: dict[str, int] = {}
    for entry in folder.iterdir():
        if entry != internal:
            result[entry.name] = tree_size(entry)
    pending = [internal]
    while pending:
        directory = pending.pop()
        for entry in directory.iterdir():
            name = entry.relative_to(internal).as_posix()
            if entry.is_dir() and not entry.is_symlink() and name in SPLIT:
                pending.append(entry)
            elif name in SPLIT[1:]:
                continue
            else:
                result[name] = tree_size(entry)
    bindings = [k for k in result if k.startswith("PySide6/") and not k.startswith("PySide6/Qt/")]
    if bindings:
        result["PySide6 (bindings, *.abi3.so)"] = sum(result.pop(k) for k in bindings)
    return result


def write_archive(folder: Path, archive: Path) -> int:
    with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
        tar.add(folder, arcname=folder.name)
    return archive.stat().st_size


def mb(size: int) -> str:
    return f"{size / 1e6:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--archive", type=Path, help="write the .tar.gz here (kept)")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args(argv)
    folder: Path = args.folder
    total = tree_size(folder)
    if args.archive is not None:
        packed = write_archive(folder, args.archive)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            packed = write_archive(folder, Path(tmp) / "build.tar.gz")
    print(f"build size: folder {mb(total)} MB, tar.gz {mb(packed)} MB")
    print("| part | MB |\n|---|---:|")
    ranked = sorted(parts(folder).items(), key=lambda item: -item[1])
    for name, size in ranked[: args.top]:
        print(f"| {name} | {mb(size)} |")
    rest = sum(size for _name, size in ranked[args.top :])
    print(f"| {max(len(ranked) - args.top, 0)} others | {mb(rest)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
