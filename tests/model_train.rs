//! Training: the loss falls, a seed repeats a run, a resumed run equals an
//! uninterrupted one, evaluation metrics.

mod model_support;

use burn::tensor::Device;
use emorec::model::{AcousticPooling as A, LexicalPooling as L, Model, Variant};
use emorec::train::{evaluate, train, train_views, Balance, Evaluation, Origin, Quiet, TrainConfig};
use model_support::*;

fn config(variant: Variant, epochs: usize) -> TrainConfig {
    TrainConfig {
        epochs,
        batch_size: 8,
        lr: 0.01,
        seed: 17,
        patience: 0,
        model: tiny(variant, A::Attention, L::Attention),
        ..TrainConfig::default()
    }
}

#[test]
fn a_tiny_model_learns_a_separable_task() {
    let train_set = dataset(48, 1);
    let valid = dataset(16, 2);
    let dir = temp_dir("learn");
    let report = train(&config(Variant::Mmmla, 15), &train_set, &valid, &dir, &Device::flex(), &mut Quiet).unwrap();
    let h = &report.history;
    assert_eq!(h.len(), 15);
    assert!(h[14].train_loss < 0.5 * h[0].train_loss, "{h:?}");
    let best = report.best.unwrap();
    assert!(best.ua > 0.8, "{best:?}");
    // The best model on disk is what the report carries.
    let loaded = Model::load_dir(&report.model_dir, &Device::flex()).unwrap();
    assert_eq!(evaluate(&loaded, &valid, 8).unwrap(), best);
    // Logs: header + one line per epoch, JSON lines parse.
    let csv = std::fs::read_to_string(dir.join("log.csv")).unwrap();
    assert_eq!(csv.lines().count(), 16);
    let jsonl = std::fs::read_to_string(dir.join("log.jsonl")).unwrap();
    for line in jsonl.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["val_ua"].is_number());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Views (a clean training set and augmented copies) are used one per epoch
