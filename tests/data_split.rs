//! Protocols: folds partition the data, never leak speakers (or groups),
//! validation never touches the test part, and everything is reproducible.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use emorec::data::split::{leave_one_out, random_split, with_validation, Fold, Protocol, Unit, ValidationPolicy};
use emorec::data::{load_manifest, Utterance};
use emorec::rng::SplitMix64;
use emorec::Emotion;

/// A synthetic corpus: `groups` groups of `speakers` speakers, `n` utterances each.
fn corpus(groups: usize, speakers: usize, n: usize) -> Vec<Utterance> {
    let mut rng = SplitMix64::new(99);
    let mut out = Vec::new();
    for g in 0..groups {
        for s in 0..speakers {
            for i in 0..n {
                out.push(Utterance {
                    id: format!("g{g}s{s}u{i}"),
                    audio: None,
                    transcript: None,
                    label: Emotion::from_index(rng.below(4) as usize).unwrap(),
                    speaker: format!("g{g}_s{s}"),
                    group: format!("Session{}", g + 1),
                    corpus: None,
                });
            }
        }
    }
    out
}

/// Train, valid and test are disjoint, sorted, and (with `covers`) cover everything.
fn check_partition(f: &Fold, n: usize, covers: bool) {
    let mut all: Vec<usize> = f.train.iter().chain(&f.valid).chain(&f.test).copied().collect();
    for part in [&f.train, &f.valid, &f.test] {
        assert!(part.windows(2).all(|w| w[0] < w[1]), "{}: parts must be sorted and unique", f.name);
    }
    all.sort_unstable();
    let len = all.len();
    all.dedup();
    assert_eq!(all.len(), len, "{}: parts overlap", f.name);
    if covers {
        assert_eq!(all, (0..n).collect::<Vec<_>>(), "{}: parts do not cover the data", f.name);
    }
    assert!(!f.train.is_empty() && !f.test.is_empty(), "{}: empty part", f.name);
}

fn units<'a>(utts: &'a [Utterance], idx: &[usize], unit: Unit) -> BTreeSet<&'a str> {
    idx.iter().map(|&i| if unit == Unit::Speaker { utts[i].speaker.as_str() } else { utts[i].group.as_str() }).collect()
}

fn assert_disjoint_units(utts: &[Utterance], f: &Fold, unit: Unit) {
    let (tr, va, te) = (units(utts, &f.train, unit), units(utts, &f.valid, unit), units(utts, &f.test, unit));
    assert!(tr.is_disjoint(&te), "{}: {unit:?} leak train/test", f.name);
    assert!(va.is_disjoint(&te), "{}: {unit:?} leak valid/test", f.name);
    assert!(tr.is_disjoint(&va), "{}: {unit:?} leak train/valid", f.name);
}

#[test]
fn random_split_is_stratified_seeded_and_partitions() {
    let utts = corpus(2, 3, 50);
    let folds = Protocol::Random { test_fraction: 0.2 }.folds(&utts, 7, ValidationPolicy::default()).unwrap();
    assert_eq!(folds.len(), 1);
    let f = &folds[0];
    check_partition(f, utts.len(), true);
    for e in Emotion::ALL {
        let n = utts.iter().filter(|u| u.label == e).count();
        let test = f.test.iter().filter(|&&i| utts[i].label == e).count();
        assert_eq!(test, (n as f64 * 0.2).round() as usize, "{e}: 20% of each class");
    }
    let again = Protocol::Random { test_fraction: 0.2 }.folds(&utts, 7, ValidationPolicy::default()).unwrap();
    assert_eq!(folds, again, "same seed, same split");
    let other = Protocol::Random { test_fraction: 0.2 }.folds(&utts, 8, ValidationPolicy::default()).unwrap();
    assert_ne!(folds[0].test, other[0].test, "another seed, another split");
    assert!(random_split(&utts, 1.5, 0).is_err());
}

#[test]
fn leave_one_speaker_out_never_leaks_speakers() {
    let utts = corpus(2, 4, 20);
    let folds = Protocol::LeaveOneSpeakerOut.folds(&utts, 1, ValidationPolicy::default()).unwrap();
    assert_eq!(folds.len(), 8);
    let mut tested = Vec::new();
    for f in &folds {
        check_partition(f, utts.len(), true);
        assert_disjoint_units(&utts, f, Unit::Speaker);
        assert_eq!(units(&utts, &f.test, Unit::Speaker).len(), 1);
        // 7 training speakers → round(0.7) → 1 whole speaker for validation.
        assert_eq!(units(&utts, &f.valid, Unit::Speaker).len(), 1);
        tested.extend(f.test.iter().copied());
    }
    tested.sort_unstable();
    assert_eq!(tested, (0..utts.len()).collect::<Vec<_>>(), "every utterance is tested exactly once");
    assert_eq!(folds, Protocol::LeaveOneSpeakerOut.folds(&utts, 1, ValidationPolicy::default()).unwrap());
}

#[test]
fn leave_one_group_out_holds_out_sessions() {
    let utts = corpus(5, 2, 10);
    let folds = Protocol::LeaveOneGroupOut.folds(&utts, 3, ValidationPolicy::default()).unwrap();
    let names: Vec<&str> = folds.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["group=Session1", "group=Session2", "group=Session3", "group=Session4", "group=Session5"]);
    for f in &folds {
        check_partition(f, utts.len(), true);
        assert_disjoint_units(&utts, f, Unit::Group);
        assert_disjoint_units(&utts, f, Unit::Speaker);
        assert_eq!(units(&utts, &f.valid, Unit::Group).len(), 1, "one whole session validates");
    }
}

