#!/usr/bin/env bash
# The browser benchmark in headless Chromium: the real-time factor of
# ComParE_2016 LLD extraction (one thread, through the JavaScript facade) and
# the shipped classifier's model load, feature and inference time per 5 s
# utterance on the CPU and on WebGPU (SwiftShader's software adapter here:
# a real GPU is much faster), e.g.
#   wasm (headless Chromium, 1 thread, SIMD128 module): RTF 523x  [ComParE_2016 LLD, ...]
#   wasm (headless Chromium) classifier, cpu (SIMD128 module): model load 40 ms, per 5 s utterance: ...
# The CPU figures come twice, one after the other: from the SIMD128 build
# (pkg/emorec.js) and from the relaxed-SIMD build (pkg/emorec_relaxed.js,
# what Chromium's page loads; RELAXED=0 skips it).
# WEBGPU=1 adds the WebGPU build and run (slow on a software adapter).
# Needs what ./scripts/test.sh installs (chromedriver, wasm-bindgen-cli).
# With ../shared present it then runs the ONNX Runtime anchor on the same
# architecture (native and Web) and prints the ratio (ORT=0 skips it).
# The native numbers: `emorec bench features`, `emorec bench model`.
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

# The relaxed-SIMD module, built as scripts/build-web.sh builds it.
if [ "${RELAXED:-1}" = 1 ]; then
    relaxed_log=$(mktemp)
    trap 'rm -f "$log" "$relaxed_log"' EXIT
    . scripts/relaxed-simd.sh
    if ! "${relaxed_env[@]}" cargo test --release --target wasm32-unknown-unknown --no-default-features --test wasm_bench -- --nocapture \
        >"$relaxed_log" 2>&1; then
        cat "$relaxed_log" >&2
        echo "error: the wasm benchmark of the relaxed-SIMD module failed (output above)" >&2
        exit 1
    fi
    grep '^wasm (' "$relaxed_log"
    cat "$relaxed_log" >>"$log"
fi

# The speed anchor, in the same run: ONNX Runtime (native and Web) on the same
# architecture with random weights (../shared/bench/ort-web; ORT=0 skips it).
ort=../shared/bench/ort-web/run.sh
if [ "${ORT:-1}" = 1 ] && [ -f "$ort" ]; then
    echo "running the ONNX Runtime anchor ($ort, about 2 minutes)..." >&2
    ort_log=$(mktemp)
    trap 'rm -f "$log" "${relaxed_log:-}" "$ort_log"' EXIT
    if bash "$ort" >"$ort_log" 2>&1; then
        grep -E '^(native onnxruntime|ORT-web).*medians' "$ort_log"
        theirs=$(grep -E 'onnxruntime-web/wasm.*3 warm-ups: medians' "$ort_log" | head -1 | sed 's/.*medians //; s/ ms.*//' \
            | tr ',' '\n' | sort -n | sed -n 2p | tr -d ' ')
        for module in "SIMD128 module" "relaxed-SIMD module"; do
            ours=$(sed -n "s/^wasm (headless Chromium) classifier, cpu ($module): .* inference \([0-9.]*\) ms.*/\1/p" "$log" | head -1)
            if [ -n "$ours" ] && [ -n "$theirs" ]; then
                awk -v a="$ours" -v b="$theirs" -v m="$module" 'BEGIN { printf "ratio: emorec CPU-wasm (%s) inference %s ms / ONNX Runtime Web (wasm, 3 warm-ups, median trial) %s ms = %.2fx\n", m, a, b, a / b }'
            fi
        done
    else
        tail -20 "$ort_log" >&2
        echo "warning: the ONNX Runtime anchor failed (output above); our numbers stand alone" >&2
    fi
elif [ "${ORT:-1}" = 1 ]; then
    echo "note: $ort not found (../shared beside the repository): no ONNX Runtime figure" >&2
fi
