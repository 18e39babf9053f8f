#!/usr/bin/env bash
# The fuzz suite (tests/fuzz) run long: every event of every namespace with many more generated
# payloads than in CI. `NEWAGE_FUZZ_EXAMPLES` is the number of examples per event and sender
# (default here 200; CI uses the suite's own small counts). Arguments go to pytest, e.g.
# `NEWAGE_FUZZ_EXAMPLES=1000 ./scripts/fuzz.sh -k FUNCTION_CALL -x`.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEWAGE_FUZZ_EXAMPLES="${NEWAGE_FUZZ_EXAMPLES:-200}"
exec .venv/bin/python -m pytest -p no:cacheprovider --timeout=0 tests/fuzz "$@"
