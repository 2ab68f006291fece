#!/usr/bin/env bash
# Runs the web demo's end-to-end test (e2e.mjs) from a clean clone: installs
# playwright-core from the lock file (package.json at the root) when missing. The fake microphone plays
# a shared 16-bit PCM WAV (a sad RAVDESS sentence, ../shared/reference; set
# E2E_MIC_WAV for another) while the upload scenario sends an angry one.
# Needs pkg/ (scripts/build-web.sh), Chromium, Node 20 and ../shared beside
# the repository.
#
#   tests/e2e/run.sh            # environment: see the header of e2e.mjs
set -euo pipefail
cd "$(dirname "$0")"
[ -d ../../node_modules/playwright-core ] || (cd ../.. && npm ci --no-audit --no-fund)
export E2E_MIC_WAV="${E2E_MIC_WAV:-$(cd ../../.. && pwd)/shared/reference/opensmile/ravdess_03-01-04-01-01-02-08.wav}"
[ -f "$E2E_MIC_WAV" ] || { echo "error: the microphone WAV $E2E_MIC_WAV is missing (../shared beside the repository?)" >&2; exit 2; }
node e2e.mjs
