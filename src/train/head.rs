//! Fitting the linear heads (utterance statistics, n-grams) on their own
//! before the network trains (`head_epochs`).
//!
//! The head is a linear classifier on a few hundred statistics. Trained
//! jointly with a BLSTM for the dozen epochs the BLSTM needs to memorise a
//! small corpus, it is still far from converged when early stopping picks an
//! epoch (a plain softmax regression on RAVDESS's actors reaches about 63 %
//! UA after 12 epochs of Adam at 0.002 and about 69 % after 100). Fitted
//! first, alone, it costs milliseconds (no frames, no autodiff), and the
//! network then starts from the classifier that generalises and learns what
//! the frames add to it. The n-gram head (`ngram_buckets`) likewise: a
//! regression on thousands of sparse inputs that the word BLSTM then adds to.

use crate::model::batch::batch_stats;
use crate::model::{Batcher, Example, ModelConfig, ModelError};
use crate::rng::Rng;
use crate::text::ngrams::hashed_ngrams;
use crate::Emotion;

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;

/// A fitted head: `weight` is `[stats_dim, 4]` row-major, as `Dense` holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadFit {
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
    /// Weighted cross-entropy over the training items after the last epoch.
    pub loss: f64,
}

/// How the head is fitted: the training config's optimiser settings.
#[derive(Debug, Clone, Copy)]
pub struct HeadSettings {
    pub epochs: usize,
    pub batch_size: usize,
    pub lr: f64,
    pub epsilon: f64,
    pub weight_decay: f64,
}

/// Which linear head to fit: what its inputs are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinearHead {
    /// `stats_head`: the utterance statistics (as `config`'s model computes
    /// them, speaker offsets applied); examples without audio are skipped.
    Statistics,
    /// The n-gram head (`ngram_buckets`): the hashed character n-grams of the
    /// tokens; examples without text are skipped.
    Ngrams,
}

impl LinearHead {
    fn name(self) -> &'static str {
        match self {
            LinearHead::Statistics => "statistics",
            LinearHead::Ngrams => "n-gram",
        }
    }

    /// Input columns (0: the model has none for this head).
    fn columns(self, config: &ModelConfig) -> usize {
        match self {
            LinearHead::Statistics => config.stats_dim(),
            LinearHead::Ngrams => config.ngram_buckets,
        }
    }

    /// Each usable labelled example as a sparse input, with its weight.
    fn items(self, config: &ModelConfig, train: &[Example], weights: &[f64]) -> Result<Vec<Item>, ModelError> {
        if weights.len() != train.len() {
            return Err(ModelError::Input(format!("{} weights for {} examples", weights.len(), train.len())));
        }
        let mut items = Vec::new();
        match self {
            LinearHead::Statistics => {
                let batcher = Batcher::new(config);
                for (e, &w) in train.iter().zip(weights).filter(|(e, _)| e.has_audio()) {
                    let Some(label) = e.label else { continue };
                    let batch = batcher.batch(&[e])?;
                    let (values, _) = batch_stats(&batch, config).expect("an example with audio");
                    items.push((values.iter().map(|&v| f64::from(v)).enumerate().collect(), label.index(), w));
                }
            }
            LinearHead::Ngrams => {
                for (e, &w) in train.iter().zip(weights).filter(|(e, _)| e.has_text()) {
                    let Some(label) = e.label else { continue };
                    let bag = hashed_ngrams(&e.tokens, config.ngram_buckets);
                    items.push((bag.into_iter().map(|(j, v)| (j as usize, f64::from(v))).collect(), label.index(), w));
                }
            }
        }
        Ok(items)
    }
}

/// Fits a softmax regression from each labelled example's inputs (`head`) to
/// its class, with weighted cross-entropy (`weights`, one per example of
/// `train`, normalised per batch as the network's loss is), L2
/// `weight_decay` and Adam, starting from `weight`/`bias`.
pub fn fit_linear_head(
    head: LinearHead,
    config: &ModelConfig,
    train: &[Example],
    weights: &[f64],
    settings: HeadSettings,
    init: (&[f32], &[f32]),
    rng: &mut Rng,
) -> Result<HeadFit, ModelError> {
    let what = head.name();
    let d = head.columns(config);
    if d == 0 {
        return Err(ModelError::Config(format!("the model has no inputs for a {what} head")));
    }
    let items = head.items(config, train, weights)?;
    if items.is_empty() {
        let needs = if head == LinearHead::Statistics { "audio" } else { "text" };
        return Err(ModelError::Input(format!("no labelled training example with {needs} to fit the {what} head on")));
    }
    fit_softmax(&items, d, what, settings, init, rng)
}

