#!/usr/bin/env bash
# Build the browser libraries the server serves at /socket.io/socket.io.js and /lib/… (PROTOCOL.md
# §10) from npm (resources/web: package.json, package-lock.json, build.mjs) into
# newage_desktop/web/lib/ (generated, not in git). Skipped while the outputs are newer than the
# lock file, build.mjs and this script. Needs npm.
set -euo pipefail
cd "$(dirname "$0")/.."

SRC=resources/web
OUT=newage_desktop/web/lib
# node_modules stays out of resources/, which the PyInstaller spec bundles whole.
WORK=.cache/web
OUTPUTS=(socket.io.js Socket.io/socket.io.js @sap_oss/node-socketio-stream.js uuid/uuid.js)

up_to_date() {
  local f src
  for f in "${OUTPUTS[@]}"; do
    [ -f "$OUT/$f" ] || return 1
    for src in "$SRC/package-lock.json" "$SRC/build.mjs" "$0"; do
      [ "$OUT/$f" -nt "$src" ] || return 1
    done
  done
}

if up_to_date; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "npm not found: the web monitor page (GET /) and /lib/… cannot be built." >&2
  echo "Install Node.js 20 with npm, then run scripts/build_web.sh." >&2
  exit 1
fi

echo "Building the web page libraries into $OUT…" >&2
mkdir -p "$WORK"
cp "$SRC/package.json" "$SRC/package-lock.json" "$SRC/build.mjs" "$WORK/"
(cd "$WORK" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
(cd "$WORK" && node build.mjs "$PWD/../../$OUT")
