//! Evaluation protocols: which utterances train, validate and test a model.
//!
//! Every split is a [`Fold`] of indices into the utterance list, and every
//! one is deterministic for a seed: shuffles use the crate's own
//! [`SplitMix64`], so a fold does not change when a dependency does.
//!
//! * [`Protocol::Random`]: the reference's random 80/20 split, **stratified
//!   by label** (each class is split 80/20 on its own, so rare classes keep
//!   their share in the test part). Not speaker-independent.
//! * [`Protocol::LeaveOneSpeakerOut`] / [`Protocol::LeaveOneGroupOut`]: one
//!   fold per speaker / group (IEMOCAP session), which is the test part.
//! * [`Protocol::Predefined`]: parts named by group (MELD's train/dev/test).
//!
//! Validation ([`with_validation`]) is always taken from the training part, so
//! it never overlaps the test part; for speaker- or group-independent folds
//! whole speakers/groups are held out when there are enough of them, so that
//! early stopping sees unseen voices as the test does.

use std::collections::{BTreeMap, BTreeSet};

use super::error::{DataError, DataResult};
use super::Utterance;
use crate::rng::SplitMix64;
use crate::Emotion;

/// Indices into an utterance list. The three parts are disjoint and sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fold {
    /// `random`, `speaker=Actor_01`, `group=Session1`, `predefined`.
    pub name: String,
    pub train: Vec<usize>,
    pub valid: Vec<usize>,
    pub test: Vec<usize>,
}

/// What a speaker-independent protocol holds out together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Speaker,
    Group,
    /// The corpus an utterance comes from (see [`Utterance::corpus`]).
    Corpus,
}

impl Unit {
    fn of(self, u: &Utterance) -> &str {
        match self {
            Unit::Speaker => &u.speaker,
            Unit::Group => &u.group,
            Unit::Corpus => u.corpus.as_deref().unwrap_or(""),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Unit::Speaker => "speaker",
            Unit::Group => "group",
            Unit::Corpus => "corpus",
        }
    }
}

/// How validation parts are drawn from training parts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValidationPolicy {
    /// Share of the training part (of its units, or of each class) held out.
    pub fraction: f64,
    /// Whole units are held out only when the training part has at least
    /// this many; below it, a stratified `fraction` of utterances is.
    pub min_units: usize,
    /// Where the training part spans corpora, take each validation unit
    /// from the corpus with the most units still in training, so that a
    /// corpus of few voices (TESS has two) keeps them for training. Within
    /// a corpus the draw is the seeded shuffle's; with one corpus nothing
    /// changes. Measured leaving corpora out (README, "Which speakers
    /// validate"): no gain, so off by default.
    pub spread_corpora: bool,
}

impl Default for ValidationPolicy {
    fn default() -> Self {
        ValidationPolicy { fraction: 0.1, min_units: 3, spread_corpora: false }
    }
}

/// An evaluation protocol; [`Protocol::folds`] turns it into folds.
#[derive(Debug, Clone, PartialEq)]
pub enum Protocol {
    /// Stratified random split, `test_fraction` of each class in the test part.
    Random {
        test_fraction: f64,
    },
    LeaveOneSpeakerOut,
    LeaveOneGroupOut,
    /// Leave one group out where the groups are sets of speakers
    /// (`--speaker-folds K`): validation speakers are drawn from the training
    /// groups' speakers, not a whole group (which, with 4 or 5 groups, would
    /// take a third or a quarter of the training speakers).
    SpeakerFolds,
    /// Train on every corpus but one, test on that one; validation speakers
    /// are drawn from the training corpora. What a user's own microphone and
    /// voice will look like to the model: a corpus it never heard.
    LeaveOneCorpusOut,
    /// Parts named by group; an empty `valid` draws validation from `train`.
    Predefined {
        train: Vec<String>,
        valid: Vec<String>,
        test: Vec<String>,
    },
}

impl Protocol {
    /// `random` (80/20), `loso`, `logo`, `loco` (leave one corpus out), or
    /// `predefined` (MELD's train/dev/test group names).
    pub fn from_name(name: &str) -> DataResult<Protocol> {
        match name.to_ascii_lowercase().replace(['_', '-'], "").as_str() {
            "random" => Ok(Protocol::Random { test_fraction: 0.2 }),
            "loso" | "leaveonespeakerout" => Ok(Protocol::LeaveOneSpeakerOut),
            "logo" | "leaveonegroupout" => Ok(Protocol::LeaveOneGroupOut),
            "loco" | "leaveonecorpusout" => Ok(Protocol::LeaveOneCorpusOut),
            "predefined" => Ok(Protocol::Predefined {
                train: vec!["train".into()],
                valid: vec!["dev".into()],
                test: vec!["test".into()],
            }),
            _ => Err(DataError::Invalid(format!(
                "unknown protocol {name:?}; available: random, loso, logo, loco, predefined"
            ))),
        }
    }

