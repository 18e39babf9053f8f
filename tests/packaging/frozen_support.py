"""What the packaging tests share: the build they test, and a private X server."""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FrozenBuild:
    folder: Path
    executable: Path
    archive: Path
    output: str  # build.sh's stdout: the measurement table and the smoke test's lines
    seconds: float

    @property
    def sizes(self) -> str:
        """measure.py's summary line and table (the biggest parts)."""
        start = self.output.index("build size:")
        end = self.output.index("others |", start)
        return self.output[start : self.output.index("\n", end)]

    def size_mb(self, what: str) -> float:
        match = re.search(rf"{what} ([\d.]+) MB", self.output)
        assert match is not None, f"no {what} size in the build output"
        return float(match.group(1))


def healthz(port: int) -> dict[str, object] | None:
    """The server's /healthz answer on 127.0.0.1:`port`, or None while nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
            answer: dict[str, object] = json.load(r)
            return answer
    except OSError:
        return None


@contextmanager
def xvfb(xvfb_binary: str, size: str = "1280x800x24") -> Iterator[str]:
    """A private Xvfb on the first free display (it picks and reports it: -displayfd);
    yields the DISPLAY value."""
    read_end, write_end = os.pipe()
    proc = subprocess.Popen(
        [xvfb_binary, "-displayfd", str(write_end), "-screen", "0", size, "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], 30)
        number = os.read(read_end, 64).decode().strip() if ready else ""
        if not number:
            proc.kill()
            _, err = proc.communicate(timeout=10)
            raise AssertionError(f"Xvfb did not start: {err.decode(errors='replace')[-2000:]}")
        yield f":{number}"
    finally:
        os.close(read_end)
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=10)
