"""kill -9 the real headless server while keys, trust and rooms are written (issue 8).

30 rounds of ``scripts/crash_loop.py`` (which see): socket and command-line key writes, trust
writes and room writes run at once, the server is killed at a random moment, and then nothing
acknowledged may be lost, no acknowledged removal undone, every JSON file must parse, the
database must pass ``PRAGMA integrity_check`` and the next start must leave no temporary file.
The seed is printed, so a failing run can be repeated with ``scripts/crash_loop.py --seed``.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from scripts.crash_loop import run

ROUNDS = 30


@pytest.mark.timeout(900)  # about 2 minutes here; generous for a loaded machine
async def test_crash_loop_loses_and_resurrects_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = random.randrange(2**32)
    lines: list[str] = []
    ledger = await run(ROUNDS, tmp_path, seed=seed, echo=lines.append)
    with capsys.disabled():
        print(f"\n{lines[-1]} (seed {seed})")
    assert ledger.rounds == ROUNDS
    assert ledger.acknowledged > ROUNDS  # the writers really ran
    assert (ledger.lost, ledger.resurrected, ledger.problems) == ([], [], []), lines
