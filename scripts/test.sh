#!/usr/bin/env bash
# Run every check: lint, types, and the test suite (real SQLite files, real widgets offscreen).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
VENV="${VENV:-.venv}"
export QT_QPA_PLATFORM=offscreen
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
"$VENV/bin/mypy" safeguard_desktop  # strict everywhere (pyproject), the UI included; generated forms skipped
"$VENV/bin/python" -m pytest -q "$@"
