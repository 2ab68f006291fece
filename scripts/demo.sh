#!/usr/bin/env bash
# The main job, on a fresh machine too: installs what is missing
# (scripts/setup.sh, only what is missing), builds the CPU module
# (scripts/build-web.sh with WEBGPU=0, about 5 min cold), then serves the
# demo with the shipped model on http://127.0.0.1:PORT (default 8080) and
# prints the address. Open it, record or choose a file, optionally type what
# was said, and press Classify. Nothing leaves the machine.
#
# While the page is served, the WebGPU module builds in the background (about
# 13 min cold, then wasm-opt); the page uses it from its next load on, where
# the browser has a WebGPU adapter. WEBGPU=0 skips that build.
#
#   ./scripts/demo.sh [PORT]
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-8080}"
./scripts/setup.sh
WEBGPU=0 ./scripts/build-web.sh
node scripts/serve.mjs --port "$port" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT INT TERM
if [ "${WEBGPU:-1}" != 0 ]; then
    log=target/webgpu-build.log
    mkdir -p target
    echo "building the WebGPU module in the background (log: $log); the page runs on the CPU until then"
    ( if WEBGPU=only ./scripts/build-web.sh >"$log" 2>&1; then
          echo "the WebGPU module is ready: reload the page to use it"
      else
          echo "warning: the WebGPU build failed (see $log); the page stays on the CPU" >&2
      fi ) &
fi
wait "$server"
