# Shared by run.sh and test.sh: create ./.venv and install the project into it (editable).
# Re-installs only when pyproject.toml changed since the last install.

pick_python() {
  for candidate in "${NEWAGE_PYTHON:-}" python3.11 python3.12 python3.13 python3; do
    if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 \
      && "$candidate" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] < (3, 14)))'; then
      echo "$candidate"; return 0
    fi
  done
  echo "NewAge Desktop needs Python 3.11, 3.12 or 3.13 (set NEWAGE_PYTHON to one)." >&2
  return 1
}

ensure_venv() {
  local extras="${1:-}"
  local spec="."
  [ -n "$extras" ] && spec=".[$extras]"
  if [ ! -x .venv/bin/python ]; then
    local python
    python="$(pick_python)"
    echo "Creating .venv with $($python --version)…" >&2
    "$python" -m venv .venv
  fi
  local stamp=".venv/.installed-${extras:-app}"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "Installing NewAge Desktop ${extras:+($extras extras) }into .venv…" >&2
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e "$spec"
    touch "$stamp"
  fi
  scripts/build_web.sh || echo "The web monitor page was not built (see above)." >&2
  scripts/build_admin_ui.sh || echo "The Socket.IO Admin UI was not built (see above)." >&2
}
