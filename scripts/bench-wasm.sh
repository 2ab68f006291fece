#!/usr/bin/env bash
# The browser benchmark in headless Chromium: the real-time factor of
# ComParE_2016 LLD extraction (one thread, through the JavaScript facade) and
# the shipped classifier's model load, feature and inference time per 5 s
# utterance on the CPU and on WebGPU (SwiftShader's software adapter here:
# a real GPU is much faster), e.g.
#   wasm (headless Chromium, 1 thread): RTF 523x  [ComParE_2016 LLD, ...]
#   wasm (headless Chromium) classifier, cpu: model load 40 ms, per 5 s utterance: ...
# WEBGPU=1 adds the WebGPU build and run (slow on a software adapter).
# Needs what ./scripts/test.sh installs (chromedriver, wasm-bindgen-cli).
# The native numbers: `emorec bench features`.
set -euo pipefail
cd "$(dirname "$0")/.."
# WebGPU on a software adapter (SwiftShader) is slow: allow 20 min.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-1200}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
features=""
[ "${WEBGPU:-0}" = 1 ] && features="--features wgpu"
if ! cargo test --release --target wasm32-unknown-unknown --no-default-features $features --test wasm_bench -- --nocapture >"$log" 2>&1; then
    cat "$log" >&2
    echo "error: the wasm benchmark failed (output above)" >&2
    exit 1
fi
grep '^wasm (' "$log"
