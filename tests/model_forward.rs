//! Forward passes: every variant and pooling, padding invariance, missing
//! modalities, save/load, predict.

mod model_support;

use burn::tensor::{Device, Tensor};
use emorec::model::{AcousticPooling as A, Batcher, Example, LexicalPooling as L, Model, ModelConfig, Variant};
use model_support::*;

fn device() -> Device {
    Device::flex()
}

fn rows(t: Tensor<2>) -> Vec<Vec<f32>> {
    let [b, c] = t.dims();
    let v = t.into_data().try_into_vec::<f32>().unwrap();
    (0..b).map(|i| v[i * c..(i + 1) * c].to_vec()).collect()
}

fn run(model: &Model, examples: &[&Example]) -> emorec::model::ModelOutput {
    let batch = Batcher::new(model.config()).batch(examples).unwrap();
    model.forward(&batch, None)
}

fn close(a: &[f32], b: &[f32], tol: f32) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol)
}

#[test]
fn every_variant_and_pooling_runs_on_a_padded_batch() {
    let data = dataset(3, 1);
    let refs: Vec<&Example> = data.iter().collect();
    for config in all_configs() {
        for layers in [1, 2] {
            let config = ModelConfig { layers, ..config.clone() };
            let model = Model::new(&config, 7, &device()).unwrap();
            let out = run(&model, &refs);
            assert_eq!(out.logits.dims(), [3, 4]);
            for p in rows(out.probabilities) {
                assert!(p.iter().all(|v| v.is_finite() && *v >= 0.0), "{config:?}");
                assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
            }
            let check_attention = |att: Option<Tensor<2>>, lens: Vec<usize>, expected: bool| {
                assert_eq!(att.is_some(), expected, "{config:?}");
                if let Some(att) = att {
                    for (w, len) in rows(att).iter().zip(lens) {
                        assert!((w[..len].iter().sum::<f32>() - 1.0).abs() < 1e-5);
                        assert!(w[len..].iter().all(|&v| v == 0.0));
                    }
                }
            };
            let frames: Vec<usize> = data.iter().map(|e| e.acoustic.as_ref().unwrap().len).collect();
            let words: Vec<usize> = data.iter().map(|e| e.words.as_ref().unwrap().len).collect();
            let v = config.variant;
            check_attention(out.frame_attention, frames, v != Variant::Lexical && config.acoustic_pooling != A::Last);
            check_attention(
                out.word_attention,
                words,
                v != Variant::Acoustic && matches!(config.lexical_pooling, L::Mean | L::Attention),
            );
            assert_eq!(out.modality_weights.dims(), [3, 2]);
        }
    }
}

#[test]
fn padding_does_not_change_an_item() {
    let data = dataset(8, 2);
    // The shortest item alone, then in a batch with every longer one.
    let short = data.iter().min_by_key(|e| e.acoustic.as_ref().unwrap().len + e.words.as_ref().unwrap().len).unwrap();
    let mut batch: Vec<&Example> = vec![short];
    batch.extend(data.iter().filter(|e| !std::ptr::eq(*e, short)));
    for config in all_configs() {
        let config = ModelConfig { layers: 2, ..config };
        let model = Model::new(&config, 3, &device()).unwrap();
        let alone = run(&model, &[short]);
        let mixed = run(&model, &batch);
        let pa = rows(alone.probabilities);
        let pm = rows(mixed.probabilities);
        assert!(close(&pa[0], &pm[0], 1e-5), "{config:?}: {:?} vs {:?}", pa[0], pm[0]);
        if let (Some(a), Some(m)) = (alone.frame_attention, mixed.frame_attention) {
            let (a, m) = (rows(a), rows(m));
            assert!(close(&a[0], &m[0][..a[0].len()], 1e-5));
        }
        if let (Some(a), Some(m)) = (alone.word_attention, mixed.word_attention) {
            let (a, m) = (rows(a), rows(m));
            assert!(close(&a[0], &m[0][..a[0].len()], 1e-5));
        }
        assert!(close(&rows(alone.modality_weights)[0], &rows(mixed.modality_weights)[0], 1e-6));
    }
}

fn strip(e: &Example, audio: bool, text: bool) -> Example {
    Example {
        acoustic: if audio { e.acoustic.clone() } else { None },
        words: if text { e.words.clone() } else { None },
        label: e.label,
        tokens: if text { e.tokens.clone() } else { Vec::new() },
        ..Default::default()
    }
}