#[test]
fn speaker_folds_validate_on_speakers_of_the_training_groups() {
    // 5 groups of 4 speakers: each fold trains on 4 groups (16 speakers);
    // 10 % of those speakers (2) validate, not a whole group.
    let utts = corpus(5, 4, 10);
    let folds = Protocol::SpeakerFolds.folds(&utts, 3, ValidationPolicy::default()).unwrap();
    assert_eq!(folds.len(), 5);
    for f in &folds {
        check_partition(f, utts.len(), true);
        let test_groups = units(&utts, &f.test, Unit::Group);
        assert_eq!(test_groups.len(), 1);
        assert!(test_groups.is_disjoint(&units(&utts, &f.train, Unit::Group)));
        assert!(test_groups.is_disjoint(&units(&utts, &f.valid, Unit::Group)));
        assert_disjoint_units(&utts, f, Unit::Speaker);
        assert_eq!(units(&utts, &f.valid, Unit::Speaker).len(), 2, "{}", f.name);
        assert_eq!(units(&utts, &f.train, Unit::Speaker).len(), 14, "{}", f.name);
    }
}

#[test]
fn too_few_units_fall_back_to_stratified_validation() {
    // Two speakers: each LOSO fold trains on one, so validation is 10% of it.
    let utts = corpus(1, 2, 100);
    let folds = Protocol::LeaveOneSpeakerOut.folds(&utts, 5, ValidationPolicy::default()).unwrap();
    for f in &folds {
        check_partition(f, utts.len(), true);
        assert!(units(&utts, &f.test, Unit::Speaker).is_disjoint(&units(&utts, &f.valid, Unit::Speaker)));
        let share = f.valid.len() as f64 / (f.valid.len() + f.train.len()) as f64;
        assert!((share - 0.1).abs() < 0.03, "{share}");
    }
    assert!(leave_one_out(&utts[..100], Unit::Speaker).is_err(), "one speaker cannot be left out");
}

#[test]
fn predefined_splits_by_group() {
    let mut utts = corpus(3, 2, 10);
    for u in &mut utts {
        u.group = match u.group.as_str() {
            "Session1" => "train",
            "Session2" => "dev",
            _ => "test",
        }
        .into();
    }
    let folds = Protocol::from_name("predefined").unwrap().folds(&utts, 0, ValidationPolicy::default()).unwrap();
    let f = &folds[0];
    check_partition(f, utts.len(), true);
    assert!(f.train.iter().all(|&i| utts[i].group == "train"));
    assert!(f.valid.iter().all(|&i| utts[i].group == "dev"));
    assert!(f.test.iter().all(|&i| utts[i].group == "test"));
    let bad = Protocol::Predefined { train: vec!["train".into()], valid: vec![], test: vec!["nope".into()] };
    let e = bad.folds(&utts, 0, ValidationPolicy::default()).unwrap_err().to_string();
    assert!(e.contains("nope") && e.contains("train"), "{e}");
    // No named validation: drawn from training.
    let p = Protocol::Predefined { train: vec!["train".into()], valid: vec![], test: vec!["test".into()] };
    let f = &p.folds(&utts, 0, ValidationPolicy::default()).unwrap()[0];
    check_partition(f, utts.len(), false);
    assert!(!f.valid.is_empty() && f.valid.iter().all(|&i| utts[i].group == "train"));
}

#[test]
fn with_validation_keeps_an_existing_validation_part() {
    let utts = corpus(1, 3, 10);
    let f = Fold { name: "x".into(), train: vec![0, 1, 2], valid: vec![3], test: vec![4] };
    assert_eq!(with_validation(&utts, f.clone(), Some(Unit::Speaker), ValidationPolicy::default(), 1), f);
}

#[test]
fn protocol_names() {
    assert_eq!(Protocol::from_name("LOSO").unwrap(), Protocol::LeaveOneSpeakerOut);
    assert_eq!(Protocol::from_name("leave-one-group-out").unwrap(), Protocol::LeaveOneGroupOut);
    assert_eq!(Protocol::from_name("leave-one-corpus-out").unwrap(), Protocol::LeaveOneCorpusOut);
    assert_eq!(Protocol::from_name("LOCO").unwrap(), Protocol::LeaveOneCorpusOut);
    assert!(Protocol::from_name("kfold").unwrap_err().to_string().contains("random, loso, logo, loco, predefined"));
}

/// Real data: RAVDESS leave-one-speaker-out (16 actors) and the IEMOCAP miniature by session.
#[test]
fn real_manifests_and_fixture() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let ravdess = common::shared_path("data/ravdess/manifest.csv");
    let utts = load_manifest(&ravdess).unwrap();
    let folds = Protocol::LeaveOneSpeakerOut.folds(&utts, 42, ValidationPolicy::default()).unwrap();
    assert_eq!(folds.len(), 16);
    for f in &folds {
        check_partition(f, utts.len(), true);
        assert_disjoint_units(&utts, f, Unit::Speaker);
        // 15 training actors → round(1.5) = 2 validation actors.
        assert_eq!(units(&utts, &f.valid, Unit::Speaker).len(), 2);
    }

    let mini = emorec::data::iemocap::read_iemocap(
        &root.join("tests/fixtures/iemocap_mini/IEMOCAP_full_release"),
        Default::default(),
    )
    .unwrap()
    .utterances;
    let folds = Protocol::LeaveOneGroupOut.folds(&mini, 0, ValidationPolicy::default()).unwrap();
    assert_eq!(folds.len(), 2);
    for f in &folds {
        check_partition(f, mini.len(), true);
        assert_disjoint_units(&mini, f, Unit::Group);
    }
}
