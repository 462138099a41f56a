#!/usr/bin/env bash
# Prepare a machine to run Safeguard Desktop: Qt's system libraries, then a virtual environment.
# Usage: scripts/setup.sh [gui]   ("gui" also installs what a real X11 window needs)
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

PY=""
for candidate in "${PYTHON:-}" python3 python3.13 python3.12 python3.11; do
  [ -n "$candidate" ] || continue
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    PY="$candidate"; break
  fi
done

if command -v dpkg-query >/dev/null 2>&1; then
  missing=""
  for pkg in $wanted; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
  done
  if [ -n "$PY" ] && ! "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    missing="$missing python3-venv"
  fi
  [ -z "$PY" ] && missing="$missing python3 python3-venv"
  if [ -n "$missing" ]; then
    echo "Installing system packages:$missing"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
fi

if [ -z "$PY" ]; then
  for candidate in python3 python3.13 python3.12 python3.11; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      PY="$candidate"; break
    fi
  done
fi
[ -n "$PY" ] || { echo "Safeguard Desktop needs Python 3.11 or newer." >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[dev]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
