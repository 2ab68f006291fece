#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS_PER_TARGET seconds (default 60)
# and prints a table: target, executions, seconds, crashes.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET[:SECONDS] ...]
#
# With no TARGET, all four run (audio_features, manifest, text, bundle);
# TARGET:SECONDS gives one target its own time (the fast text readers reach
# millions of executions where a bundle load reaches thousands).
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# Built without a sanitizer (`--sanitizer none`): the targets are safe Rust,
# where AddressSanitizer finds nothing a panic would not, and it made a cold
# build of burn much slower and every execution several times slower.
# Seeds go to fuzz/corpus/<target>/ (ignored by git), made from the test
# fixtures, the shipped model and the first lines of the corpora under
# shared/data when they are there; what libFuzzer learns is kept there for
# the next run. A crash leaves its input in fuzz/artifacts/<target>/ and
# counts in the table; the script then exits with 1.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(audio_features manifest text bundle)
shared="${EMOREC_SHARED:-/work/shared}"
[ -d "$shared" ] || shared="shared"
corpus=fuzz/corpus
logs=fuzz/logs
mkdir -p "$logs"

# A seed: the selector byte the target reads first, then the file.
seed() { # target name selector file...
    local t="$1" name="$2" sel="$3"
    shift 3
    mkdir -p "$corpus/$t"
    { printf "\\x$(printf %02x "$sel")"; cat "$@"; } > "$corpus/$t/seed-$name"
}

# Audio: the fixtures, each hint; WAVs from the reference set, cut to 60 KB
# (the target skips inputs over 64 KB; a cut WAV is a case of its own).
for f in tests/fixtures/*.flac tests/fixtures/*.mp3 tests/fixtures/*.ogg; do
    [ -f "$f" ] || continue
    ext="${f##*.}"
    case "$ext" in flac) sel=2 ;; mp3) sel=3 ;; ogg) sel=4 ;; esac
    seed audio_features "$(basename "$f")" "$sel" "$f"
    seed audio_features "nohint-$(basename "$f")" 0 "$f"
done
for f in "$shared"/reference/opensmile/*.wav; do
    [ -f "$f" ] || continue
    head -c 60000 "$f" > "$logs/cut.wav"
    seed audio_features "$(basename "$f")" 129 "$logs/cut.wav"
done
# A whole short WAV: 0.1 s of a 440 Hz tone, 16-bit mono at 16 kHz.
python3 - "$logs/tone.wav" <<'PY'
import math, struct, sys
n, rate = 1600, 16000
data = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(n))
hdr = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
open(sys.argv[1], "wb").write(hdr + b"data" + struct.pack("<I", len(data)) + data)
PY
seed audio_features tone.wav 1 "$logs/tone.wav"
seed audio_features tone-deltas.wav 129 "$logs/tone.wav"

# Manifests: selector % 6 picks the reader, (selector >> 3) % 6 the file name
# (see fuzz/fuzz_targets/manifest.rs): 0 = manifest.csv, 12 = MELD train,
# 18 = EmoryNLP train, 2 = GoEmotions, 3 = DailyDialog, 4 = IEMOCAP, 5 = norm.
printf 'id,audio,transcript,label,speaker,group\na1,a1.wav,"I am, so ""happy""",hap,s1,train\nb2,,no audio,sad,s2,test\n' > "$logs/own.csv"
seed manifest own.csv 0 "$logs/own.csv"
d="$shared/data"
if [ -f "$d/meld/train_sent_emo.csv" ]; then
    head -n 6 "$d/meld/train_sent_emo.csv" > "$logs/meld.csv"
    seed manifest meld.csv 12 "$logs/meld.csv"
fi
if [ -f "$d/text/emorynlp/emorynlp_train_final.csv" ]; then
    head -n 6 "$d/text/emorynlp/emorynlp_train_final.csv" > "$logs/emorynlp.csv"
    seed manifest emorynlp.csv 18 "$logs/emorynlp.csv"
fi
if [ -f "$d/text/goemotions/train.tsv" ]; then
    { head -n 8 "$d/text/goemotions/train.tsv"; printf '\xff'; cat "$d/text/goemotions/labels.txt"; } > "$logs/go.bin"
    seed manifest goemotions 2 "$logs/go.bin"
fi
if [ -f "$d/text/dailydialog/dialogues_train.txt" ]; then
    { head -n 3 "$d/text/dailydialog/dialogues_train.txt"; printf '\xff'
      head -n 3 "$d/text/dailydialog/dialogues_emotion_train.txt"; } > "$logs/dd.bin"
    seed manifest dailydialog 3 "$logs/dd.bin"
fi
for f in tests/fixtures/iemocap_mini/IEMOCAP_full_release/Session2/dialog/*/*.txt; do
    [ -f "$f" ] || continue
    seed manifest "iemocap-$(basename "$(dirname "$f")")" 4 "$f"