#[test]
fn missing_modality_gives_defined_output_and_full_weight_to_the_present_one() {
    let data = dataset(4, 3);
    for config in [tiny(Variant::Mmmla, A::Attention, L::Attention), tiny(Variant::Mmb, A::Attention, L::Attention)] {
        let model = Model::new(&config, 5, &device()).unwrap();
        let audio_only = strip(&data[0], true, false);
        let text_only = strip(&data[1], false, true);
        let mut empty_words = data[2].clone();
        empty_words.words = Some(emorec::model::Sequence::new(0, W_DIM, vec![]).unwrap());
        let both = data[3].clone();
        let batch = [&audio_only, &text_only, &empty_words, &both];
        let out = run(&model, &batch);
        let w = rows(out.modality_weights);
        assert_eq!(w[0], vec![1.0, 0.0], "{:?}", config.variant);
        assert_eq!(w[1], vec![0.0, 1.0]);
        assert_eq!(w[2], vec![1.0, 0.0], "0 words = no text");
        assert!((w[3][0] + w[3][1] - 1.0).abs() < 1e-6 && w[3][0] > 0.0 && w[3][1] > 0.0);
        let p = rows(out.probabilities);
        for row in &p {
            assert!(row.iter().all(|v| v.is_finite()));
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        }
        // The text-only item has no frame weights, the audio-only no word weights.
        assert!(rows(out.frame_attention.unwrap())[1].iter().all(|&v| v == 0.0));
        assert!(rows(out.word_attention.unwrap())[0].iter().all(|&v| v == 0.0));
        // Alone (whole batch without the modality) gives the same result.
        let alone = rows(run(&model, &[&audio_only]).probabilities);
        assert!(close(&alone[0], &p[0], 1e-5));
        let alone = rows(run(&model, &[&text_only]).probabilities);
        assert!(close(&alone[0], &p[1], 1e-5));
        // predict() too.
        let pred = model.predict(&audio_only).unwrap();
        assert_eq!(pred.modality_weights, [1.0, 0.0]);
        assert!(pred.word_attention.is_none());
        assert_eq!(pred.frame_attention.as_ref().unwrap().len(), audio_only.acoustic.as_ref().unwrap().len);
        assert!(model.predict(&strip(&data[0], false, false)).is_err());
    }
}

#[test]
fn max_frames_truncates() {
    let data = dataset(1, 4);
    let config = ModelConfig { max_frames: 2, ..tiny(Variant::Acoustic, A::Attention, L::Attention) };
    let model = Model::new(&config, 1, &device()).unwrap();
    let pred = model.predict(&data[0]).unwrap();
    assert_eq!(pred.frame_attention.unwrap().len(), 2);
}

#[test]
fn save_then_load_gives_identical_outputs() {
    let data = dataset(5, 5);
    let refs: Vec<&Example> = data.iter().collect();
    for config in [tiny(Variant::Mmmla, A::Attention, L::Attention), tiny(Variant::Lexical, A::Attention, L::Cls)] {
        let model = Model::new(&config, 9, &device()).unwrap();
        let dir = temp_dir("save-load");
        model.save_dir(&dir).unwrap();
        let loaded = Model::load_dir(&dir, &device()).unwrap();
        assert_eq!(loaded.config(), &config);
        let a = rows(run(&model, &refs).probabilities);
        let b = rows(run(&loaded, &refs).probabilities);
        assert_eq!(a, b);
        // The browser path: config + weight bytes.
        let bytes = std::fs::read(dir.join("weights.bpk")).unwrap();
        let from_bytes = Model::from_bytes(&config, &bytes, &device()).unwrap();
        assert_eq!(rows(run(&from_bytes, &refs).probabilities), a);
        // A different shape or a damaged file is refused, not misread.
        let other = ModelConfig { hidden: 9, ..config.clone() };
        assert!(Model::from_bytes(&other, &bytes, &device()).is_err());
        assert!(Model::from_bytes(&config, &bytes[..bytes.len() / 2], &device()).is_err());
        std::fs::write(dir.join("model.json"), r#"{"format":"emorec-model","version":99,"labels":[]}"#).unwrap();
        assert!(Model::load_dir(&dir, &device()).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn same_seed_same_weights_and_shipped_configs_parse() {
    let config = tiny(Variant::Mmmla, A::Attention, L::Attention);
    let a = Model::new(&config, 11, &device()).unwrap().parameters_flat();
    let b = Model::new(&config, 11, &device()).unwrap().parameters_flat();
    let c = Model::new(&config, 12, &device()).unwrap().parameters_flat();
    assert!(a == b, "same seed, different weights");
    assert!(a != c, "different seeds, same weights");
    // Every config in the tree, configs/cpu/'s experiments included.
    let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("configs")];
    let (mut n, mut in_cpu) = (0, 0);
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).unwrap();
                emorec::train::TrainConfig::from_toml(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                n += 1;
                in_cpu += usize::from(path.parent().is_some_and(|p| p.ends_with("cpu")));
            }
        }
    }
    assert!(n >= 9 && in_cpu >= 30, "{n} configs, {in_cpu} in configs/cpu");
}

