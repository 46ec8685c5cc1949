#!/usr/bin/env bash
# Installs what the portal needs to build and run (`setup.sh run`) or also to be tested
# (`setup.sh test`, the default), skipping everything already installed. Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
source scripts/env.sh

purpose=${1:-test}
CARGO_LEPTOS_VERSION=0.3.10
BINARYEN_VERSION=132

step() { printf '\n==> %s\n' "$*"; }

apt_install() {
  step "Installing Debian packages: $*"
  if [ ! -f /var/lib/apt/periodic/portal-updated ] || [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v lock)" ]; then
    apt-get update -qq
    mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/portal-updated
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "Adding the wasm32 target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q " ${CARGO_LEPTOS_VERSION}$"; then
  step "Installing cargo-leptos ${CARGO_LEPTOS_VERSION} (about 18 minutes on 2 cores, once)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
fi

# The CLI must match the wasm-bindgen pinned in Cargo.lock exactly. Without --locked:
# one of its locked dependency versions is not in the registry.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " ${WASM_BINDGEN_VERSION}$"; then
  step "Installing wasm-bindgen-cli ${WASM_BINDGEN_VERSION}"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if ! command -v npm >/dev/null; then
  apt_install nodejs npm
fi

# wasm-opt for release builds: Debian's binaryen is too old and cargo-leptos cannot
# download its own here, so it comes from npm into .tools (on PATH via env.sh).
if [ ! -x .tools/node_modules/.bin/wasm-opt ]; then
  step "Installing binaryen ${BINARYEN_VERSION} (wasm-opt)"
  npm install --prefix .tools --no-audit --no-fund --silent "binaryen@${BINARYEN_VERSION}"
fi

if [ "$purpose" = test ]; then
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v brotli >/dev/null || missing+=(brotli)
  command -v unzip >/dev/null || missing+=(unzip)
  command -v pg_isready >/dev/null || missing+=(postgresql-client)
  command -v wrk >/dev/null || missing+=(wrk)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

  # Playwright drives Debian's Chromium; it must not download a browser of its own.
  stamp=end2end/node_modules/.portal-lock-stamp
  if [ ! -f "$stamp" ] || ! cmp -s end2end/package-lock.json "$stamp"; then
    step "Installing the end-to-end test packages"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
    cp end2end/package-lock.json "$stamp"
  fi
fi
