#!/usr/bin/env bash
# Build the one-folder PyInstaller bundle into dist/newage-desktop/ and smoke-test it:
# start it headless on a free port, wait for /healthz, stop it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv
# The bundle serves the web monitor page: without its libraries the build stops here.
scripts/build_web.sh
.venv/bin/python -m pip install --quiet "pyinstaller>=6.10,<7"
.venv/bin/pyinstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller packaging/newage_desktop.spec
# The release archive, and what the build weighs and where (packaging/README.md, "Size").
version="$(.venv/bin/python -c 'import newage_desktop; print(newage_desktop.__version__)')"
.venv/bin/python packaging/measure.py dist/newage-desktop \
  --archive "dist/newage-desktop-${version}-linux-$(uname -m).tar.gz"
.venv/bin/python packaging/smoke_test.py dist/newage-desktop/newage-desktop