/// `frame_dropout` leaves the pooled BLSTM vector out of training items, so
/// that the statistics (the same for frames in any order) decide alone: with
/// every item's frame path left out, reversing the frames changes nothing in
/// training mode; with none left out, it does.
#[test]
fn frame_dropout_leaves_the_statistics_alone() {
    let reversed = |e: &Example| {
        let s = e.acoustic.as_ref().unwrap();
        let rows: Vec<f32> = s.data.chunks(s.dim).rev().flatten().copied().collect();
        Example { acoustic: Some(emorec::model::Sequence::new(s.len, s.dim, rows).unwrap()), ..e.clone() }
    };
    let data = dataset(4, 9);
    let flipped: Vec<Example> = data.iter().map(reversed).collect();
    let train_logits = |config: &ModelConfig, examples: &[Example]| {
        let model = Model::new(config, 5, &device()).unwrap();
        let refs: Vec<&Example> = examples.iter().collect();
        let batch = Batcher::new(config).batch(&refs).unwrap();
        rows(model.forward(&batch, Some(&mut emorec::rng::Rng::new(1))).logits)
    };
    let base = ModelConfig {
        acoustic_stats: true,
        stats_head: true,
        dropout: 0.0,
        ..tiny(Variant::Acoustic, A::Attention, L::Attention)
    };
    let all_dropped = ModelConfig { frame_dropout: 0.999_999, ..base.clone() };
    let (a, b) = (train_logits(&all_dropped, &data), train_logits(&all_dropped, &flipped));
    assert!(a.iter().zip(&b).all(|(x, y)| close(x, y, 1e-5)), "{a:?} against {b:?}");
    let (a, b) = (train_logits(&base, &data), train_logits(&base, &flipped));
    assert!(a.iter().zip(&b).any(|(x, y)| !close(x, y, 1e-3)), "the frame path should see the order");
    assert!(ModelConfig { frame_dropout: 1.0, ..base.clone() }.validate().is_err());
    assert!(ModelConfig { acoustic_stats: false, ..base }.validate().is_err(), "stats_head needs the statistics");
}

/// `ngram_apart`: in training mode the network runs without the n-gram
/// head's scores (the same output as with no head at all, dropout masks
/// alike), and in inference the head's scores join them.
#[test]
fn ngram_apart_keeps_the_head_out_of_training() {
    let data = dataset(4, 2);
    let refs: Vec<&Example> = data.iter().collect();
    let config =
        ModelConfig { ngram_buckets: 16, ngram_apart: true, ..tiny(Variant::Lexical, A::Attention, L::Attention) };
    let model = Model::new(&config, 5, &device()).unwrap();
    let mut headless = Model::new(&config, 5, &device()).unwrap();
    headless.ngram_head = None;
    let batch = Batcher::new(&config).batch(&refs).unwrap();
    let train = |m: &Model| rows(m.forward(&batch, Some(&mut emorec::rng::Rng::new(3))).logits);
    for (a, b) in train(&model).iter().zip(train(&headless)) {
        assert!(close(a, &b, 0.0), "the head reaches training: {a:?} vs {b:?}");
    }
    let infer = |m: &Model| rows(m.forward(&batch, None).logits);
    let differs = infer(&model).iter().zip(infer(&headless)).any(|(a, b)| !close(a, &b, 1e-6));
    assert!(differs, "the head is missing in inference");
}
