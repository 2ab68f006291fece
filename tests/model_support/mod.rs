//! Shared helpers for the model tests: tiny configs and a synthetic,
//! separable data set (the class sets the mean of the frames and words).
#![allow(dead_code)]

use emorec::model::{AcousticPooling, Example, LexicalPooling, ModelConfig, Sequence, Variant};
use emorec::rng::Rng;
use emorec::Emotion;

pub const A_DIM: usize = 4;
pub const W_DIM: usize = 3;

pub fn tiny(variant: Variant, ap: AcousticPooling, lp: LexicalPooling) -> ModelConfig {
    ModelConfig {
        variant,
        acoustic_pooling: ap,
        lexical_pooling: lp,
        acoustic_dim: A_DIM,
        word_dim: W_DIM,
        hidden: 8,
        layers: 1,
        attention: 6,
        fusion_dim: 5,
        dropout: 0.1,
        max_frames: 0,
        max_words: 0,
        acoustic_stats: false,
        voiced_stats: false,
        stats_head: false,
        frame_dropout: 0.0,
        ngram_buckets: 0,
        ngram_apart: false,
        frame_stack: 0,
    }
}

pub fn seq(rng: &mut Rng, len: usize, dim: usize, mean: f32) -> Sequence {
    let data =
        (0..len * dim).map(|i| mean * if i % 2 == 0 { 1.0 } else { -0.5 } + rng.uniform(-1.0, 1.0) as f32).collect();
    Sequence::new(len, dim, data).unwrap()
}

/// `n` labelled examples with both modalities; class c has mean (c - 1.5).
pub fn dataset(n: usize, seed: u64) -> Vec<Example> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| {
            let c = i % 4;
            let m = c as f32 - 1.5;
            let frames = 3 + rng.below(10);
            let words = 1 + rng.below(5);
            Example {
                acoustic: Some(seq(&mut rng, frames, A_DIM, m)),
                words: Some(seq(&mut rng, words, W_DIM, m)),
                label: Emotion::from_index(c),
                // Words that differ by class, for the n-gram head.
                tokens: (0..words).map(|j| format!("{}{j}", ["grr", "yay", "meh", "sob"][c])).collect(),
                ..Default::default()
            }
        })
        .collect()
}

pub fn all_configs() -> Vec<ModelConfig> {
    use AcousticPooling as A;
    use LexicalPooling as L;
    let mut v = Vec::new();
    for ap in [A::Last, A::Mean, A::Attention] {
        v.push(tiny(Variant::Acoustic, ap, L::Attention));
    }
    for lp in [L::Last, L::Cls, L::Mean, L::Attention] {
        v.push(tiny(Variant::Lexical, A::Attention, lp));
    }
    v.push(tiny(Variant::Mmb, A::Attention, L::Attention));
    v.push(tiny(Variant::Mmb, A::Last, L::Cls));
    v.push(tiny(Variant::Mmmla, A::Attention, L::Attention));
    v.push(tiny(Variant::Mmmla, A::Mean, L::Last));
    // Utterance statistics beside the pooled frames.
    v.push(ModelConfig { acoustic_stats: true, ..tiny(Variant::Acoustic, A::Attention, L::Attention) });
    v.push(ModelConfig { acoustic_stats: true, ..tiny(Variant::Mmb, A::Mean, L::Attention) });
    // ... and straight to the logits, the frame path dropped for some items.
    v.push(ModelConfig {
        acoustic_stats: true,
        stats_head: true,
        frame_dropout: 0.3,
        ..tiny(Variant::Mmmla, A::Attention, L::Attention)
    });
    // Hashed character n-grams of the tokens straight to the logits.
    v.push(ModelConfig { ngram_buckets: 16, ..tiny(Variant::Lexical, A::Attention, L::Attention) });
    v
}

pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("emorec-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}
