"""Every static mount's root is resolved and checked (PROTOCOL.md §9.3, §10; issue 8).

A mounted folder that is (or later becomes) a symbolic link out of the data directory, or onto
a folder that is, contains or lies inside `keys/`, `settings/` or `logs/`, serves nothing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from newage_desktop.core.files.staticfiles import MountError, StaticFile, StaticMounts

pytestmark = pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    for folder in ("settings", "keys/sub", "logs", "site"):
        (data / folder).mkdir(parents=True)
    (data / "site" / "app.js").write_text("js")
    (data / "notes.json").write_text("{}")
    (data / "keys" / "sub" / "x.json").write_text("{}")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("outside")
    return data


def served(mounts: StaticMounts, url: str) -> str | None:
    target = mounts.lookup(url)
    return target.path.read_text() if isinstance(target, StaticFile) else None


@pytest.mark.parametrize("builtin", ["public", "exampleClient"])
def test_a_builtin_folder_linked_out_of_the_data_directory_serves_nothing(
    root: Path, builtin: str
) -> None:
    (root / builtin).symlink_to(root.parent / "outside", target_is_directory=True)
    mounts = StaticMounts(root)
    assert mounts.lookup(f"/{builtin}/secret.txt") is None


@pytest.mark.parametrize("target", [".", "keys/sub", "settings"])
def test_a_builtin_folder_linked_onto_a_protected_folder_serves_nothing(
    root: Path, target: str
) -> None:
    # "." is the data directory itself: it contains keys/, settings/ and logs/
    (root / "public").symlink_to(root / target, target_is_directory=True)
    mounts = StaticMounts(root)
    for url in ("/public/notes.json", "/public/x.json", "/public/"):
        assert mounts.lookup(url) is None, url


def test_a_builtin_folder_linked_inside_the_data_directory_is_served(root: Path) -> None:
    (root / "public").symlink_to(root / "site", target_is_directory=True)
    assert served(StaticMounts(root), "/public/app.js") == "js"


def test_an_added_folder_replaced_by_a_link_out_serves_nothing(root: Path) -> None:
    mounts = StaticMounts(root)
    mounts.add("/site", "site")
    assert served(mounts, "/site/app.js") == "js"
    shutil.rmtree(root / "site")
    (root / "site").symlink_to(root.parent / "outside", target_is_directory=True)
    assert mounts.lookup("/site/secret.txt") is None


def test_an_added_folder_replaced_by_a_link_to_keys_serves_nothing(root: Path) -> None:
    mounts = StaticMounts(root)
    mounts.add("/site", "site")
    shutil.rmtree(root / "site")
    (root / "site").symlink_to(root / "keys", target_is_directory=True)
    assert mounts.lookup("/site/sub/x.json") is None


def test_adding_a_link_out_or_onto_a_protected_folder_is_refused(root: Path) -> None:
    (root / "away").symlink_to(root.parent / "outside", target_is_directory=True)
    (root / "alias").symlink_to(root / "logs", target_is_directory=True)
    mounts = StaticMounts(root)
    for folder in ("away", "alias", str(root.parent / "outside")):
        with pytest.raises(MountError):
            mounts.add("/x", folder)
