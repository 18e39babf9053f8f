#!/usr/bin/env bash
# Build the Socket.IO Admin UI that the server serves at /admin-ui/ when setting adminUiEnabled
# is on: the prebuilt `ui/dist` of npm package @socket.io/admin-ui (resources/admin-ui, locked),
# with its two web fonts (Roboto, Material Design Icons) from npm instead of Google and jsDelivr,
# so the page loads nothing from the internet. Output: newage_desktop/web/admin-ui/ (not in git).
# Skipped when the output was built from the same lock file and script; no npm → a warning only.
set -euo pipefail
cd "$(dirname "$0")/.."

SRC=resources/admin-ui
OUT=newage_desktop/web/admin-ui
WORK=.cache/admin-ui  # node_modules stays out of resources/, which PyInstaller bundles whole
stamp="$(cat "$SRC/package-lock.json" "$0" | sha256sum | cut -d' ' -f1)"

if [ -f "$OUT/index.html" ] && [ "$(cat "$OUT/.build-stamp" 2>/dev/null)" = "$stamp" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "npm not found: the Socket.IO Admin UI is not built (the hosted one still works)." >&2
  exit 0
fi

echo "Building the Socket.IO Admin UI into $OUT…" >&2
mkdir -p "$WORK"
cp "$SRC/package.json" "$SRC/package-lock.json" "$SRC/.npmrc" "$WORK/"
(cd "$WORK" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)

modules="$WORK/node_modules"
tmp="$OUT.tmp"
rm -rf "$tmp"
mkdir -p "$tmp/vendor/roboto/files" "$tmp/vendor/mdi/css" "$tmp/vendor/mdi/fonts"
cp -R "$modules/@socket.io/admin-ui/ui/dist/." "$tmp/"
find "$tmp" -name '*.map' -delete
cp "$modules/@socket.io/admin-ui/LICENSE" "$tmp/LICENSE.admin-ui"

# The weights the UI's stylesheet link asked Google for; latin and the other subsets are
# picked by the browser per character (unicode-range).
roboto="$modules/@fontsource/roboto"
for weight in 100 300 400 500 700 900; do
  cat "$roboto/$weight.css"
  cp "$roboto"/files/roboto-*-"$weight"-normal.woff2 "$tmp/vendor/roboto/files/"
done > "$tmp/vendor/roboto/roboto.css"
cp "$roboto/LICENSE" "$tmp/vendor/roboto/LICENSE"
mdi="$modules/@mdi/font"
cp "$mdi/css/materialdesignicons.min.css" "$tmp/vendor/mdi/css/"
cp "$mdi"/fonts/materialdesignicons-webfont.{woff2,woff} "$tmp/vendor/mdi/fonts/"
cp "$mdi/LICENSE" "$tmp/vendor/mdi/LICENSE"

sed -i \
  -e 's#href="https://fonts.googleapis.com/css?family=[^"]*"#href="vendor/roboto/roboto.css"#' \
  -e 's#href="https://cdn.jsdelivr.net/npm/@mdi/font@[^"]*/css/materialdesignicons.min.css"#href="vendor/mdi/css/materialdesignicons.min.css"#' \
  "$tmp/index.html"
if grep -q 'https\?://' "$tmp/index.html"; then
  echo "index.html of @socket.io/admin-ui still loads from the internet; update this script." >&2
  rm -rf "$tmp"
  exit 1
fi

echo "$stamp" > "$tmp/.build-stamp"
rm -rf "$OUT"
mv "$tmp" "$OUT"
