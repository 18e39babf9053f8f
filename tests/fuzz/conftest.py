"""One real server per fuzz module (module-scoped fixture on a module-scoped event loop).

Modules here mark themselves `pytest.mark.asyncio(loop_scope="module")` so their tests share
the loop the `fuzz` fixture's server runs on. `NEWAGE_FUZZ_EXAMPLES` scales the example counts
(`harness.examples()`); `scripts/fuzz.sh` runs the suite long.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.fuzz import harness


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def fuzz(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[harness.FuzzServer]:
    env = await harness.start(tmp_path_factory.mktemp("fuzz"))
    yield env
    await harness.stop(env)