/// A sparse input (`(column, value)` pairs), its class and its weight.
type Item = (Vec<(usize, f64)>, usize, f64);

/// The regression itself, over `d` input columns.
fn fit_softmax(
    items: &[Item],
    d: usize,
    what: &str,
    settings: HeadSettings,
    init: (&[f32], &[f32]),
    rng: &mut Rng,
) -> Result<HeadFit, ModelError> {
    let c = Emotion::COUNT;
    if init.0.len() != d * c || init.1.len() != c {
        return Err(ModelError::Config(format!("the {what} head has {} weights, expected {}", init.0.len(), d * c)));
    }
    let mut w: Vec<f64> = init.0.iter().map(|&v| f64::from(v)).collect();
    let mut b: Vec<f64> = init.1.iter().map(|&v| f64::from(v)).collect();
    let (mut mw, mut vw) = (vec![0.0; d * c], vec![0.0; d * c]);
    let (mut mb, mut vb) = (vec![0.0; c], vec![0.0; c]);
    let (mut gw, mut gb) = (vec![0.0; d * c], vec![0.0; c]);
    let mut step = 0i32;
    let mut order: Vec<usize> = (0..items.len()).collect();
    for _ in 0..settings.epochs {
        rng.shuffle(&mut order);
        for chunk in order.chunks(settings.batch_size.max(1)) {
            let total: f64 = chunk.iter().map(|&i| items[i].2).sum();
            if total <= 0.0 {
                continue;
            }
            gw.fill(0.0);
            gb.fill(0.0);
            for &i in chunk {
                let (x, y, weight) = &items[i];
                let p = softmax(&logits(x, &w, &b));
                let scale = weight / total;
                for k in 0..c {
                    let g = scale * (p[k] - if k == *y { 1.0 } else { 0.0 });
                    gb[k] += g;
                    for &(j, x) in x {
                        gw[j * c + k] += g * x;
                    }
                }
            }
            step += 1;
            let lr = settings.lr * (1.0 - BETA2.powi(step)).sqrt() / (1.0 - BETA1.powi(step));
            adam(&mut w, &gw, &mut mw, &mut vw, lr, settings);
            adam(&mut b, &gb, &mut mb, &mut vb, lr, settings);
        }
    }
    let (mut loss, mut total) = (0.0, 0.0);
    for (x, y, weight) in items {
        let p = softmax(&logits(x, &w, &b));
        loss -= weight * p[*y].max(1e-12).ln();
        total += weight;
    }
    Ok(HeadFit {
        weight: w.iter().map(|&v| v as f32).collect(),
        bias: b.iter().map(|&v| v as f32).collect(),
        loss: loss / total.max(1e-12),
    })
}

fn logits(x: &[(usize, f64)], w: &[f64], b: &[f64]) -> Vec<f64> {
    let c = b.len();
    let mut z = b.to_vec();
    for &(j, xj) in x {
        for k in 0..c {
            z[k] += xj * w[j * c + k];
        }
    }
    z
}

