#!/usr/bin/env bash
# Trains the model the page ships (configs/web-mmmla.toml) and refreshes what
# depends on it: www/model/ (the bundle the wasm embeds), the prediction
# fixture both the native and the browser tests compare with, and the numbers
# for www/model/MODEL_CARD.md (printed; the card is edited by hand).
#
#   ./scripts/train-shipped.sh            # about 23 min on 2 CPU cores (measured with other runs beside it)
#   MODEL=speaker ./scripts/train-shipped.sh
#       the model the page uses once a person has calibrated it to their voice
#       (configs/web-mmmla-speaker.toml: speaker normalisation and utterance
#       statistics) into www/model-speaker/; the prediction fixture is the
#       main model's only.
#
# Data: TESS + RAVDESS (actors 01-16) + EMOVO audio (TESS and RAVDESS with
# their transcripts), and the training text of MELD and EmoryNLP (without the
# lines that occur in MELD's test split): spoken dialogue, like what a page's
# user types or says (GoEmotions' Reddit comments and DailyDialog's written
# dialogues are read for evaluation, and would triple the time per epoch).
# Protocol: speakers in
# 5 folds (leave-speakers-out), fold 1 held out for the test; validation from
# the training speakers, the temperature fitted on it.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared/data
case "${MODEL:-main}" in
    main) config=configs/web-mmmla.toml; dest=www/model; out="${OUT:-runs/shipped}" ;;
    speaker) config=configs/web-mmmla-speaker.toml; dest=www/model-speaker; out="${OUT:-runs/shipped-speaker}" ;;
    *) echo "MODEL is main or speaker, not ${MODEL}" >&2; exit 2 ;;
esac
# EMOREC=path runs an already built binary instead of `cargo run`.
emorec() { if [ -n "${EMOREC:-}" ]; then "$EMOREC" "$@"; else cargo run --quiet --release -- "$@"; fi; }

emorec train --config "$config" \
    --manifest "$shared/tess/manifest.csv" "$shared/ravdess/manifest.csv" "$shared/emovo/manifest.csv" \
        "$shared/meld/train_sent_emo.csv" "$shared/text/emorynlp/emorynlp_train_final.csv" \
    --protocol loso --speaker-folds 5 --vocab-top 10000 --out "$out"

rm -rf "$dest.new" && cp -r "$out/best" "$dest.new"
rm -f "$dest.new/valid.json"
[ -f "$dest/MODEL_CARD.md" ] && cp "$dest/MODEL_CARD.md" "$dest.new/"
rm -rf "$dest" && mv "$dest.new" "$dest"

if [ "$dest" != www/model ]; then
    echo "== MELD test (text only, official split)"
    emorec evaluate --model "$dest" --manifest "$shared/meld/test_sent_emo.csv"
    ls -l "$dest"
    exit 0
fi

audio=ravdess/Actor_01/03-01-05-01-01-01-01.flac
transcript="Kids are talking by the door"
emorec predict --model www/model --audio "$shared/$audio" --text "$transcript" --json \
    | node -e 'const [audio, transcript] = process.argv.slice(1); let s = "";
        process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.stringify({ audio, transcript,
          command: `emorec predict --model www/model --audio ../shared/data/${audio} --text "${transcript}" --json`,
          ...JSON.parse(s) }, null, 1)));' "$audio" "$transcript" > tests/fixtures/shipped_prediction.json

echo "== MELD test (text only, official split)"
emorec evaluate --model www/model --manifest "$shared/meld/test_sent_emo.csv"
ls -l www/model
