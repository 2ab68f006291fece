#!/usr/bin/env bash
# The main job: builds pkg/ (scripts/build-web.sh) and serves the demo with
# the shipped model on http://127.0.0.1:PORT (default 8080), printing the
# address. Open it, record or choose a file, optionally type what was said,
# and press Classify. Nothing leaves the machine.
#
#   ./scripts/demo.sh [PORT]         # WEBGPU=0 skips the (long) WebGPU build
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build-web.sh
exec node scripts/serve.mjs --port "${1:-8080}"
