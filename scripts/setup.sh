#!/usr/bin/env bash
# Installs everything the project needs, idempotently: the wasm32 target,
# the pinned wasm-bindgen CLI, Debian's chromium + chromedriver, and the npm
# packages of the repo (dev tools, test clients). Safe to run repeatedly.
# Usage: scripts/setup.sh [--no-browser] [--no-python]
set -euo pipefail
cd "$(dirname "$0")/.."
WASM_BINDGEN_VERSION=0.2.130
want_browser=1
want_python=1
for a in "$@"; do
  case "$a" in
    --no-browser) want_browser=0 ;;
    --no-python) want_python=0 ;;
  esac
done
log() { printf '[setup] %s\n' "$*" >&2; }

export PATH="$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  log "adding rustup target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION"; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes)"
  # No --locked: the registry snapshot here lacks one locked dependency version.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if [[ $want_browser == 1 ]] && { ! [[ -x /usr/bin/chromium ]] || ! [[ -x /usr/bin/chromedriver ]]; }; then
  log "installing chromium and chromium-driver from Debian"
  SUDO=""
  [[ $(id -u) == 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi

if [[ ! -d node_modules ]] || [[ package.json -nt node_modules/.stamp ]] || [[ package-lock.json -nt node_modules/.stamp ]]; then
  log "installing npm packages"
  if [[ -f package-lock.json ]]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
  touch node_modules/.stamp
fi

if [[ $want_python == 1 ]] && [[ -f tests/python/requirements.txt ]]; then
  if [[ ! -x .venv/bin/python ]]; then
    log "creating .venv for the Python SDK tests"
    python3 -m venv .venv
  fi
  if [[ tests/python/requirements.txt -nt .venv/.stamp ]]; then
    .venv/bin/pip install -q -r tests/python/requirements.txt
    touch .venv/.stamp
  fi
fi
log "ready"
