#!/usr/bin/env bash
# Run Safeguard Desktop (installs what it needs first). With no data yet it offers the demo school.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh gui
exec "${VENV:-.venv}/bin/safeguard-desktop" "$@"
