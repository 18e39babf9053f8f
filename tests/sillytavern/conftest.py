"""Fake SillyTavern folders and fake extension bundles, in tmp_path."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

MakeBundle = Callable[[str], Path]


@pytest.fixture
def sillytavern(tmp_path: Path) -> Path:
    """A SillyTavern folder that was never started: only its package.json."""
    folder = tmp_path / "SillyTavern"
    folder.mkdir()
    (folder / "package.json").write_text(
        json.dumps({"name": "sillytavern", "version": "1.12.14", "type": "module"})
    )
    return folder


@pytest.fixture
def make_bundle(tmp_path: Path) -> MakeBundle:
    """An extension folder of the given version, shaped like the bundled one."""

    def make(version: str) -> Path:
        folder = tmp_path / f"bundle-{version}"
        if folder.exists():
            return folder
        (folder / "src").mkdir(parents=True)
        (folder / "manifest.json").write_text(
            json.dumps({"display_name": "NewAge Desktop", "js": "index.js", "version": version})
        )
        (folder / "index.js").write_text(f"// index {version}\n")
        (folder / "src" / "connection.js").write_text(f"// connection {version}\n")
        (folder / "__pycache__").mkdir()
        (folder / "__pycache__" / "junk.pyc").write_bytes(b"\0")
        return folder

    return make
