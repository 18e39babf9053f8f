"""A built-in static folder linked out of the data directory is not served (§10, issue 8)."""

from __future__ import annotations

import os
from pathlib import Path

import aiohttp
import pytest

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.transport.server import RelayServer


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
async def test_public_linked_outside_the_data_directory_is_not_found(
    tmp_path: Path, datadir: DataDir
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("outside")
    (datadir.root / "public").symlink_to(outside, target_is_directory=True)
    (datadir.root / "exampleClient").symlink_to(datadir.root, target_is_directory=True)
    (datadir.root / "notes.json").write_text("{}")
    srv = RelayServer(datadir, host="127.0.0.1", port=0)
    await srv.start()
    try:
        async with aiohttp.ClientSession() as http:
            for path in ("/public/secret.txt", "/exampleClient/notes.json"):
                async with http.get(srv.url + path) as response:
                    assert response.status == 404, path
                    assert await response.text() == "Not Found"
    finally:
        await srv.stop()
