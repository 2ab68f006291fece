#!/usr/bin/env python3
"""Linear baseline on utterance statistics of emorec's own descriptors.

What a plain utterance-level classifier reaches on the shared audio, beside
the neural model's tables in the README: logistic regression (C = 0.01,
class-balanced) on the mean and deviation of every ComParE_2016 descriptor
and its delta, leaving each RAVDESS actor out (16 folds) and each corpus out
(TESS, RAVDESS, EMOVO). Each row adds one of the inputs the model can be
given (`normalize = "speaker"`, `log_energy`, `voiced_stats`), computed as
the model computes them, so the rows show what each is worth before any
network is involved. The last two rows also centre the statistics
themselves on each speaker's mean (as `centre_stats` does in the model) or
standardise them per speaker (which the model does not do).

Needs scikit-learn, pandas and numpy (`pip install scikit-learn pandas`),
and the descriptors as CSV files (one per recording, `emorec features`):

    for c in tess ravdess emovo; do
        emorec features ../shared/data/$c --deltas --out /tmp/feats/$c
    done
    python3 scripts/linear-baseline.py /tmp/feats

Recordings are read at their own level (no level normalisation).
"""
import os
import sys

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import recall_score
from sklearn.preprocessing import StandardScaler

SHARED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data")
CORPORA = ["tess", "ravdess", "emovo"]
# ComParE_2016 columns (after start/end): the voicing block and the energies
# as features::log_energies names them.
VOICING = list(range(0, 6))
ENERGY = [6, 8] + list(range(10, 38))
FLOOR = 1e-4


def load(feats):
    rows = []
    for corpus in CORPORA:
        m = pd.read_csv(os.path.join(SHARED, corpus, "manifest.csv"))
        for _, r in m[m.label4.notna()].iterrows():
            path = os.path.join(feats, corpus, os.path.splitext(r.path)[0] + ".csv")
            x = pd.read_csv(path).values[:, 2:].astype(np.float64)
            rows.append((corpus, f"{corpus}:{r.speaker}", r.label4, x))
    return rows


def by_speaker(xs, speakers):
    out = [None] * len(xs)
    for s in np.unique(speakers):
        idx = np.where(speakers == s)[0]
        a = np.concatenate([xs[i] for i in idx])
        mu, sd = a.mean(0), a.std(0) + 1e-6
        for i in idx:
            out[i] = (xs[i] - mu) / sd
    return out


def statistics(x, raw, voiced):
    f = [x.mean(0), x.std(0)]
    if voiced:
        v = raw[:, 0] > 0
        cols = VOICING + [65 + c for c in VOICING]
        xv = x[v][:, cols] if v.sum() > 0 else np.zeros((1, len(cols)))
        f += [xv.mean(0), xv.std(0), [v.mean()]]
    return np.concatenate(f)


def ua(y, p):
    return recall_score(y, p, average="macro")


def fit(x, y, train, test):
    scale = StandardScaler().fit(x[train])
    m = LogisticRegression(C=0.01, max_iter=3000, class_weight="balanced")
    m.fit(scale.transform(x[train]), y[train])
    return ua(y[test], m.predict(scale.transform(x[test])))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    data = load(sys.argv[1])
    corpus = np.array([d[0] for d in data])
    speaker = np.array([d[1] for d in data])
    y = np.array([d[2] for d in data])
    raws = [d[3] for d in data]
    rows = [
        ("mean and deviation, corpus statistics only", False, False, False, False),
        ("+ speaker normalisation", True, False, False, False),
        ("+ speaker normalisation + log energies", True, True, False, False),
        ("+ speaker normalisation + log energies + voiced statistics", True, True, True, False),
        ("the same, statistics centred on each speaker's mean (`centre_stats`)", True, True, True, "centre"),
        ("the same, statistics standardised per speaker too", True, True, True, "standardise"),
    ]
    print("| inputs | RAVDESS LOSO UA | LOCO EMOVO | LOCO RAVDESS | LOCO TESS | LOCO mean |")
    print("|---|---|---|---|---|---|")
    for name, spk, log, voiced, stat_spk in rows:
        xs = []
        for x in raws:
            x = x.copy()
            if log:
                x[:, ENERGY] = np.log(np.maximum(x[:, ENERGY], 0) + FLOOR)
            xs.append(x)
        if spk:
            xs = by_speaker(xs, speaker)
        f = np.nan_to_num(np.array([statistics(x, r, voiced) for x, r in zip(xs, raws)]))
        if stat_spk:
            for s in np.unique(speaker):
                i = speaker == s
                f[i] = f[i] - f[i].mean(0)
                if stat_spk == "standardise":
                    f[i] = f[i] / (f[i].std(0) + 1e-6)
        rav = corpus == "ravdess"
        loso = np.mean([fit(f, y, rav & (speaker != s), speaker == s) for s in np.unique(speaker[rav])])
        loco = [fit(f, y, corpus != c, corpus == c) for c in ["emovo", "ravdess", "tess"]]
        cells = " | ".join(f"{100 * v:.1f}%" for v in loco)
        print(f"| {name} | {100 * loso:.1f}% | {cells} | {100 * np.mean(loco):.1f}% |", flush=True)


if __name__ == "__main__":
    main()
