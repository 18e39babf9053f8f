#!/usr/bin/env bash
# Regenerate the translation sources (resources/i18n/newage_<lang>.ts) from every user-visible
# string under newage_desktop/gui (existing translations are kept; strings no longer in the
# code are dropped) and compile them to the .qm files the app loads.
# Then translate what is marked unfinished (Qt Linguist: .venv/bin/pyside6-linguist FILE.ts)
# and run this again to compile.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
mapfile -t sources < <(find newage_desktop/gui -name '*.py' | LC_ALL=C sort)
for lang in zh_CN; do
  ts="resources/i18n/newage_${lang}.ts"
  # No source locations: line numbers would change the file on every edit of the code.
  "$bin/pyside6-lupdate" -no-obsolete -locations none -target-language "$lang" \
    "${sources[@]}" -ts "$ts"
  "$bin/pyside6-lrelease" "$ts" -qm "resources/i18n/newage_${lang}.qm"
done
