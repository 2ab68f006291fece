#!/usr/bin/env bash
# Runs the web demo's end-to-end test (e2e.mjs) from a clean clone: installs
# playwright-core from the lock file when missing and, unless E2E_MIC_WAV is
# set, makes the fake microphone's 16-bit WAV with sox from a sad RAVDESS
# recording (the upload scenario uses an angry one). Needs pkg/ (made by
# scripts/build-web.sh), Chromium, Node 20 and ../shared beside the repository.
#
#   tests/e2e/run.sh            # environment: see the header of e2e.mjs
set -euo pipefail
cd "$(dirname "$0")"
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund
if [ -z "${E2E_MIC_WAV:-}" ]; then
    command -v sox >/dev/null 2>&1 \
        || { echo "error: sox makes the microphone WAV: apt-get install sox, or set E2E_MIC_WAV" >&2; exit 2; }
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    sox ../../../shared/data/ravdess/Actor_01/03-01-04-01-01-01-01.flac -b 16 -e signed-integer "$tmp/mic.wav"
    export E2E_MIC_WAV="$tmp/mic.wav"
fi
node e2e.mjs
