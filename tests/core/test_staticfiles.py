"""Which file a static request path names (PROTOCOL.md §10), without a network."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from newage_desktop.core.files.staticfiles import AddSlash, MountError, StaticFile, StaticMounts

needs_symlinks = pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    for folder in ("settings", "keys", "logs", "site/sub", "exampleClient"):
        (data / folder).mkdir(parents=True)
    (data / "site" / "index.html").write_text("index")
    (data / "site" / "app.js").write_text("js")
    (data / "site" / ".env").write_text("secret")
    (data / "site" / "sub" / "page.html").write_text("page")
    (data / "exampleClient" / "index.html").write_text("example")
    (data / "keys" / "clients.json").write_text("{}")
    return data


@pytest.fixture
def mounts(root: Path) -> StaticMounts:
    m = StaticMounts(root)
    m.add("/site/", "site")
    return m


def served(mounts: StaticMounts, url: str) -> str | None:
    target = mounts.lookup(url)
    return target.path.read_text() if isinstance(target, StaticFile) else None


def test_files_and_folder_index(mounts: StaticMounts) -> None:
    assert served(mounts, "/site/app.js") == "js"
    assert served(mounts, "/site/") == "index"
    assert served(mounts, "/site/sub/page.html") == "page"
    assert mounts.lookup("/site") == AddSlash()
    assert mounts.lookup("/site/sub") == AddSlash()
    assert mounts.lookup("/site/sub/") is None  # no index.html: never a listing
    assert mounts.lookup("/site/app.js/") is None
    assert mounts.lookup("/sitex/app.js") is None
    assert mounts.lookup("/other") is None


def test_builtin_folders(mounts: StaticMounts) -> None:
    assert served(mounts, "/exampleClient/") == "example"
    assert mounts.lookup("/public/x.html") is None  # the folder does not exist


def test_dotfiles_and_climbing_are_not_found(mounts: StaticMounts) -> None:
    for url in (
        "/site/.env",
        "/site/../keys/clients.json",
        "/site/sub/../app.js",
        "/site/./app.js",
        "/site//app.js",
        "/site/..\\keys\\clients.json",
        "/site/app.js\x00",
    ):
        assert mounts.lookup(url) is None, url


@needs_symlinks
def test_symlinks_leaving_the_folder_are_not_found(root: Path, mounts: StaticMounts) -> None:
    (root / "site" / "keys").symlink_to(root / "keys", target_is_directory=True)
    (root / "site" / "out.txt").symlink_to(root.parent / "out.txt")
    (root.parent / "out.txt").write_text("outside")
    (root / "site" / "hidden.txt").symlink_to(root / "site" / ".env")
    (root / "site" / "alias.js").symlink_to(root / "site" / "app.js")
    assert mounts.lookup("/site/keys/clients.json") is None
    assert mounts.lookup("/site/out.txt") is None
    assert mounts.lookup("/site/hidden.txt") is None
    assert served(mounts, "/site/alias.js") == "js"


@needs_symlinks
def test_private_folders_are_never_served_even_through_a_builtin_link(root: Path) -> None:
    (root / "public").symlink_to(root / "keys", target_is_directory=True)
    mounts = StaticMounts(root)
    assert mounts.lookup("/public/clients.json") is None


def test_mount_validation(root: Path) -> None:
    mounts = StaticMounts(root)
    for prefix, folder in (
        ("/", "site"),
        ("/index.html", "site"),
        ("/healthz", "site"),
        ("/socket.io", "site"),
        ("/libs", "site"),
        ("/monitor/x", "site"),
        ("x", "site"),
        ("/a/../b", "site"),
        ("/.hidden", "site"),
        ("//evil.example", "site"),
        ("/ok", "keys"),
        ("/ok", "settings/"),
        ("/ok", "logs/.."),
        ("/ok", "."),
        ("/ok", "../"),
        ("/ok", "missing"),
        ("/ok", "keys/clients.json"),
        ("/ok", 5),
    ):
        with pytest.raises(MountError):
            mounts.add(prefix, folder)
    assert mounts.add("/ok/", str(root / "site")) == "/ok"
    assert served(mounts, "/ok/app.js") == "js"


def test_reset_forgets_added_mounts(mounts: StaticMounts) -> None:
    mounts.reset()
    assert mounts.lookup("/site/app.js") is None
    assert served(mounts, "/exampleClient/") == "example"
