#!/usr/bin/env bash
# Install a pinned SillyTavern release from npm for the end-to-end tests (tests/e2e).
#
#   scripts/install_sillytavern.sh VERSION [DEST]
#
# VERSION is one of the versions that have a committed lockfile in
# tests/e2e/sillytavern/VERSION/package-lock.json (1.19.0, 1.12.6). DEST defaults to
# <repo>/.cache/sillytavern/VERSION, where the tests look for it.
#
# SillyTavern's npm package ships no lockfile, so the dependency tree is pinned by the
# committed one and installed with `npm ci`. The only install script in either tree besides
# SillyTavern's own is protobufjs's (a version notice), so dependencies are installed with
# --ignore-scripts and SillyTavern's own set-up is run explicitly:
#   - 1.12.x: `node post-install.js` (creates config.yaml/user.css if missing and copies the
#     transformers WASM binaries into dist/);
#   - 1.19.x: no postinstall; the frontend library bundle (public/lib.js) is compiled by Webpack
#     at every server start into <dataRoot>/_webpack (or dist/_webpack inside a container). A cold
#     compile takes ~25 s, so it is compiled once here into dist/_webpack; the tests copy that
#     cache into each fresh data root, which makes the start-up compile a cache hit (~1.5 s).
#     It also computes the metadata of the bundled background images into
#     .newage-e2e/image-metadata.json (the page would otherwise spend ~4 s on it at each first
#     load); the tests seed each fresh data root with it.
#
# Re-running with an installed DEST is a no-op: DEST/.newage-e2e-install records the version,
# the lockfile's sha256 and this script's INSTALL_REVISION; the install is redone when any
# differs.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: $0 VERSION [DEST]" >&2
    exit 2
fi

VERSION="$1"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${2:-$REPO_ROOT/.cache/sillytavern/$VERSION}"
mkdir -p "$(dirname "$DEST")"
DEST="$(cd "$(dirname "$DEST")" && pwd)/$(basename "$DEST")"  # absolute
LOCKFILE="$REPO_ROOT/tests/e2e/sillytavern/$VERSION/package-lock.json"
MARKER_NAME=".newage-e2e-install"

if [[ ! -f "$LOCKFILE" ]]; then
    echo "error: no lockfile for SillyTavern $VERSION at $LOCKFILE" >&2
    echo "(create one with \`npm install\` in the unpacked package and commit it)" >&2
    exit 1
fi
command -v node >/dev/null || { echo "error: node is not on PATH" >&2; exit 1; }
command -v npm >/dev/null || { echo "error: npm is not on PATH" >&2; exit 1; }

# SillyTavern asks `git` for its revision (shown in the UI and part of the Webpack cache key). DEST
# is usually inside this repository's work tree: keep git from finding our repository.
GIT_CEILING_DIRECTORIES="$(dirname "$DEST")"
export GIT_CEILING_DIRECTORIES

# Bump when this script's output changes, so that existing installs are redone.
INSTALL_REVISION=2
LOCK_SHA="$(sha256sum "$LOCKFILE" | cut -d' ' -f1)"
EXPECTED_MARKER="sillytavern $VERSION lockfile-sha256 $LOCK_SHA rev $INSTALL_REVISION"

if [[ -f "$DEST/$MARKER_NAME" ]] && [[ "$(cat "$DEST/$MARKER_NAME")" == "$EXPECTED_MARKER" ]]; then
    echo "SillyTavern $VERSION is already installed in $DEST"
    exit 0
fi

# DEST is replaced wholesale below: refuse to do that to a folder that is not a SillyTavern
# install of ours.
if [[ -d "$DEST" && -n "$(ls -A "$DEST")" && ! -f "$DEST/$MARKER_NAME" ]] \
    && ! grep -qs '"name": "sillytavern"' "$DEST/package.json"; then
    echo "error: $DEST exists and is not a SillyTavern install; not replacing it" >&2
    exit 1
fi

start_s=$SECONDS
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "==> npm pack sillytavern@$VERSION"
(cd "$WORK" && npm pack "sillytavern@$VERSION" --silent >/dev/null)
TARBALL="$WORK/sillytavern-$VERSION.tgz"
[[ -f "$TARBALL" ]] || { echo "error: npm pack did not produce $TARBALL" >&2; exit 1; }

echo "==> unpacking into $DEST"
rm -rf "$DEST"
mkdir -p "$DEST"
tar -xzf "$TARBALL" -C "$DEST" --strip-components=1
cp "$LOCKFILE" "$DEST/package-lock.json"

echo "==> npm ci"
(cd "$DEST" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

if [[ -f "$DEST/post-install.js" ]]; then
    echo "==> node post-install.js"
    (cd "$DEST" && node post-install.js)
fi

if [[ -f "$DEST/webpack.config.js" && -f "$DEST/src/middleware/webpack-serve.js" ]]; then
    echo "==> compiling the frontend library bundle into dist/_webpack"
    (cd "$DEST" && node --input-type=module -e "
globalThis.DATA_ROOT = process.cwd() + '/dist';
const { default: getWebpackServeMiddleware } = await import('./src/middleware/webpack-serve.js');
await getWebpackServeMiddleware().runWebpackCompiler({ forceDist: true });
")
    compgen -G "$DEST/dist/_webpack/*/output/lib.js" >/dev/null \
        || { echo "error: the Webpack bundle was not produced" >&2; exit 1; }
fi

if [[ -f "$DEST/src/endpoints/image-metadata.js" ]]; then
    # 1.19.x computes metadata (hash, size, average colour) of every background image the first
    # time the page lists them (~4 s for the 23 bundled ones) and caches it in
    # <user>/image-metadata.json, keyed by file mtime. Compute it once for the bundled
    # backgrounds (mtimes preserved); the tests copy both into each fresh data root.
    echo "==> pre-computing the background image metadata"
    SEED_DIR="$DEST/.newage-e2e"
    rm -rf "$SEED_DIR"
    mkdir -p "$SEED_DIR/user"
    cp -rp "$DEST/default/content/backgrounds" "$SEED_DIR/user/backgrounds"
    (cd "$DEST" && SEED_USER="$SEED_DIR/user" node --input-type=module -e "
import fs from 'node:fs';
import path from 'node:path';
import { setConfigFilePath } from './src/util.js';
import './src/fetch-patch.js'; // as the server does: Jimp's WASM codecs are fetched from file: URLs
setConfigFilePath('./default/config.yaml');
const warnings = [];
console.warn = (...args) => warnings.push(args.join(' '));
const { getOrGenerateMetadataBatch, METADATA_FILE } = await import('./src/endpoints/image-metadata.js');
const root = process.env.SEED_USER;
const files = fs.readdirSync(path.join(root, 'backgrounds')).map(f => path.join('backgrounds', f));
const { generatedCount } = await getOrGenerateMetadataBatch(root, files, 'bg');
if (warnings.length) throw new Error('metadata generation failed: ' + warnings.join('; '));
if (!fs.existsSync(path.join(root, METADATA_FILE))) throw new Error('no metadata written');
console.log('metadata of ' + generatedCount + ' backgrounds');
")
    mv "$SEED_DIR/user/image-metadata.json" "$SEED_DIR/image-metadata.json"
    rm -rf "$SEED_DIR/user"
fi

echo "$EXPECTED_MARKER" >"$DEST/$MARKER_NAME"
echo "SillyTavern $VERSION installed in $DEST in $((SECONDS - start_s)) s"
