"""The README's client example runs as written (only the URL and the key are filled in)."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.transport.server import RelayServer
from tests.server.conftest import provision
from tests.server.emulated import EmulatedExtension

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    (example,) = [b for b in blocks if "NewAgeClient" in b]
    return example


async def test_readme_client_example(server: RelayServer, datadir: DataDir, tmp_path: Path) -> None:
    key = provision(datadir, "my-bot")
    ext = EmulatedExtension(server.url, "st", provision(datadir, "st") or "")
    await ext.connect()
    try:
        code = readme_example()
        assert '"http://127.0.0.1:4000"' in code and '"PASTE-THE-KEY"' in code
        script = tmp_path / "example.py"
        script.write_text(
            code.replace("http://127.0.0.1:4000", server.url).replace("PASTE-THE-KEY", key or "")
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(script),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0, err.decode()
        assert out.decode() == f"extensions: ['st']\n{ext.text}"
    finally:
        await ext.close()


async def test_readme_openai_example(server: RelayServer, datadir: DataDir, tmp_path: Path) -> None:
    """The README's OpenAI-compatible API example, with the official `openai` client."""
    key = provision(datadir, "my-bot")
    ext = EmulatedExtension(server.url, "st", provision(datadir, "st") or "")
    await ext.connect()
    try:
        blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
        (code,) = [b for b in blocks if "from openai import OpenAI" in b]
        assert '"http://127.0.0.1:4000/v1"' in code and '"my-bot:PASTE-THE-KEY"' in code
        script = tmp_path / "openai_example.py"
        script.write_text(
            code.replace("http://127.0.0.1:4000", server.url).replace("PASTE-THE-KEY", key or "")
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(script),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0, err.decode()
        assert out.decode() == f"['st']\n{ext.text}\n"
    finally:
        await ext.close()
