#!/usr/bin/env bash
# Install NewAge Desktop into ./.venv (first run only) and start it.
# Arguments go to the app, e.g. `./scripts/run.sh --headless --port 4000`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv
exec .venv/bin/newage-desktop "$@"
