#!/usr/bin/env bash
# Installs what building, the demo and the tests need, only what is missing:
# Chromium and its WebDriver, Node and npm (apt); the wasm32 target, rustfmt
# and clippy (rustup);
# wasm-bindgen-cli at Cargo.lock's version; wasm-opt (npm's binaryen) and
# playwright-core for the end-to-end test (npm, from package-lock.json).
#
#   ./scripts/setup.sh
#
# Needs Rust (rustup, cargo), and apt as root or through sudo for a first run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "installing needs root: run '$*' as root, or install it yourself"
    fi
}

command -v cargo >/dev/null 2>&1 || die "cargo is not on PATH: install Rust (https://rustup.rs) first"
packages=()
[ -n "${CHROMEDRIVER:-}" ] || [ -x /usr/bin/chromedriver ] || packages+=(chromium chromium-driver)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
if [ ${#packages[@]} -gt 0 ]; then
    echo "installing ${packages[*]} (apt)"
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"
fi
if command -v rustup >/dev/null 2>&1; then
    rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
    # The test command checks formatting and lints.
    cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
    cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
fi
# The wasm-bindgen tools must be exactly the version in Cargo.lock.
wb_version=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$wb_version" ] || die "no wasm-bindgen in Cargo.lock"
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $wb_version" ]; then
    echo "installing wasm-bindgen-cli $wb_version (about 2 minutes)"
    cargo install wasm-bindgen-cli --version "$wb_version"
fi
[ -d node_modules/playwright-core ] && [ -d node_modules/binaryen ] || npm ci --no-audit --no-fund
echo "ready: $(wasm-bindgen --version), node $(node --version), $(/usr/lib/chromium/chromium --version 2>/dev/null || chromium --version 2>/dev/null || echo 'chromium (version unknown)')"