    /// Every fold of the protocol, each with its validation part.
    pub fn folds(&self, utts: &[Utterance], seed: u64, policy: ValidationPolicy) -> DataResult<Vec<Fold>> {
        let (folds, unit) = match self {
            Protocol::Random { test_fraction } => (vec![random_split(utts, *test_fraction, seed)?], None),
            Protocol::LeaveOneSpeakerOut => (leave_one_out(utts, Unit::Speaker)?, Some(Unit::Speaker)),
            Protocol::LeaveOneGroupOut => (leave_one_out(utts, Unit::Group)?, Some(Unit::Group)),
            Protocol::SpeakerFolds => (leave_one_out(utts, Unit::Group)?, Some(Unit::Speaker)),
            Protocol::LeaveOneCorpusOut => {
                if let Some(u) = utts.iter().find(|u| u.corpus.is_none()) {
                    return Err(DataError::Invalid(format!(
                        "leave-one-corpus-out needs every utterance's corpus; {} has none (add a corpus column to its manifest)",
                        u.id
                    )));
                }
                (leave_one_out(utts, Unit::Corpus)?, Some(Unit::Speaker))
            }
            Protocol::Predefined { train, valid, test } => {
                let fold = predefined(utts, train, valid, test)?;
                if !fold.valid.is_empty() {
                    return Ok(vec![fold]);
                }
                (vec![fold], None)
            }
        };
        Ok(folds
            .into_iter()
            .enumerate()
            .map(|(i, f)| with_validation(utts, f, unit, policy, seed.wrapping_add(i as u64)))
            .collect())
    }
}

/// The random split: `test_fraction` of each class (rounded) to the test part,
/// the rest to training; validation empty.
pub fn random_split(utts: &[Utterance], test_fraction: f64, seed: u64) -> DataResult<Fold> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(DataError::Invalid(format!("test fraction must lie in (0, 1), got {test_fraction}")));
    }
    let all: Vec<usize> = (0..utts.len()).collect();
    let (train, test) = stratified_holdout(utts, &all, test_fraction, seed);
    if train.is_empty() || test.is_empty() {
        return Err(DataError::Invalid(format!(
            "a {:.0}% split of {} utterances leaves an empty part",
            test_fraction * 100.0,
            utts.len()
        )));
    }
    Ok(Fold { name: "random".into(), train, valid: Vec::new(), test })
}

/// Splits `indices` into (kept, held out), holding out `round(n * fraction)`
/// of each class, chosen by a seeded shuffle. Both sorted.
pub fn stratified_holdout(utts: &[Utterance], indices: &[usize], fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut by_label: BTreeMap<Emotion, Vec<usize>> = BTreeMap::new();
    for &i in indices {
        by_label.entry(utts[i].label).or_default().push(i);
    }
    let (mut kept, mut held) = (Vec::new(), Vec::new());
    for (label, mut members) in by_label {
        // One stream per class: a class's draw does not depend on the others.
        SplitMix64::derive(seed, label.index() as u64).shuffle(&mut members);
        let n_held = ((members.len() as f64) * fraction).round() as usize;
        held.extend_from_slice(&members[..n_held]);
        kept.extend_from_slice(&members[n_held..]);
    }
    kept.sort_unstable();
    held.sort_unstable();
    (kept, held)
}

/// One fold per speaker (or group), in name order: that unit's utterances are
/// the test part, all others train; validation empty.
pub fn leave_one_out(utts: &[Utterance], unit: Unit) -> DataResult<Vec<Fold>> {
    let units: BTreeSet<&str> = utts.iter().map(|u| unit.of(u)).collect();
    if units.len() < 2 {
        return Err(DataError::Invalid(format!(
            "leave-one-{}-out needs at least two {}s; the data has {}",
            unit.name(),
            unit.name(),
            units.len()
        )));
    }
    Ok(units
        .into_iter()
        .map(|held| {
            let (test, train) = (0..utts.len()).partition(|&i| unit.of(&utts[i]) == held);
            Fold { name: format!("{}={held}", unit.name()), train, valid: Vec::new(), test }
        })
        .collect())
}

