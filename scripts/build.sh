#!/usr/bin/env bash
# Build the one-folder app on Linux or macOS: dist/SafeguardDesktop/ with SafeguardDesktop (the app) and
# safeguard (the command line); on macOS also "dist/Safeguard Desktop.app". Checks the packaged command line answers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
VENV="${VENV:-.venv}"
"$VENV/bin/python" -m pip install -q -e ".[build]"
"$VENV/bin/pyinstaller" --noconfirm build.spec
dist/SafeguardDesktop/safeguard --help >/dev/null
du -sh dist/SafeguardDesktop