done
seed manifest norm.json 5 www/model/norm.json

# Text: a transcript, and a small vocabulary (the shipped one cut to 40 words).
printf 'I am SO happy, don'"'"'t you think? Well-known 我很高兴 \xf0\x9f\x98\x80 [NAME] <b>x</b>' > "$logs/t.txt"
seed text transcript 0 "$logs/t.txt"
python3 - www/model/vocab.safetensors "$logs/vocab.safetensors" <<'PY'
import json, struct, sys
b = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8 + n]); body = b[8 + n:]
dim, k = int(h["__metadata__"]["dim"]), 40
t = lambda name: body[h[name]["data_offsets"][0]:h[name]["data_offsets"][1]]
emb, scales = t("embeddings")[:k * dim], t("scales")[:k * 4]
words = b"".join(w + b"\n" for w in t("words").split(b"\n")[:k])
meta = dict(h["__metadata__"], size=str(k))
out, off = {"__metadata__": meta}, 0
for name, dt, shape, data in [("embeddings", "I8", [k, dim], emb), ("scales", "F32", [k], scales), ("words", "U8", [len(words)], words)]:
    out[name] = {"dtype": dt, "shape": shape, "data_offsets": [off, off + len(data)]}; off += len(data)
hdr = json.dumps(out, sort_keys=True, separators=(",", ":")).encode()
hdr += b" " * (-len(hdr) % 8)
open(sys.argv[2], "wb").write(struct.pack("<Q", len(hdr)) + hdr + emb + scales + words)
PY
seed text vocab 1 "$logs/vocab.safetensors"

# Bundle: each small file of the shipped bundle under its own selector.
seed bundle model.json 0 www/model/model.json
seed bundle config.toml 1 www/model/config.toml
seed bundle inputs.toml 3 www/model/inputs.toml
seed bundle norm.json 4 www/model/norm.json
seed bundle vocab 5 "$logs/vocab.safetensors"
printf '\x00\x10\x00\xff\x40\x00\x01\x01' > "$logs/patch.bin"
seed bundle patch 6 "$logs/patch.bin"
printf '\x01\x00\x00' > "$logs/cut.bin"
seed bundle cut 7 "$logs/cut.bin"
# The same on the host engine's weights (selector bit 3).
seed bundle host-config.toml 9 www/model/config.toml
seed bundle host-weights 10 www/model/weights-f16.safetensors
seed bundle host-patch 14 "$logs/patch.bin"
seed bundle host-cut 15 "$logs/cut.bin"

# Bounded input sizes keep executions fast (see each target's doc comment).
max_len() { case "$1" in audio_features) echo 65537 ;; bundle) echo 16384 ;; *) echo 4096 ;; esac; }

(cd fuzz && cargo +nightly fuzz build --sanitizer none)
rows=()
failed=0
for spec in "${targets[@]}"; do
    t="${spec%%:*}"
    tsecs="$secs"
    [ "$t" = "$spec" ] || tsecs="${spec#*:}"
    log="$logs/$t.log"
    mkdir -p "fuzz/artifacts/$t"
    start=$(date +%s)
    set +e
    (cd fuzz && cargo +nightly fuzz run --sanitizer none "$t" "corpus/$t" -- \
        -max_total_time="$tsecs" -max_len="$(max_len "$t")" -print_final_stats=1 \
        -timeout=10 -rss_limit_mb=2048) > "$log" 2>&1
    rc=$?
    set -e
    took=$(($(date +%s) - start))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    crashes=$(find "fuzz/artifacts/$t" -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' \) -newer "$logs/tone.wav" | wc -l)
    if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
        failed=1
        [ "$crashes" -ne 0 ] || crashes="? (exit $rc, see $log)"
    fi
    rows+=("$t|${execs:-?}|$took|$crashes")
done

total=0
printf '\n| target | executions | seconds | crashes |\n|---|---:|---:|---:|\n'
for r in "${rows[@]}"; do
    IFS='|' read -r t e s c <<< "$r"
    printf '| %s | %s | %s | %s |\n' "$t" "$e" "$s" "$c"
    [[ "$e" =~ ^[0-9]+$ ]] && total=$((total + e))
done
printf '| **total** | **%s** | | |\n' "$total"
exit "$failed"