/// in turn: two identical views give exactly the run one view gives, another
/// second view changes the run, and views of different sizes are refused.
#[test]
fn training_cycles_through_views() {
    let clean = dataset(24, 5);
    let other = dataset(24, 6);
    let valid = dataset(8, 7);
    let c = config(Variant::Mmmla, 3);
    let run = |views: &[&[emorec::model::Example]], name: &str| {
        let dir = temp_dir(name);
        let r = train_views(&c, views, &[], &valid, &dir, &Device::flex(), &mut Quiet).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        r.history.iter().map(|h| h.train_loss).collect::<Vec<_>>()
    };
    let one = run(&[&clean], "views-1");
    assert_eq!(run(&[&clean, &clean], "views-2"), one);
    let two = run(&[&clean, &other], "views-3");
    assert_eq!(two[0], one[0], "epoch 1 trains on the first view");
    assert_ne!(two[1], one[1], "epoch 2 trains on the second");
    let dir = temp_dir("views-bad");
    assert!(train_views(&c, &[&clean, &other[..10]], &[], &valid, &dir, &Device::flex(), &mut Quiet).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

/// `balance = "corpus"` reads where each example comes from: with every
/// example from one corpus it is the class balance, with a small corpus
/// beside a large one the run changes; origins that do not match the
/// examples are refused.
#[test]
fn corpus_balance_weighs_the_corpora() {
    let train_set = dataset(24, 5);
    let valid = dataset(8, 7);
    let run = |balance: Balance, origins: &[Origin], name: &str| {
        let c = TrainConfig { balance, ..config(Variant::Mmmla, 2) };
        let dir = temp_dir(name);
        let r = train_views(&c, &[&train_set], origins, &valid, &dir, &Device::flex(), &mut Quiet);
        let _ = std::fs::remove_dir_all(&dir);
        r.map(|r| r.history.iter().map(|h| h.train_loss).collect::<Vec<_>>())
    };
    let classes = run(Balance::Weights, &[], "balance-classes").unwrap();
    let one_corpus = vec![Origin::default(); 24];
    assert_eq!(run(Balance::Corpus, &one_corpus, "balance-one").unwrap(), classes);
    // The last 4 examples are a corpus of their own.
    let two: Vec<Origin> = (0..24).map(|i| Origin { corpus: u32::from(i >= 20), speaker: 0 }).collect();
    assert_ne!(run(Balance::Corpus, &two, "balance-two").unwrap(), classes);
    let e = run(Balance::Corpus, &two[..5], "balance-bad").unwrap_err();
    assert!(e.to_string().contains("5 origins for 24 training examples"), "{e}");
}

/// `corpus_adversary` trains against the corpus through a reversed
/// gradient: with one training corpus (or none said) there is nothing to
/// tell apart and the run is the plain one; with two it changes; a
/// negative or non-finite weight is refused.
#[test]
fn the_corpus_adversary_needs_two_corpora() {
    let train_set = dataset(24, 5);
    let valid = dataset(8, 7);
    let run = |adversary: f64, origins: &[Origin], name: &str| {
        let c = TrainConfig { corpus_adversary: adversary, ..config(Variant::Mmmla, 2) };
        let dir = temp_dir(name);
        let r = train_views(&c, &[&train_set], origins, &valid, &dir, &Device::flex(), &mut Quiet).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        r.history.iter().map(|h| (h.train_loss, h.val_loss)).collect::<Vec<_>>()
    };
    let two: Vec<Origin> = (0..24).map(|i| Origin { corpus: u32::from(i % 3 == 0), speaker: 0 }).collect();
    let plain = run(0.0, &two, "adversary-off");
    assert_eq!(run(1.0, &[Origin::default(); 24], "adversary-one"), plain);
    assert_eq!(run(1.0, &[], "adversary-unsaid"), plain);
    // The reported training loss is the emotion loss alone: it changes
    // because the reversed gradient reached the network.
    let against = run(1.0, &two, "adversary-two");
    assert_ne!(against, plain, "the reversed gradient must reach the network");
    for bad in [-0.5, f64::NAN, f64::INFINITY] {
        let c = TrainConfig { corpus_adversary: bad, ..config(Variant::Mmmla, 1) };
        let e = c.validate().unwrap_err();
        assert!(e.to_string().contains("corpus_adversary"), "{e}");
    }
}

#[test]
fn augment_config_reads_from_toml() {
    let text = "epochs = 1\n[augment]\ncopies = 2\np_noise = 0.7\n[model]\nvariant = \"acoustic\"\n";
    let c = TrainConfig::from_toml(text).unwrap();
    assert_eq!(c.augment.copies, 2);
    assert_eq!(c.augment.p_noise, 0.7);
    assert_eq!(c.augment.p_reverb, emorec::data::augment::AugmentConfig::default().p_reverb);
    assert!(TrainConfig::from_toml("[augment]\ncopies = 2\nnoise = 1\n").is_err(), "unknown keys are refused");
}

#[test]
fn a_neutral_speaker_reference_needs_speaker_normalisation() {
    use emorec::data::norm::SpeakerReference;
    let c = TrainConfig::from_toml("normalize = \"speaker\"\nspeaker_reference = \"neutral\"\n").unwrap();
    assert_eq!(c.speaker_reference, SpeakerReference::Neutral);
    assert_eq!(TrainConfig::from_toml("").unwrap().speaker_reference, SpeakerReference::All);
    let e = TrainConfig::from_toml("speaker_reference = \"neutral\"\n").unwrap_err();
    assert!(e.to_string().contains("speaker_reference needs normalize"), "{e}");
    assert!(TrainConfig::from_toml("normalize = \"speaker\"\nspeaker_reference = \"calm\"\n").is_err());
}

#[test]
fn same_seed_gives_the_same_run() {
    let train_set = dataset(24, 3);
    let valid = dataset(8, 4);
    let mut c = config(Variant::Mmb, 2);
    c.model.dropout = 0.3;
    c.modality_dropout = 0.3;
    let run = |name: &str| {
        let dir = temp_dir(name);
        let r = train(&c, &train_set, &valid, &dir, &Device::flex(), &mut Quiet).unwrap();
        let bytes = r.model.parameters_flat();
        let _ = std::fs::remove_dir_all(&dir);
        (r.history.iter().map(|h| (h.train_loss, h.val_loss)).collect::<Vec<_>>(), bytes)
    };
    let (a, wa) = run("seed-a");
    let (b, wb) = run("seed-b");
    assert_eq!(a, b);
    assert!(wa == wb, "same seed, different weights");
}

#[test]
fn resume_after_a_kill_equals_the_uninterrupted_run() {
    let mut c = config(Variant::Mmmla, 3);
    c.model.dropout = 0.3;
    c.balance = Balance::Sampling;
    resume_equals_uninterrupted(&c, "resume");
}

/// With a weight average the checkpoint carries it, and the resumed run's
/// average is the uninterrupted run's.
#[test]
fn resume_with_a_weight_average_equals_the_uninterrupted_run() {
    let mut c = config(Variant::Mmmla, 3);
    c.model.dropout = 0.3;
    c.weight_average = 0.9;
    resume_equals_uninterrupted(&c, "resume-average");
}

fn resume_equals_uninterrupted(c: &TrainConfig, name: &str) {
    let train_set = dataset(24, 5);
    let valid = dataset(8, 6);
    let c = c.clone();
    let device = Device::flex();

    let dir_a = temp_dir(&format!("{name}-a"));
    let a = train(&c, &train_set, &valid, &dir_a, &device, &mut Quiet).unwrap();

    // "Killed" after epoch 1: a run of 1 epoch leaves exactly that checkpoint.
    let dir_b = temp_dir(&format!("{name}-b"));
    let mut first = c.clone();
    first.epochs = 1;
    train(&first, &train_set, &valid, &dir_b, &device, &mut Quiet).unwrap();
    let mut rest = c.clone();
    rest.resume = true;
    let b = train(&rest, &train_set, &valid, &dir_b, &device, &mut Quiet).unwrap();

    assert_eq!(a.history.len(), 3);
    assert_eq!(b.history.len(), 3);
    for (x, y) in a.history.iter().zip(&b.history) {
        assert!((x.train_loss - y.train_loss).abs() < 1e-6, "{x:?} vs {y:?}");
        assert!((x.val_loss - y.val_loss).abs() < 1e-6);
        assert_eq!(x.val_ua, y.val_ua);
    }
    let ca = emorec::train::Checkpoint::load(&dir_a.join("checkpoint.bin")).unwrap();
    let cb = emorec::train::Checkpoint::load(&dir_b.join("checkpoint.bin")).unwrap();
    assert_eq!(ca.state.rng, cb.state.rng);
    let load = |bytes: &[u8]| Model::from_bytes(&c.model, bytes, &device).unwrap().parameters_flat();
    let (wa, wb) = (load(&ca.model), load(&cb.model));
    assert_eq!(wa.len(), wb.len());
    let diff = wa.iter().zip(&wb).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
    assert!(diff <= 1e-6, "final weights differ by {diff}");
    assert_eq!(ca.average.is_some(), c.weight_average > 0.0);
    if let (Some(x), Some(y)) = (&ca.average, &cb.average) {
        let (x, y) = (load(x), load(y));
        let diff = x.iter().zip(&y).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
        assert!(diff <= 1e-6, "final averages differ by {diff}");
        assert_ne!(x, wa, "the average is not the last step's weights");
    }
    // A checkpoint of another model is refused.
    let mut other = rest.clone();
    other.model.hidden = 9;
    assert!(train(&other, &train_set, &valid, &dir_b, &device, &mut Quiet).is_err());
    let _ = std::fs::remove_dir_all(&dir_a);
    let _ = std::fs::remove_dir_all(&dir_b);
}

/// With a weight average, what is validated and kept is the average: with
/// no validation set the last epoch is kept, and it is the checkpoint's
/// average, not its raw weights.
#[test]
fn the_weight_average_is_the_model_kept() {
    let train_set = dataset(24, 9);
    let mut c = config(Variant::Acoustic, 2);
    c.weight_average = 0.9;
    let dir = temp_dir("average-kept");
    let r = train(&c, &train_set, &[], &dir, &Device::flex(), &mut Quiet).unwrap();
    let ck = emorec::train::Checkpoint::load(&dir.join("checkpoint.bin")).unwrap();
    let load = |bytes: &[u8]| Model::from_bytes(&c.model, bytes, &Device::flex()).unwrap().parameters_flat();
    assert_eq!(r.model.parameters_flat(), load(ck.average.as_deref().expect("an average")));
    assert_ne!(r.model.parameters_flat(), load(&ck.model));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn early_stopping_stops() {
    let train_set = dataset(16, 7);
    let valid = dataset(8, 8);
    let mut c = config(Variant::Acoustic, 30);
    c.lr = 1e-9; // nothing improves after the first epoch
    c.patience = 2;
    let dir = temp_dir("early");
    let r = train(&c, &train_set, &valid, &dir, &Device::flex(), &mut Quiet).unwrap();
    assert!(r.stopped_early);
    assert_eq!(r.epochs, 3);
    assert_eq!(r.best_epoch, 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn evaluation_metrics_follow_the_reference_tables() {
    // true ang x3 (2 right), hap x1 (right), sad x2 (1 right, 1 -> neu).
    let pairs = [(0, 0), (0, 0), (0, 1), (1, 1), (3, 3), (3, 2)];
    let e = Evaluation::from_pairs(&pairs, 0.7);
    assert_eq!(e.n, 6);
    assert!((e.wa - 4.0 / 6.0).abs() < 1e-12);
    assert!((e.ua - (2.0 / 3.0 + 1.0 + 0.5) / 3.0).abs() < 1e-12);
    assert_eq!(e.confusion[3][2], 1);
    assert!((e.loss - 0.7).abs() < 1e-12);
    let j = e.to_json();
    for k in ["wa", "ua", "per_class", "confusion", "loss", "n"] {
        assert!(j.get(k).is_some(), "{k}");
    }
    assert_eq!(emorec::train::example_weights(&dataset(8, 1), Balance::Weights, &[]), vec![1.0; 8]);
}

/// The n-gram head fitted alone first and kept apart (`ngram_apart`): the
/// network's training leaves the fitted head as it was, the saved model
/// carries it, and the words alone (the dataset's tokens differ by class)
/// classify the validation items.
#[test]
fn the_ngram_head_is_fitted_first_and_kept_apart() {
    let train_set = dataset(48, 11);
    let valid = dataset(16, 12);
    let dir = temp_dir("ngram-apart");
    let mut c = config(Variant::Lexical, 2);
    c.head_epochs = 30;
    c.ngram_weight_decay = 1e-4;
    c.model.ngram_buckets = 64;
    c.model.ngram_apart = true;
    let report = train(&c, &train_set, &valid, &dir, &Device::flex(), &mut Quiet).unwrap();
    let loaded = Model::load_dir(&report.model_dir, &Device::flex()).unwrap();
    let head = loaded.ngram_head.as_ref().expect("the saved model has the head");
    let fresh = Model::new(&c.model, c.seed, &Device::flex()).unwrap();
    let (a, b) = (head.weight.val().into_data(), fresh.ngram_head.unwrap().weight.val().into_data());
    assert_ne!(a, b, "the head was not fitted");
    // Trained twice as long, the network changes and the head does not.
    let mut longer = c.clone();
    longer.epochs = 4;
    let dir2 = temp_dir("ngram-apart-longer");
    let report2 = train(&longer, &train_set, &valid, &dir2, &Device::flex(), &mut Quiet).unwrap();
    let loaded2 = Model::load_dir(&report2.model_dir, &Device::flex()).unwrap();
    assert_eq!(loaded2.ngram_head.unwrap().weight.val().into_data(), a, "training moved the head");
    assert!(report.best.unwrap().ua > 0.9, "the words tell the classes apart");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&dir2);
}
