#!/usr/bin/env bash
# Runs the experiments behind the README's result tables and prints each
# table (emorec cv writes runs/<name>/results.md), with the model size.
#
#   ./scripts/experiments.sh acoustic     # TESS + RAVDESS, speaker-independent, 3 poolings
#   ./scripts/experiments.sh lexical      # MELD train/dev/test, 4 poolings
#   ./scripts/experiments.sh multimodal   # MM-B and MMMLA, TESS + RAVDESS with their transcripts
#   ./scripts/experiments.sh all
#
# On 2 CPU cores: acoustic about 25 min, lexical 25, multimodal 20 (groups
# can run at the same time, one per core). RUNS=dir puts the runs elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared/data
runs="${RUNS:-runs}"
audio=("$shared/tess/manifest.csv" "$shared/ravdess/manifest.csv")
meld=("$shared/meld/train_sent_emo.csv" "$shared/meld/dev_sent_emo.csv" "$shared/meld/test_sent_emo.csv")
cargo build --quiet --release
emorec=target/release/emorec

run() { # name, cv arguments...
    local name=$1; shift
    echo "== $name: emorec cv $* --out $runs/$name"
    "$emorec" cv "$@" --out "$runs/$name" > "$runs/$name.log" 2>&1 || { echo "failed: see $runs/$name.log"; return 1; }
    cat "$runs/$name/results.md"
    local w; w=$(find "$runs/$name" -path '*best/weights.bpk' | head -1)
    [ -n "$w" ] && echo "model size: $(stat -c %s "$w") bytes of weights ($(( $(stat -c %s "$w") / 4 )) f32 parameters, about)"
    echo
}

mkdir -p "$runs"
group="${1:-all}"
case "$group" in acoustic|lexical|multimodal|all) ;; *) echo "usage: $0 acoustic|lexical|multimodal|all" >&2; exit 2 ;; esac
if [ "$group" = acoustic ] || [ "$group" = all ]; then
    for p in last mean attention; do
        run "acoustic-$p" --config "configs/cpu/acoustic-$p.toml" --manifest "${audio[@]}" --protocol loso --speaker-folds 3
    done
fi
if [ "$group" = lexical ] || [ "$group" = all ]; then
    for p in last cls mean attention; do
        run "lexical-$p" --config "configs/lexical-$p.toml" --manifest "${meld[@]}" --protocol predefined --epochs 8
    done
    # The same at the small size the shipped model uses.
    run "lexical-attention-small" --config configs/cpu/lexical-attention.toml --manifest "${meld[@]}" --protocol predefined --epochs 8
fi
if [ "$group" = multimodal ] || [ "$group" = all ]; then
    for v in mmb mmmla; do
        run "$v" --config "configs/cpu/$v.toml" --manifest "${audio[@]}" --protocol loso --speaker-folds 3
    done
fi
