#!/usr/bin/env python3
"""Where a leave-one-corpus-out run loses on RAVDESS: recall per class and
intensity.

RAVDESS's actors speak every emotion but neutral at two intensities (the
fourth field of a file name: 01 normal, 02 strong); the other shared corpora
have one. This script reads an `emorec cv --protocol loco` run's RAVDESS fold
(`corpus_ravdess/`, one network or the members of a seed ensemble),
calibrates each member's test probabilities with the temperature its bundle
keeps, averages the members as `cv` does, and prints, per class and
intensity, how many were recalled and what the rest were taken for, and the
UA over the normal-intensity recordings alone.

    python3 scripts/ravdess-by-intensity.py runs/loco-... [more runs]

Plain Python, reading only CSV and JSON (the helpers are
rescore-calibration.py's).
"""

import importlib.util
import sys
from collections import Counter, defaultdict
from pathlib import Path

_spec = importlib.util.spec_from_file_location("rescore", Path(__file__).with_name("rescore-calibration.py"))
rescore = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rescore)
CLASSES = rescore.CLASSES
INTENSITY = {"01": "normal", "02": "strong"}


def intensity(key):
    """The intensity field of a RAVDESS id (`Actor_01/03-01-05-02-...`)."""
    fields = key.split("\t")[0].split("/")[-1].split("-")
    if len(fields) != 7 or fields[3] not in INTENSITY:
        sys.exit(f"{key.split(chr(9))[0]}: not a RAVDESS file name (modality-channel-emotion-intensity-statement-repetition-actor)")
    return INTENSITY[fields[3]]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for run in map(Path, sys.argv[1:]):
        fold = run / "corpus_ravdess"
        ms = rescore.members(fold) if fold.is_dir() else []
        if not ms or not rescore.complete(ms):
            sys.exit(f"{run}: no complete corpus_ravdess fold (an `emorec cv --protocol loco` run with RAVDESS among the corpora?)")
        preds = [rescore.read_member(m, rescore.fitted(m)) for m in ms]
        taken = defaultdict(Counter)
        for k, (_, label, _) in preds[0].items():
            mean = [sum(p[k][2][c] for p in preds) / len(preds) for c in range(4)]
            taken[(CLASSES[label], intensity(k))][CLASSES[max(range(4), key=mean.__getitem__)]] += 1
        print(f"\n{run} ({len(ms)} member(s))\n\n| class | intensity | n | recalled | taken for |\n|---|---|---|---|---|")
        for (c, i), counts in sorted(taken.items()):
            n = sum(counts.values())
            others = ", ".join(f"{o} {v}" for o, v in counts.most_common() if o != c)
            print(f"| {c} | {i} | {n} | {counts[c] / n * 100:.1f}% | {others or '-'} |")
        normal = [taken[(c, "normal")][c] / sum(taken[(c, "normal")].values()) for c in CLASSES]
        print(f"\nUA over the normal-intensity recordings alone: {sum(normal) / len(normal) * 100:.1f}%")


if __name__ == "__main__":
    main()