/// Parts by group name. Utterances of other groups are left out. An empty
/// `valid` list leaves validation empty (see [`with_validation`]).
pub fn predefined(utts: &[Utterance], train: &[String], valid: &[String], test: &[String]) -> DataResult<Fold> {
    let present: BTreeSet<&str> = utts.iter().map(|u| u.group.as_str()).collect();
    for name in train.iter().chain(valid).chain(test) {
        if !present.contains(name.as_str()) {
            return Err(DataError::Invalid(format!(
                "group {name:?} is not in the data; groups present: {}",
                present.iter().copied().collect::<Vec<_>>().join(", ")
            )));
        }
    }
    let part = |names: &[String]| -> Vec<usize> {
        (0..utts.len()).filter(|&i| names.iter().any(|n| *n == utts[i].group)).collect()
    };
    let fold = Fold { name: "predefined".into(), train: part(train), valid: part(valid), test: part(test) };
    let overlap = train.iter().any(|n| valid.contains(n) || test.contains(n)) || valid.iter().any(|n| test.contains(n));
    if overlap {
        return Err(DataError::Invalid("a group is named in two parts of the predefined split".into()));
    }
    if fold.train.is_empty() || fold.test.is_empty() {
        return Err(DataError::Invalid("the predefined split has an empty training or test part".into()));
    }
    Ok(fold)
}

/// Fills `fold.valid` from `fold.train` (which shrinks accordingly).
///
/// With a `unit` and at least `policy.min_units` distinct units in training,
/// `max(1, round(fraction * units))` whole units, chosen by a seeded shuffle,
/// become validation. Otherwise (random split, or too few units) a seeded
/// stratified `fraction` of the training utterances does. A fold that
/// already has validation is returned unchanged.
pub fn with_validation(
    utts: &[Utterance],
    mut fold: Fold,
    unit: Option<Unit>,
    policy: ValidationPolicy,
    seed: u64,
) -> Fold {
    if !fold.valid.is_empty() {
        return fold;
    }
    if let Some(unit) = unit {
        let units: BTreeSet<&str> = fold.train.iter().map(|&i| unit.of(&utts[i])).collect();
        if units.len() >= policy.min_units.max(2) {
            let mut units: Vec<&str> = units.into_iter().collect();
            SplitMix64::new(seed).shuffle(&mut units);
            let n = ((units.len() as f64 * policy.fraction).round() as usize).clamp(1, units.len() - 1);
            let held: BTreeSet<&str> = if policy.spread_corpora {
                spread_over_corpora(utts, &fold.train, unit, &units, n)
            } else {
                units[..n].iter().copied().collect()
            };
            let (valid, train) = fold.train.iter().partition(|&&i| held.contains(unit.of(&utts[i])));
            fold.train = train;
            fold.valid = valid;
            return fold;
        }
    }
    let (train, valid) = stratified_holdout(utts, &fold.train, policy.fraction, seed);
    fold.train = train;
    fold.valid = valid;
    fold
}

