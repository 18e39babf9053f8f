#!/usr/bin/env bash
# Install everything the tests need (Python packages into ./.venv, the npm packages of the
# interoperability tests, SillyTavern 1.19.0 and 1.12.6 from npm into .cache/sillytavern for the
# end-to-end tests) and run lint, type checks and the whole test suite.
# Arguments go to pytest, e.g. `./scripts/test.sh tests/core -x`.
# NEWAGE_SKIP_SILLYTAVERN=1 leaves the SillyTavern install out (the end-to-end tests then skip,
# unless NEWAGE_E2E_REQUIRED=1, as in CI, makes that a failure).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv test
(cd tests/interop && npm ci --no-audit --no-fund --loglevel=error)
if [ "${NEWAGE_SKIP_SILLYTAVERN:-}" != 1 ]; then
  for version in 1.19.0 1.12.6; do
    scripts/install_sillytavern.sh "$version"
  done
fi
.venv/bin/ruff check newage_desktop tests packaging
.venv/bin/mypy --strict
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/pytest "$@"