fn softmax(z: &[f64]) -> Vec<f64> {
    let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = z.iter().map(|&v| (v - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|v| v / s).collect()
}

/// One Adam step (bias correction folded into `lr`), L2 added to the
/// gradient as burn's `WeightDecay` does.
fn adam(p: &mut [f64], g: &[f64], m: &mut [f64], v: &mut [f64], lr: f64, s: HeadSettings) {
    for i in 0..p.len() {
        let g = g[i] + s.weight_decay * p[i];
        m[i] = BETA1 * m[i] + (1.0 - BETA1) * g;
        v[i] = BETA2 * v[i] + (1.0 - BETA2) * g * g;
        p[i] -= lr * m[i] / (v[i].sqrt() + s.epsilon);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Sequence;

    /// Four classes told apart by the mean of one descriptor: the fitted head
    /// classifies its training items and its loss falls from the start's.
    #[test]
    fn fits_a_separable_problem() {
        let config = ModelConfig { acoustic_dim: 2, acoustic_stats: true, ..Default::default() };
        let mut rng = Rng::new(3);
        let examples: Vec<Example> = (0..80)
            .map(|i| {
                let class = i % 4;
                let data =
                    (0..20).map(|t| class as f32 + 0.3 * rng.uniform(-1.0, 1.0) as f32 * (t % 2) as f32).collect();
                Example {
                    acoustic: Some(Sequence::new(10, 2, data).unwrap()),
                    label: Emotion::from_index(class),
                    ..Default::default()
                }
            })
            .collect();
        let settings = HeadSettings { epochs: 200, batch_size: 16, lr: 0.05, epsilon: 1e-8, weight_decay: 0.0 };
        let zeros = (vec![0.0f32; 4 * 4], vec![0.0f32; 4]);
        let untrained = HeadSettings { epochs: 0, ..settings };
        let weights = vec![1.0; examples.len()];
        let start = fit_linear_head(
            LinearHead::Statistics,
            &config,
            &examples,
            &weights,
            untrained,
            (&zeros.0, &zeros.1),
            &mut rng,
        )
        .unwrap();
        assert!((start.loss - 4f64.ln()).abs() < 1e-9, "{}", start.loss);
        let fit = fit_linear_head(
            LinearHead::Statistics,
            &config,
            &examples,
            &weights,
            settings,
            (&zeros.0, &zeros.1),
            &mut rng,
        )
        .unwrap();
        assert!(fit.loss < 0.3, "loss {}", fit.loss);
        for e in &examples {
            let batch = Batcher::new(&config).batch(&[e]).unwrap();
            let (x, _) = batch_stats(&batch, &config).unwrap();
            let x: Vec<(usize, f64)> = x.iter().map(|&v| f64::from(v)).enumerate().collect();
            let w: Vec<f64> = fit.weight.iter().map(|&v| f64::from(v)).collect();
            let b: Vec<f64> = fit.bias.iter().map(|&v| f64::from(v)).collect();
            let z = logits(&x, &w, &b);
            let best = (0..4).max_by(|&i, &j| z[i].total_cmp(&z[j])).unwrap();
            assert_eq!(Some(best), e.label.map(Emotion::index));
        }
        let bad = fit_linear_head(
            LinearHead::Statistics,
            &ModelConfig::default(),
            &examples,
            &weights,
            settings,
            (&[], &[]),
            &mut rng,
        );
        assert!(bad.is_err());
    }

    /// Lines told apart by their words alone: the fitted n-gram head gets
    /// them right, and items without text are not used.
    #[test]
    fn fits_the_ngram_head_on_the_tokens() {
        let config = ModelConfig { variant: crate::model::Variant::Lexical, ngram_buckets: 256, ..Default::default() };
        let words = ["furious", "delighted", "whatever", "heartbroken"];
        let examples: Vec<Example> = (0..40)
            .map(|i| Example {
                words: Some(Sequence::new(2, 50, vec![0.0; 100]).unwrap()),
                tokens: vec![words[i % 4].to_string(), format!("filler{}", i % 5)],
                label: Emotion::from_index(i % 4),
                ..Default::default()
            })
            .collect();
        let settings = HeadSettings { epochs: 100, batch_size: 8, lr: 0.05, epsilon: 1e-8, weight_decay: 0.0 };
        let zeros = (vec![0.0f32; 256 * 4], vec![0.0f32; 4]);
        let mut rng = Rng::new(1);
        let fit = fit_linear_head(
            LinearHead::Ngrams,
            &config,
            &examples,
            &[1.0; 40],
            settings,
            (&zeros.0, &zeros.1),
            &mut rng,
        )
        .unwrap();
        assert!(fit.loss < 0.1, "loss {}", fit.loss);
        let no_text: Vec<Example> = examples.iter().map(|e| Example { words: None, ..e.clone() }).collect();
        let e = fit_linear_head(
            LinearHead::Ngrams,
            &config,
            &no_text,
            &[1.0; 40],
            settings,
            (&zeros.0, &zeros.1),
            &mut rng,
        )
        .unwrap_err();
        assert!(e.to_string().contains("with text"), "{e}");
    }
}
