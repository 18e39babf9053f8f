"""The icons the Windows and macOS builds are given (packaging/newage_desktop.spec): present,
well-formed and carrying the sizes Explorer and Finder ask for (scripts/render_platform_icons.py
writes them)."""

from __future__ import annotations

import struct
from pathlib import Path

ICONS = Path(__file__).resolve().parents[2] / "resources" / "icons"
SPEC = Path(__file__).resolve().parents[2] / "packaging" / "newage_desktop.spec"


def test_the_ico_holds_every_size_up_to_256() -> None:
    data = (ICONS / "app.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1)  # an icon, not a cursor
    sizes = set()
    for i in range(count):
        width, height = struct.unpack_from("<BB", data, 6 + 16 * i)
        length, offset = struct.unpack_from("<II", data, 6 + 16 * i + 8)
        assert offset + length <= len(data)
        sizes.add((width or 256, height or 256))  # 0 means 256
    assert {(s, s) for s in (16, 32, 48, 256)} <= sizes


def test_the_icns_is_whole_and_has_the_retina_sizes() -> None:
    data = (ICONS / "app.icns").read_bytes()
    magic, total = struct.unpack_from(">4sI", data)
    assert magic == b"icns" and total == len(data)
    kinds = set()
    offset = 8
    while offset < len(data):
        kind, length = struct.unpack_from(">4sI", data, offset)
        assert length >= 8
        kinds.add(kind)
        offset += length
    assert offset == len(data)
    assert {b"ic09", b"ic10"} <= kinds  # 512 px and 512@2x (1024 px)


def test_the_spec_uses_them() -> None:
    spec = SPEC.read_text(encoding="utf-8")
    assert '"app.ico"' in spec and '"app.icns"' in spec
