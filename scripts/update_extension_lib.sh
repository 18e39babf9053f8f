#!/usr/bin/env bash
# Copy the socket.io-client browser build (ES module) into the SillyTavern extension, from the
# npm package pinned by tests/interop/package-lock.json. Run after changing that pin; a test
# checks the copy is byte-identical to the installed package.
set -euo pipefail
cd "$(dirname "$0")/.."
(cd tests/interop && npm ci --no-audit --no-fund --loglevel=error)
cp tests/interop/node_modules/socket.io-client/dist/socket.io.esm.min.js \
  newage_desktop/sillytavern/extension/lib/socket.io.esm.min.js
echo "extension/lib/socket.io.esm.min.js <- socket.io-client $(node -p "require('./tests/interop/node_modules/socket.io-client/package.json').version")"