/// `n` of the shuffled `units`, each from the corpus with the most units
/// left (ties to the corpus whose next unit comes first in the shuffle).
fn spread_over_corpora<'a>(
    utts: &'a [Utterance],
    train: &[usize],
    unit: Unit,
    units: &[&'a str],
    n: usize,
) -> BTreeSet<&'a str> {
    use std::collections::BTreeMap;
    let mut corpus_of: BTreeMap<&str, &str> = BTreeMap::new();
    for &i in train {
        corpus_of.entry(unit.of(&utts[i])).or_insert_with(|| utts[i].corpus.as_deref().unwrap_or(""));
    }
    // Each corpus's units in shuffled order, front first.
    let mut queues: BTreeMap<&str, std::collections::VecDeque<(usize, &str)>> = BTreeMap::new();
    for (order, &u) in units.iter().enumerate() {
        queues.entry(corpus_of[u]).or_default().push_back((order, u));
    }
    let mut held = BTreeSet::new();
    for _ in 0..n {
        let Some(queue) =
            queues.values_mut().filter(|q| !q.is_empty()).max_by_key(|q| (q.len(), std::cmp::Reverse(q[0].0)))
        else {
            break;
        };
        if let Some((_, u)) = queue.pop_front() {
            held.insert(u);
        }
    }
    held
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utt(i: usize, speaker: &str, label: Emotion) -> Utterance {
        Utterance {
            id: format!("u{i}"),
            audio: None,
            transcript: None,
            label,
            speaker: speaker.into(),
            group: speaker.into(),
            corpus: None,
        }
    }

    #[test]
    fn spread_validation_keeps_a_small_corpus_for_training() {
        // Corpus "a" has two speakers, "b" six, "c" sixteen; leaving "c" out,
        // the spread policy validates on "b"'s speakers, whatever the seed.
        let mut utts = Vec::new();
        for (corpus, speakers) in [("a", 2), ("b", 6), ("c", 16)] {
            for s in 0..speakers {
                for k in 0..4 {
                    let mut u = utt(utts.len(), &format!("{corpus}{s}"), Emotion::from_index(k).unwrap());
                    u.corpus = Some(corpus.to_string());
                    utts.push(u);
                }
            }
        }
        let spread = ValidationPolicy { fraction: 0.25, spread_corpora: true, ..ValidationPolicy::default() };
        let mut took_a = false;
        for seed in 0..20 {
            let folds = Protocol::LeaveOneCorpusOut.folds(&utts, seed, spread).unwrap();
            let c_out = folds.iter().find(|f| f.name == "corpus=c").unwrap();
            let held: BTreeSet<&str> = c_out.valid.iter().map(|&i| utts[i].speaker.as_str()).collect();
            assert_eq!(held.len(), 2, "round(0.25 * 8) speakers");
            assert!(held.iter().all(|s| s.starts_with('b')), "seed {seed}: {held:?}");
            // Leaving "b" out: 18 speakers, 5 to validation, all from "c".
            let b_out = folds.iter().find(|f| f.name == "corpus=b").unwrap();
            assert!(b_out.valid.iter().all(|&i| utts[i].corpus.as_deref() == Some("c")));
            // Without the policy the seeded shuffle sometimes takes a speaker of "a".
            let plain = ValidationPolicy { spread_corpora: false, ..spread };
            let folds = Protocol::LeaveOneCorpusOut.folds(&utts, seed, plain).unwrap();
            let c_out = folds.iter().find(|f| f.name == "corpus=c").unwrap();
            took_a |= c_out.valid.iter().any(|&i| utts[i].corpus.as_deref() == Some("a"));
        }
        assert!(took_a);
        // One corpus: the same validation speakers as without the policy.
        let one: Vec<Utterance> = utts.iter().filter(|u| u.corpus.as_deref() == Some("c")).cloned().collect();
        for seed in 0..5 {
            let with = Protocol::LeaveOneSpeakerOut.folds(&one, seed, spread).unwrap();
            let without = Protocol::LeaveOneSpeakerOut
                .folds(&one, seed, ValidationPolicy { spread_corpora: false, ..spread })
                .unwrap();
            assert!(with.iter().zip(&without).all(|(a, b)| a.valid == b.valid && a.train == b.train));
        }
    }

    #[test]
    fn leave_one_corpus_out() {
        let mut utts: Vec<_> =
            (0..60).map(|i| utt(i, &format!("s{}", i % 12), Emotion::from_index(i % 4).unwrap())).collect();
        for u in &mut utts {
            let s: usize = u.speaker[1..].parse().unwrap();
            u.corpus = Some(["a", "b", "c"][s / 4].to_string());
        }
        let folds = Protocol::from_name("loco").unwrap().folds(&utts, 3, ValidationPolicy::default()).unwrap();
        assert_eq!(folds.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["corpus=a", "corpus=b", "corpus=c"]);
        for f in &folds {
            let held = &f.name["corpus=".len()..];
            assert!(f.test.iter().all(|&i| utts[i].corpus.as_deref() == Some(held)));
            assert!(f.train.iter().chain(&f.valid).all(|&i| utts[i].corpus.as_deref() != Some(held)));
            assert!(!f.valid.is_empty());
            // Validation holds whole speakers of the training corpora.
            for &v in &f.valid {
                assert!(f.train.iter().all(|&t| utts[t].speaker != utts[v].speaker));
            }
        }
        utts[5].corpus = None;
        let e = Protocol::LeaveOneCorpusOut.folds(&utts, 3, ValidationPolicy::default()).unwrap_err();
        assert!(e.to_string().contains("u5"), "{e}");
    }

    #[test]
    fn stratified_counts() {
        let utts: Vec<_> = (0..100).map(|i| utt(i, "a", Emotion::from_index(i % 4).unwrap())).collect();
        let f = random_split(&utts, 0.2, 1).unwrap();
        assert_eq!(f.test.len(), 20);
        for e in Emotion::ALL {
            assert_eq!(f.test.iter().filter(|&&i| utts[i].label == e).count(), 5);
        }
    }
}
