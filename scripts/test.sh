#!/usr/bin/env bash
# Every test of the crate, from a clean clone: installs what is missing (only
# what is missing, scripts/setup.sh), checks formatting and lints, then runs
# the native tests, the wasm
# tests in headless Chromium (CPU and WebGPU), builds pkg/ and drives the page
# end to end. This is the README's test command, and .ci/run runs exactly it.
#
#   ./scripts/test.sh
#
# Needs ../shared (the shared data) beside the repository, cargo/rustup, and
# for a first run apt (as root or through sudo) and crates.io.
set -euo pipefail
cd "$(dirname "$0")/.."

section() { printf '\n========== %s ==========\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

section "shared data"
shared="$(pwd)/../shared"
[ -f "$shared/reference/opensmile/index.csv" ] \
    || die "the shared data is missing: expected ../shared beside the repository ($shared/reference/opensmile/index.csv). The tests read its reference recordings and openSMILE outputs; clone or mount it there first."
echo "found $(cd "$shared" && pwd)"

section "tools"
./scripts/setup.sh

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

# Formatting (rustfmt.toml) and lints, natively and for the browser build:
# a warning fails the run.
step "format (cargo fmt --check)" cargo fmt --check
step "lint (clippy, native)" cargo clippy --release --all-targets -- -D warnings
step "lint (clippy, wasm)" cargo clippy --release --target wasm32-unknown-unknown --no-default-features --lib --test wasm_kernels -- -D warnings
. scripts/relaxed-simd.sh
step "lint (clippy, wasm, relaxed SIMD)" "${relaxed_env[@]}" cargo clippy --release --target wasm32-unknown-unknown --no-default-features --lib --test wasm_kernels -- -D warnings
step "native tests" cargo test --release --no-fail-fast
# Every tests/wasm_*.rs is a wasm-bindgen-test target (runner: .cargo/config.toml).
wasm_tests=()
for f in tests/wasm_*.rs; do wasm_tests+=(--test "$(basename "$f" .rs)"); done
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-300}"
step "wasm tests in headless Chromium (CPU)" \
    cargo test --release --no-fail-fast --target wasm32-unknown-unknown --no-default-features "${wasm_tests[@]}" -- --nocapture
# The page's other CPU module, built with relaxed SIMD (fused multiply-adds
# in the model's products; scripts/build-web.sh builds it the same way, in
# its own target directory): its kernels against plain loops (wasm_kernels), the
# classifier against the native prediction, the features bit for bit, the
# refusals. The benchmark is left to scripts/bench-wasm.sh.
step "wasm tests in headless Chromium (CPU, relaxed-SIMD module)" \
    "${relaxed_env[@]}" cargo test --release --no-fail-fast --target wasm32-unknown-unknown --no-default-features \
    --test wasm_kernels --test wasm_classifier --test wasm_features --test wasm_bad_input --test wasm_text -- --nocapture
# The classifier test on WebGPU (SwiftShader's adapter) and the fused LSTM
# kernel against the composite path there.
step "wasm classifier and fused LSTM on WebGPU in headless Chromium" \
    cargo test --release --no-fail-fast --target wasm32-unknown-unknown --no-default-features --features wgpu \
    --test wasm_classifier --test wasm_fused_lstm -- --nocapture
# The WebGPU module is left out here: the WebGPU test above covers its code, and
# its wasm-opt pass alone takes about 10 minutes.
step "web package (pkg/, CPU module)" env WEBGPU=0 ./scripts/build-web.sh
step "end-to-end: the page in headless Chromium" ./tests/e2e/run.sh

section "summary"
if [ ${#failed[@]} -gt 0 ]; then
    printf 'FAILED: %s\n' "${failed[@]}"
    exit 1
fi
echo "all tests passed"
