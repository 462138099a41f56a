#!/usr/bin/env bash
# Prepare a machine to run Safeguard Desktop: Qt's system libraries, then a virtual environment.
# Usage: scripts/setup.sh [gui]   ("gui" also installs what a real X11 window needs)
# PYTHON=python3.12 picks the interpreter, VENV=.venv-3.12 the environment (CI runs every supported Python).
# On macOS there is nothing to apt-get: Qt's wheels carry what they need.
set -euo pipefail
cd "$(dirname "$0")/.."

# Qt's wheels bundle Qt itself but not these system libraries (Debian/Ubuntu names):
#   libglib2.0-0 libdbus-1-3              Qt Core's event loop and session bus
#   libgl1 libegl1                        Qt Gui's OpenGL/EGL entry points (loaded even offscreen)
#   libxkbcommon0                         keyboard handling
#   libfontconfig1 libfreetype6 fonts-dejavu-core   font discovery and a font with wide Unicode coverage
#   libgssapi-krb5-2                      needed by QtNetwork, which QtGui pulls in for some plugins
CORE_PACKAGES="libglib2.0-0 libdbus-1-3 libgl1 libegl1 libxkbcommon0 libfontconfig1 libfreetype6 fonts-dejavu-core libgssapi-krb5-2"
# A real window on X11 (the xcb platform plugin). Qt blames libxcb-cursor0 when icccm/keysyms are what is missing.
GUI_PACKAGES="libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xkb1 libx11-xcb1"

wanted="$CORE_PACKAGES"
[ "${1:-}" = "gui" ] && wanted="$wanted $GUI_PACKAGES"

# A Python 3.11-3.13 (the range the suite runs on): $PYTHON, else the system's python3, else the newest found.
is_supported() { "$1" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' 2>/dev/null; }
find_python() {
  for candidate in "${PYTHON:-}" python3 python3.13 python3.12 python3.11; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 && is_supported "$candidate"; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}
PY=$(find_python || true)

if command -v dpkg-query >/dev/null 2>&1; then
  missing=""
  for pkg in $wanted; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
  done
  if [ -z "$PY" ]; then
    # Ubuntu 22.04's python3 is 3.10; its universe repository has python3.11.
    if apt-cache show python3.11 >/dev/null 2>&1 && ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      missing="$missing python3.11 python3.11-venv"
    else
      missing="$missing python3 python3-venv"
    fi
  elif ! "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    minor=$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    missing="$missing python$minor-venv"
  fi
  if [ -n "$missing" ]; then
    echo "Installing system packages:$missing"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
fi

[ -n "$PY" ] || PY=$(find_python || true)
[ -n "$PY" ] || { echo "Safeguard Desktop needs Python 3.11, 3.12 or 3.13 (python.org, or your system's packages)." >&2; exit 1; }

VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
stamp="$VENV/.installed-$("$VENV/bin/python" -c 'import hashlib; print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest()[:16])')"
if [ ! -f "$stamp" ]; then
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e ".[dev]"
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi
