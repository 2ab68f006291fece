#!/usr/bin/env python3
"""Scores an `emorec cv` run's test predictions under several temperatures.

`emorec cv` writes, per fold (and per member of a seed ensemble), the test
and validation utterances' probabilities before calibration
(`test-predictions.csv`, `validation-predictions.csv`) and the temperatures
it fitted (`calibration.json`: `temperature`, the one the bundle keeps, and
`validation_temperature`, fitted on the validation speakers alone). This
script calibrates each member's probabilities with each of these and with
temperatures it fits itself on the validation predictions (each validation
speaker weighted equally; one temperature shared by a fold's members, by
speaker or by utterance) or on the other folds (each member's kept
temperature times one factor per fold: the geometric mean, over the other
folds, of the factor that would have calibrated their ensemble best on their
own test utterances; leaving corpora out, how much a corpus never heard
inflates confidence, learnt on the other held-out corpora), averages the
members of a fold, pools the folds per corpus and prints UA, ECE (10 bins)
and the mean top probability for each, so that calibrations can be compared
on the very same networks. ECE may differ from `cv`'s in the third decimal
(the CSVs keep six digits).

    python3 scripts/rescore-calibration.py runs/loco-...-calibrated [more runs]

Plain Python (no numpy), reading only CSV and JSON.
"""

import csv
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

CLASSES = ["ang", "hap", "neu", "sad"]
BINS = 10


def calibrate(p, t):
    """As `emorec::model::calibrate`: the probabilities' logs over t, softmaxed."""
    logs = [math.log(max(x, sys.float_info.min)) / t for x in p]
    top = max(logs)
    e = [math.exp(v - top) for v in logs]
    s = sum(e)
    return [v / s for v in e]


def ua(rows):
    recalls = []
    for c in range(len(CLASSES)):
        of_c = [p for p, l in rows if l == c]
        if of_c:
            recalls.append(sum(max(range(4), key=p.__getitem__) == c for p in of_c) / len(of_c))
    return sum(recalls) / len(recalls)


def ece(rows):
    count, conf, right = [0] * BINS, [0.0] * BINS, [0] * BINS
    for p, l in rows:
        best = max(range(4), key=p.__getitem__)
        b = min(int(p[best] * BINS), BINS - 1)
        count[b] += 1
        conf[b] += p[best]
        right[b] += best == l
    n = sum(count)
    return sum(abs(right[b] - conf[b]) for b in range(BINS) if count[b]) / n


def nll(rows, t):
    """Mean negative log-likelihood of (probabilities, label, weight) rows under t."""
    total = sum(w * -math.log(max(calibrate(p, t)[l], 1e-12)) for p, l, w in rows)
    return total / sum(w for _, _, w in rows)


def golden_min(f, a, b, steps=60):
    """The x in [a, b] where f is least (golden-section search)."""
    g = (math.sqrt(5) - 1) / 2
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(steps):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = f(d)
    return (a + b) / 2


def fit_temperature(rows):
    """As `emorec::train::fit_temperature`, with a weight per row: golden-section
    search over log t in [log 1, log 20]."""
    return math.exp(golden_min(lambda x: nll(rows, math.exp(x)), 0.0, math.log(20.0)))


def validation_rows(d, by_speaker=True):
    """A member's validation predictions, each speaker weighted 1 / their
    utterances, so that every validation speaker counts the same (each
    utterance the same with `by_speaker` false)."""
    with open(d / "validation-predictions.csv", newline="") as f:
        rows = [(r["corpus"] + "/" + r["speaker"], [float(r["p_" + c]) for c in CLASSES], CLASSES.index(r["label"])) for r in csv.DictReader(f)]
    per = defaultdict(int)
    for s, _, _ in rows:
        per[s] += 1
    return [(p, l, 1.0 / per[s] if by_speaker else 1.0) for s, p, l in rows]


def complete(ms):
    """Whether every member left its test predictions and calibration."""
    return all((m / "test-predictions.csv").exists() and (m / "calibration.json").exists() for m in ms)


def fitted(m, key="temperature"):
    """A temperature from a member's `calibration.json` (the kept one by default)."""
    return json.loads((m / "calibration.json").read_text())[key]


def members(fold):
    """A fold's member directories (the fold itself for one network)."""
    inner = sorted(d for d in fold.iterdir() if d.is_dir() and d.name.startswith("member-"))
    return inner or [fold]


def read_member(d, t):
    """A member's test utterances by id: corpus, label and probabilities calibrated with t."""
    return {k: (corpus, label, calibrate(p, t)) for k, corpus, p, label in test_rows(d)}


def ensemble_nll(preds, scale):
    """Mean negative log-likelihood of a fold's members (each `(rows, t)`, rows
    of (probabilities, label) before calibration) averaged after calibrating
    each with t times `scale`."""
    total = 0.0
    for i in range(len(preds[0][0])):
        ps = [calibrate(rows[i][0], t * scale) for rows, t in preds]
        total -= math.log(max(sum(p[preds[0][0][i][1]] for p in ps) / len(ps), 1e-12))
    return total / len(preds[0][0])


def best_scale(preds):
    """The factor on every member's temperature that fits a fold's test
    utterances best (golden-section search over log scale in [log 0.2, log 5])."""
    return math.exp(golden_min(lambda x: ensemble_nll(preds, math.exp(x)), math.log(0.2), math.log(5.0)))


def test_rows(d):
    """A member's test utterances before calibration: (id and corpus, corpus, probabilities, label)."""
    with open(d / "test-predictions.csv", newline="") as f:
        return [
            (r["id"] + "\t" + r["corpus"], r["corpus"], [float(r["p_" + c]) for c in CLASSES], CLASSES.index(r["label"]))
            for r in csv.DictReader(f)
        ]


def other_folds_scales(run):
    """Per fold, the geometric mean of the other folds' best scales."""
    best = {}
    for fold in sorted(d for d in run.iterdir() if d.is_dir()):
        ms = members(fold)
        if complete(ms):
            best[fold.name] = best_scale([([(p, l) for _, _, p, l in test_rows(m)], fitted(m)) for m in ms])
    return {
        name: math.exp(sum(math.log(v) for k, v in best.items() if k != name) / (len(best) - 1))
        for name in best
        if len(best) > 1
    }


def score(run, key):
    pooled = defaultdict(list)
    scales = other_folds_scales(run) if key == "other-folds" else {}
    for fold in sorted(d for d in run.iterdir() if d.is_dir()):
        ms = members(fold)
        if not complete(ms):
            continue
        if key == "other-folds":
            if fold.name not in scales:
                continue
            temps = [fitted(m) * scales[fold.name] for m in ms]
        elif key == "per-speaker":
            temps = [fit_temperature(validation_rows(m)) for m in ms]
        elif key in ("pooled", "pooled-utterances"):
            pooled_rows = [r for m in ms for r in validation_rows(m, key == "pooled")]
            temps = [fit_temperature(pooled_rows)] * len(ms)
        else:
            temps = [fitted(m, key) for m in ms]
        preds = [read_member(m, t) for m, t in zip(ms, temps)]
        for k, (corpus, label, _) in preds[0].items():
            if any(k not in p for p in preds):
                sys.exit(f"{fold}: the members tested different utterances")
            mean = [sum(p[k][2][c] for p in preds) / len(preds) for c in range(4)]
            pooled[corpus].append((mean, label))
    return pooled


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for run in map(Path, sys.argv[1:]):
        if not run.is_dir():
            sys.exit(f"{run} is not a directory (an `emorec cv --out` folder)")
        print(f"\n{run}\n\n| temperature | corpus | n | UA | ECE | mean top probability |\n|---|---|---|---|---|---|")
        variants = [
            ("validation_temperature", "fitted on the validation utterances"),
            ("temperature", "kept in the bundle"),
            ("per-speaker", "fitted with each validation speaker weighted equally"),
            ("pooled", "one per fold, on every member's validation speakers, each weighted equally"),
            ("pooled-utterances", "one per fold, on every member's validation utterances"),
            ("other-folds", "kept, times the factor that fitted the other folds' test corpora"),
        ]
        for key, name in variants:
            pooled = score(run, key)
            if not pooled:
                sys.exit(f"{run}: no fold has test-predictions.csv and calibration.json (a run from before they were written?)")
            for corpus, rows in sorted(pooled.items()):
                top = sum(max(p) for p, _ in rows) / len(rows)
                print(f"| {name} | {corpus} | {len(rows)} | {ua(rows) * 100:.1f}% | {ece(rows):.3f} | {top:.2f} |")


if __name__ == "__main__":
    main()
