#!/usr/bin/env bash
# Every test of the crate, from a clean clone: installs what is missing (only
# what is missing), then runs the native tests and the wasm tests in headless
# Chromium. This is the README's test command, and .ci/run runs exactly it.
#
#   ./scripts/test.sh
#
# Needs ../shared (the shared data) beside the repository, cargo/rustup, and
# for a first run apt (as root or through sudo) and crates.io.
set -euo pipefail
cd "$(dirname "$0")/.."

section() { printf '\n========== %s ==========\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "installing needs root: run '$*' as root, or install it yourself"
    fi
}
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

section "shared data"
shared="$(pwd)/../shared"
[ -f "$shared/reference/opensmile/index.csv" ] \
    || die "the shared data is missing: expected ../shared beside the repository ($shared/reference/opensmile/index.csv). The tests read its reference recordings and openSMILE outputs; clone or mount it there first."
echo "found $(cd "$shared" && pwd)"

section "tools"
command -v cargo >/dev/null 2>&1 || die "cargo is not on PATH: install Rust (rustup) first"
if [ -z "${CHROMEDRIVER:-}" ] && [ ! -x /usr/bin/chromedriver ]; then
    echo "installing chromium and chromium-driver (apt)"
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver
fi
echo "chromedriver: ${CHROMEDRIVER:-/usr/bin/chromedriver}"
if command -v rustup >/dev/null 2>&1; then
    rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
fi
# The test runner must be exactly the wasm-bindgen version in Cargo.lock.
wb_version=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$wb_version" ] || die "no wasm-bindgen in Cargo.lock"
if [ "$(wasm-bindgen-test-runner --version 2>/dev/null || true)" != "wasm-bindgen-test-runner $wb_version" ]; then
    echo "installing wasm-bindgen-cli $wb_version (about 2 minutes)"
    cargo install wasm-bindgen-cli --version "$wb_version"
fi
echo "$(wasm-bindgen-test-runner --version) (Cargo.lock: wasm-bindgen $wb_version)"

# The test sections all run; the script fails at the end if any failed.
failed=()
step() {
    local name=$1; shift
    section "$name"
    echo "+ $*"
    local t0=$SECONDS
    if "$@"; then echo "ok: $name ($((SECONDS - t0)) s)"
    else echo "FAILED: $name ($((SECONDS - t0)) s)"; failed+=("$name")
    fi
}

step "native tests" cargo test --release --no-fail-fast
step "wasm library build" cargo build --release --target wasm32-unknown-unknown --no-default-features --lib
# Every tests/wasm_*.rs is a wasm-bindgen-test target (runner: .cargo/config.toml).
wasm_tests=()
for f in tests/wasm_*.rs; do wasm_tests+=(--test "$(basename "$f" .rs)"); done
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-300}"
step "wasm tests in headless Chromium" \
    cargo test --release --no-fail-fast --target wasm32-unknown-unknown --no-default-features "${wasm_tests[@]}" -- --nocapture

section "summary"
if [ ${#failed[@]} -gt 0 ]; then
    printf 'FAILED: %s\n' "${failed[@]}"
    exit 1
fi
echo "all tests passed"
