#!/usr/bin/env bash
# Builds pkg/, the npm-style package the page (www/) and other sites import:
#   pkg/emorec_relaxed.js + emorec_relaxed_bg.wasm the CPU build with relaxed SIMD
#                                                  (fused multiply-adds; where the browser has it)
#   pkg/emorec.js + emorec_bg.wasm                 the CPU build (the host engine, no burn; SIMD128)
#   pkg/emorec_webgpu.js + emorec_webgpu_bg.wasm   the WebGPU build (skip: WEBGPU=0)
#   pkg/index.js, index.d.ts, package.json         the entry point (js/)
# and prints what the page downloads, part by part.
#
#   ./scripts/build-web.sh            # both builds
#   WEBGPU=0 ./scripts/build-web.sh   # CPU only (the WebGPU build is 13+ min cold)
#   WEBGPU=only ./scripts/build-web.sh   # add the WebGPU module to an existing pkg/
#   OPT=0 ./scripts/build-web.sh      # without wasm-opt (faster, about 20% larger)
#
# The model in www/model/ is embedded in the wasm at build time. wasm-opt is
# npm's binaryen (package.json; Debian's binaryen makes wasm that fails to load).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
WEBGPU="${WEBGPU:-1}"
OPT="${OPT:-1}"
wasm_opt=node_modules/.bin/wasm-opt
target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
wasm="$target_dir/wasm32-unknown-unknown/release/emorec.wasm"

for f in model.json config.toml weights.bpk weights-f16.safetensors ngram-head-f16.safetensors inputs.toml norm.json vocab.safetensors; do
    [ -f "www/model/$f" ] || { echo "error: www/model/$f is missing (the shipped model; scripts/train-shipped.sh makes it)" >&2; exit 1; }
done
command -v wasm-bindgen >/dev/null || { echo "error: wasm-bindgen is not installed: run ./scripts/setup.sh" >&2; exit 1; }

. scripts/relaxed-simd.sh

rm -rf pkg.tmp && mkdir pkg.tmp
build() { # features out-name [relaxed]
    local wasm_in="$wasm"
    if [ "${3:-}" = relaxed ]; then
        echo "+ RUSTFLAGS=\"$relaxed_rustflags\" CARGO_TARGET_DIR=$relaxed_target_dir cargo build --release --target wasm32-unknown-unknown --no-default-features --lib $1"
        "${relaxed_env[@]}" cargo build --release --target wasm32-unknown-unknown --no-default-features --lib $1
        wasm_in="$relaxed_target_dir/wasm32-unknown-unknown/release/emorec.wasm"
    else
        echo "+ cargo build --release --target wasm32-unknown-unknown --no-default-features --lib $1"
        cargo build --release --target wasm32-unknown-unknown --no-default-features --lib $1
    fi
    wasm-bindgen --target web --out-dir pkg.tmp --out-name "$2" "$wasm_in"
    if [ "$OPT" = 1 ]; then
        [ -x "$wasm_opt" ] || { echo "error: $wasm_opt is missing: run ./scripts/setup.sh (or OPT=0)" >&2; exit 1; }
        echo "+ wasm-opt -Oz pkg/$2_bg.wasm"
        "$wasm_opt" -Oz --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
            --enable-mutable-globals --enable-reference-types --enable-multivalue \
            $([ "${3:-}" = relaxed ] && echo --enable-relaxed-simd) \
            "pkg.tmp/$2_bg.wasm" -o "pkg.tmp/$2_bg.opt.wasm"
        mv "pkg.tmp/$2_bg.opt.wasm" "pkg.tmp/$2_bg.wasm"
    fi
}
if [ "$WEBGPU" = only ]; then
    # Adds the WebGPU module to a pkg/ that has the rest (what demo.sh does in
    # the background while the page is already served): the page picks it up
    # the next time it loads a classifier.
    [ -f pkg/emorec.js ] || { echo "error: WEBGPU=only adds to an existing pkg/: run ./scripts/build-web.sh first" >&2; exit 1; }
    build "--features wgpu" emorec_webgpu
    for f in pkg.tmp/emorec_webgpu*; do mv "$f" pkg/; done
    rm -rf pkg.tmp
    echo "added pkg/emorec_webgpu_bg.wasm ($(stat -c %s pkg/emorec_webgpu_bg.wasm) bytes)"
    exit 0
