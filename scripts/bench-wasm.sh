#!/usr/bin/env bash
# The real-time factor of ComParE_2016 LLD extraction in headless Chromium
# (one thread, through the JavaScript facade), e.g.
#   wasm (headless Chromium, 1 thread): RTF 523x  [ComParE_2016 LLD, ...]
# Needs what ./scripts/test.sh installs (chromedriver, wasm-bindgen-cli).
# The native numbers: `emorec bench features`.
set -euo pipefail
cd "$(dirname "$0")/.."
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-300}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! cargo test --release --target wasm32-unknown-unknown --no-default-features --test wasm_bench -- --nocapture >"$log" 2>&1; then
    cat "$log" >&2
    echo "error: the wasm benchmark failed (output above)" >&2
    exit 1
fi
grep '^wasm (' "$log"
