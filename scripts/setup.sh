#!/usr/bin/env bash
# Installs everything docflow needs on a fresh Debian machine: system packages (LibreOffice,
# fonts, poppler, SoftHSM2, zbar, Chromium), a virtual environment in .venv and the package.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  libreoffice-writer-nogui libreoffice-script-provider-python python3-uno
  fonts-dejavu-core fonts-liberation2 fonts-noto-core
  poppler-utils qpdf openssl libnss3-tools
  softhsm2 opensc
  zbar-tools
  chromium chromium-driver
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.docflow-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing docflow and its Python dependencies into .venv"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e ".[dev]"
  touch "$stamp"
fi
# The browser side of signing through NCALayer: ncalayer-js-client (MIT, by SIGEX), installed
# with npm into .npm-vendor/ and served from docflow/web/static/vendor/ (a copy is committed
# there, so the page works where npm is missing).
NCALAYER_CLIENT=ncalayer-js-client@1.5.6
if command -v npm >/dev/null 2>&1; then
  if [ ! -f .npm-vendor/node_modules/ncalayer-js-client/ncalayer-client.js ]; then
    echo "setup: installing $NCALAYER_CLIENT with npm"
    npm install --prefix .npm-vendor --no-audit --no-fund --omit=dev "$NCALAYER_CLIENT" >/dev/null
  fi
  install -m 0644 .npm-vendor/node_modules/ncalayer-js-client/ncalayer-client.js \
    docflow/web/static/vendor/ncalayer-client.js
fi
echo "setup: ready (.venv/bin/docflow)"
