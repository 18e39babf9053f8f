#!/usr/bin/env bash
# Install everything the tests need (Python packages into ./.venv, the npm packages of the
# interoperability tests) and run lint, type checks and the whole test suite.
# Arguments go to pytest, e.g. `./scripts/test.sh tests/core -x`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv test
(cd tests/interop && npm ci --no-audit --no-fund --loglevel=error)
.venv/bin/ruff check newage_desktop tests
.venv/bin/mypy --strict
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/pytest "$@"