fi
build "" emorec
build "" emorec_relaxed relaxed
if [ "$WEBGPU" = 1 ]; then build "--features wgpu" emorec_webgpu; fi
cp js/index.js js/index.d.ts pkg.tmp/
# The vocabulary and the CPU engine's n-gram head are not embedded: index.js
# fetches them with the first transcript.
cp www/model/vocab.safetensors www/model/ngram-head-f16.safetensors pkg.tmp/
# The speaker-normalised model, which index.js fetches with the first
# calibrated classification (scripts/train-shipped.sh MODEL=speaker).
mkdir pkg.tmp/model-speaker
for f in model.json config.toml weights.bpk weights-f16.safetensors ngram-head-f16.safetensors inputs.toml norm.json vocab.safetensors; do
    [ -f "www/model-speaker/$f" ] || { echo "error: www/model-speaker/$f is missing (MODEL=speaker scripts/train-shipped.sh makes it)" >&2; exit 1; }
    cp "www/model-speaker/$f" pkg.tmp/model-speaker/
done
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
cat > pkg.tmp/package.json <<JSON
{
  "name": "emorec",
  "version": "$version",
  "description": "Speech emotion recognition in the browser: audio and transcript in, emotion and attention out. Nothing leaves the machine.",
  "type": "module",
  "main": "index.js",
  "types": "index.d.ts",
  "files": ["index.js", "index.d.ts", "emorec.js", "emorec_bg.wasm", "emorec_relaxed.js", "emorec_relaxed_bg.wasm", "emorec_webgpu.js", "emorec_webgpu_bg.wasm", "vocab.safetensors", "ngram-head-f16.safetensors", "model-speaker"],
  "sideEffects": false,
  "license": "MIT"
}
JSON
rm -rf pkg && mv pkg.tmp pkg

# What a visitor downloads: the page, the worker, pkg's entry and one CPU
# module (its wasm embeds the model and statistics): the relaxed-SIMD one,
# which Chromium-based browsers load (a browser without relaxed SIMD loads
# emorec.js and emorec_bg.wasm instead, sizes below); the vocabulary and the
# n-gram head only where a transcript is given.
size() { stat -c %s "$1"; }
gz() { gzip -9c "$1" | wc -c; }
row() { printf '%-34s %10s %10s\n' "$1" "$2" "$3"; }
echo
row "part (what the page downloads)" "bytes" "gzip -9"
total=0; total_gz=0
for f in www/*.html www/*.css www/*.js pkg/index.js pkg/emorec_relaxed.js pkg/emorec_relaxed_bg.wasm; do
    s=$(size "$f"); g=$(gz "$f"); total=$((total + s)); total_gz=$((total_gz + g))
    row "$f" "$s" "$g"
done
for f in weights-f16.safetensors norm.json; do
    row "  (in the wasm) www/model/$f" "$(size "www/model/$f")" "$(gz "www/model/$f")"
done
row "page total, CPU, audio only" "$total" "$total_gz"
for f in pkg/emorec.js pkg/emorec_bg.wasm; do
    row "  or $f (no relaxed SIMD)" "$(size "$f")" "$(gz "$f")"
done
text_s=0; text_g=0
for v in pkg/vocab.safetensors pkg/ngram-head-f16.safetensors; do
    row "+ $v (with a transcript)" "$(size "$v")" "$(gz "$v")"
    text_s=$((text_s + $(size "$v"))); text_g=$((text_g + $(gz "$v")))
done
row "page total, CPU, with a transcript" "$((total + text_s))" "$((total_gz + text_g))"
# A calibrated classification on the CPU fetches all but weights.bpk.
s=0; g=0
for f in pkg/model-speaker/*; do
    [ "$(basename "$f")" = weights.bpk ] && continue
    s=$((s + $(size "$f"))); g=$((g + $(gz "$f")))
done
row "+ pkg/model-speaker/ (calibrated, CPU)" "$s" "$g"
if [ -f pkg/emorec_webgpu_bg.wasm ]; then
    s=$(( $(size pkg/emorec_webgpu_bg.wasm) + $(size pkg/emorec_webgpu.js) ))
    g=$(( $(gz pkg/emorec_webgpu_bg.wasm) + $(gz pkg/emorec_webgpu.js) ))
    row "+ WebGPU module (only with WebGPU)" "$s" "$g"
fi
