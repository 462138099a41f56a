#!/usr/bin/env bash
# Run every check: lint, types, and the test suite (real SQLite files, real widgets offscreen).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy safeguard_desktop/domain safeguard_desktop/store safeguard_desktop/services safeguard_desktop/cli
.venv/bin/python -m pytest -q "$@"
