//! The model's forward pass as plain loops over slices, with no tensor
//! library: what the browser's CPU module runs.
//!
//! burn pays a fixed cost per tensor operation and its CPU backend brings
//! ndarray with it; for one utterance at a time that cost, not arithmetic,
//! was most of the inference time, and the two crates were most of the
//! page's download. The network is small enough to write out: two matrix
//! products per layer-direction (the input projection, one [`matmul`] for
//! all steps; the recurrence, [`recurrence::forward`], shared with the fused
//! burn operation), then pooling and fusion on vectors. Every variant and
//! pooling of [`ModelConfig`] runs here, with the same masking rules as
//! [`super::Model`] (tests compare the two to 1e-5 on every variant).
//!
//! Weights come from a safetensors file ([`weights`]) in f32 or f16: the
//! page ships f16 (half the bytes; the shipped model's probabilities move by
//! less than 1e-3, see the README).

#[cfg(feature = "burn")]
mod export;
mod matrix;
pub mod weights;

#[cfg(feature = "burn")]
pub use export::HostWeights;

use std::borrow::Cow;

use super::batch::{batch_stats, unstack_weights, Batcher, Example, Padded};
use super::lstm::recurrence::{self, Dims};
use super::predict::{assemble, Readback};
use super::{ModelConfig, ModelError, PoolKind, Prediction, Variant};
use crate::Emotion;
pub use matrix::Matrix;
use weights::Weights;

/// `y = x W + b`: `x [rows, d_in]`, `w [d_in, d_out]` row-major.
pub(crate) fn matmul(x: &[f32], w: &[f32], bias: &[f32], rows: usize) -> Vec<f32> {
    let d_out = bias.len();
    let d_in = x.len().checked_div(rows).unwrap_or(0);
    assert!(x.len() == rows * d_in && w.len() == d_in * d_out, "matmul shapes");
    affine(bias, rows, d_in * d_out, |y| matrix::add_product(y, x, w, rows, d_in, d_out))
}

/// `y = x W + b` for weights kept as a [`Matrix`].
fn matmul_packed(x: &[f32], w: &Matrix, bias: &[f32], rows: usize) -> Vec<f32> {
    assert!(x.len() == rows * w.d_in() && bias.len() == w.d_out(), "matmul shapes");
    affine(bias, rows, w.d_in() * w.d_out(), |y| w.add_product(y, x, rows))
}

/// `bias` repeated `rows` times, then `add_product` on it unless the
/// product is empty (`size` elements of `W`).
fn affine(bias: &[f32], rows: usize, size: usize, add_product: impl FnOnce(&mut [f32])) -> Vec<f32> {
    let mut y: Vec<f32> = Vec::with_capacity(rows * bias.len());
    for _ in 0..rows {
        y.extend_from_slice(bias);
    }
    if rows > 0 && size > 0 {
        add_product(&mut y);
    }
    y
}

/// `tanh` clamped as [`super::layers::tanh`] is (finite on every backend).
fn tanh(x: f32) -> f32 {
    x.clamp(-15.0, 15.0).tanh()
}

/// Softmax over `scores` where `keep` is true; zero elsewhere (all zero when
/// nothing is kept), as the masked softmax of the burn model.
fn masked_softmax(scores: &[f32], keep: impl Fn(usize) -> bool) -> Vec<f32> {
    let top = (0..scores.len()).filter(|&i| keep(i)).map(|i| scores[i]).fold(f32::NEG_INFINITY, f32::max);
    let mut w: Vec<f32> = (0..scores.len()).map(|i| if keep(i) { (scores[i] - top).exp() } else { 0.0 }).collect();
    let sum: f32 = w.iter().sum();
    if sum > 0.0 {
        w.iter_mut().for_each(|v| *v /= sum);
    }
    w
}

/// A dense layer's weights: `[d_in, d_out]` and `[d_out]`.
#[derive(Debug, Clone)]
pub struct Dense {
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
}

impl Dense {
    fn load(w: &mut Weights, name: &str, d_in: usize, d_out: usize) -> Result<Self, ModelError> {
        Ok(Dense {
            weight: w.take(&format!("{name}.weight"), &[d_in, d_out])?,
            bias: w.take(&format!("{name}.bias"), &[d_out])?,
        })
    }

    fn forward(&self, x: &[f32], rows: usize) -> Vec<f32> {
        matmul(x, &self.weight, &self.bias, rows)
    }
}

/// One direction of one LSTM layer (layout as [`super::lstm::LstmCell`]).
#[derive(Debug, Clone)]
pub struct Cell {
    pub w_input: Matrix,
    pub w_hidden: Vec<f32>,
    pub bias: Vec<f32>,
}

/// A BLSTM encoder with its pooling.
#[derive(Debug, Clone)]
pub struct Encoder {
    hidden: usize,
    /// Per layer: (forward, backward).
    layers: Vec<(Cell, Cell)>,
    pool: Pool,
    /// Prepended to the input (CLS pooling).
    cls: Option<Vec<f32>>,
}

#[derive(Debug, Clone)]
enum Pool {
    Last,
    Cls,
    Mean,
    Attention { projection: Dense, context: Vec<f32> },
}

impl Encoder {
    fn load(w: &mut Weights, name: &str, d_in: usize, kind: PoolKind, c: &ModelConfig) -> Result<Self, ModelError> {
        let h = c.hidden;
        let mut layers = Vec::with_capacity(c.layers);
        for l in 0..c.layers {
            let d = if l == 0 { d_in } else { 2 * h };
            let mut cell = |dir: &str| -> Result<Cell, ModelError> {
                let p = format!("{name}.blstm.layers.{l}.{dir}");
                Ok(Cell {
                    w_input: Matrix::new(w.take(&format!("{p}.w_input"), &[d, 4 * h])?, d, 4 * h),
                    w_hidden: w.take(&format!("{p}.w_hidden"), &[h, 4 * h])?,
                    bias: w.take(&format!("{p}.bias"), &[4 * h])?,
                })
            };
            layers.push((cell("forward")?, cell("backward")?));
        }
        let pool = match kind {
            PoolKind::Last => Pool::Last,
            PoolKind::Cls => Pool::Cls,
            PoolKind::Mean => Pool::Mean,
            PoolKind::Attention => Pool::Attention {
                projection: Dense::load(w, &format!("{name}.pool.attention.projection"), 2 * h, c.attention)?,
                context: w.take(&format!("{name}.pool.attention.context"), &[c.attention])?,
            },
        };
        let cls = match kind {
            PoolKind::Cls => Some(w.take(&format!("{name}.cls"), &[d_in])?),
            _ => None,
        };
        Ok(Encoder { hidden: h, layers, pool, cls })
    }

    /// One item (`len > 0` rows of `x`) → pooled `[2H]` and the weight of
    /// every input position when the pooling has them.
    fn forward(&self, x: &[f32], len: usize) -> (Vec<f32>, Option<Vec<f32>>) {
        let h = self.hidden;
        let (first, steps): (Cow<[f32]>, usize) = match &self.cls {
            Some(cls) => (Cow::Owned([cls.as_slice(), x].concat()), len + 1),
            None => (Cow::Borrowed(x), len),
        };
        let valid = vec![1.0f32; steps];
        let dims = Dims { batch: 1, steps, hidden: h };
        let mut input = first;
        for (fwd, bwd) in &self.layers {
            let run = |cell: &Cell, reverse: bool| {
                let gates = matmul_packed(&input, &cell.w_input, &cell.bias, steps);
                recurrence::forward(&gates, &cell.w_hidden, &valid, dims, reverse)
            };
            let (f, b) = (run(fwd, false), run(bwd, true));
            // Per step: the forward states, then the backward ones.
            let mut both = vec![0.0f32; steps * 2 * h];
            for ((row, f), b) in both.chunks_exact_mut(2 * h).zip(f.chunks_exact(h)).zip(b.chunks_exact(h)) {
                row[..h].copy_from_slice(f);
                row[h..].copy_from_slice(b);
            }
            input = Cow::Owned(both);
        }
        let out = input;
        let width = 2 * h;
        let weighted = |w: &[f32]| {
            let mut pooled = vec![0.0f32; width];
            for (row, &wt) in out.chunks_exact(width).zip(w) {
                pooled.iter_mut().zip(row).for_each(|(p, &v)| *p += wt * v);
            }
            pooled
        };
        match &self.pool {
            Pool::Attention { projection, context } => {
                let mut keys = projection.forward(&out, steps);
                // In place over all keys at once, so that the polynomial
                // tanh vectorises; then one dot product per step.
                keys.iter_mut().for_each(|k| *k = recurrence::tanh(*k));
                let scores: Vec<f32> = keys
                    .chunks_exact(context.len())
                    .map(|k| k.iter().zip(context).map(|(&k, &u)| k * u).sum())
                    .collect();
                let w = masked_softmax(&scores, |_| true);
                (weighted(&w), Some(w))
            }
            Pool::Mean => {
                let w = vec![1.0 / steps as f32; steps];
                (weighted(&w), Some(w))
            }
            Pool::Last => {
                let mut pooled = out[(steps - 1) * width..(steps - 1) * width + h].to_vec();
                pooled.extend_from_slice(&out[h..width]);
                (pooled, None)
            }
            Pool::Cls => (out[..width].to_vec(), None),
        }
    }
}

/// MMMLA's attention over the modalities.
#[derive(Debug, Clone)]
struct Fusion {
    audio: Dense,
    text: Dense,
    context: Vec<f32>,
}

/// The whole network, ready to run one utterance at a time.
#[derive(Debug, Clone)]
pub struct HostModel {
    config: ModelConfig,
    acoustic: Option<Encoder>,
    lexical: Option<Encoder>,
    fusion: Option<Fusion>,
    stats: Option<Dense>,
    stats_head: Option<Dense>,
    ngram_head: Option<Dense>,
    output: Dense,
}

impl HostModel {
    /// The network of `config` with the parameters in `weights` (a
    /// safetensors file as [`weights::to_safetensors`] writes). Every
    /// parameter must be there with its shape, and nothing else may be;
    /// except the n-gram head, which may come in its own file
    /// ([`weights::NGRAM_HEAD_FILE`], given by [`HostModel::set_ngram_head`];
    /// until then a transcript is refused, see [`HostModel::needs_ngram_head`]).
    pub fn from_safetensors(config: &ModelConfig, bytes: &[u8]) -> Result<Self, ModelError> {
        config.validate()?;
        let mut w = Weights::parse(bytes)?;
        let model = Self::load(config, &mut w)?;
        w.finish()?;
        Ok(model)
    }

    fn load(c: &ModelConfig, w: &mut Weights) -> Result<Self, ModelError> {
        let acoustic = match c.variant.uses_audio() {
            true => Some(Encoder::load(w, "acoustic", c.acoustic_step_dim(), c.acoustic_pooling.kind(), c)?),
            false => None,
        };
        let lexical = match c.variant.uses_text() {
            true => Some(Encoder::load(w, "lexical", c.word_dim, c.lexical_pooling.kind(), c)?),
            false => None,
        };
        let pooled = c.pooled_dim();
        let (fusion, out_in) = match c.variant {
            Variant::Mmmla => (
                Some(Fusion {
                    audio: Dense::load(w, "fusion.audio", pooled, c.fusion_dim)?,
                    text: Dense::load(w, "fusion.text", pooled, c.fusion_dim)?,
                    context: w.take("fusion.context", &[c.fusion_dim])?,
                }),
                c.fusion_dim,
            ),
            Variant::Mmb => (None, 2 * pooled),
            Variant::Acoustic | Variant::Lexical => (None, pooled),
        };
        let output = Dense::load(w, "output", out_in, Emotion::COUNT)?;
        let stats = match c.acoustic_stats && c.variant.uses_audio() {
            true => Some(Dense::load(w, "stats", c.stats_dim(), pooled)?),
            false => None,
        };
        let stats_head = match c.stats_head && c.variant.uses_audio() {
            true => Some(Dense::load(w, "stats_head", c.stats_dim(), Emotion::COUNT)?),
            false => None,
        };
        let ngram_head = match c.has_ngram_head() && w.has("ngram_head.weight") {
            true => Some(Dense::load(w, "ngram_head", c.ngram_buckets, Emotion::COUNT)?),
            false => None,
        };
        Ok(HostModel { config: c.clone(), acoustic, lexical, fusion, stats, stats_head, ngram_head, output })
    }

    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// Whether the config has an n-gram head whose weights are not loaded
    /// yet (they come in [`weights::NGRAM_HEAD_FILE`]).
    pub fn needs_ngram_head(&self) -> bool {
        self.config.has_ngram_head() && self.ngram_head.is_none()
    }

    /// Loads the n-gram head from its own file (`ngram_head.weight` and
    /// `.bias`, nothing else), for a model whose config has one.
    pub fn set_ngram_head(&mut self, bytes: &[u8]) -> Result<(), ModelError> {
        let c = &self.config;
        if !c.has_ngram_head() {
            return Err(ModelError::Format(format!(
                "{}: this model has no n-gram head (its config has ngram_buckets = 0)",
                weights::NGRAM_HEAD_FILE
            )));
        }
        let mut w = Weights::parse_file(bytes, weights::NGRAM_HEAD_FILE)?;
        let head = Dense::load(&mut w, "ngram_head", c.ngram_buckets, Emotion::COUNT)?;
        w.finish()?;
        self.ngram_head = Some(head);
        Ok(())
    }

    /// Predicts one example, as [`super::Model::predict`] does (same errors,
    /// same prediction to within float rounding).
    pub fn predict(&self, example: &Example) -> Result<Prediction, ModelError> {
        let v = self.config.variant;
        if !(v.uses_audio() && example.has_audio() || v.uses_text() && example.has_text()) {
            return Err(ModelError::Input(format!("the {v:?} model needs {} and the example has none", v.needs())));
        }
        if example.has_text() && self.needs_ngram_head() {
            return Err(ModelError::Input(format!(
                "the model reads transcripts with an n-gram head whose weights ({}) are not loaded yet",
                weights::NGRAM_HEAD_FILE
            )));
        }
        let batch = Batcher::new(&self.config).batch(&[example])?;
        let pooled = self.config.pooled_dim();
        // Audio reads `frame_stack` frames per step; its weights come back
        // per frame.
        let encode = |enc: &Option<Encoder>, input: &Option<Padded>, k: usize| match (enc, input) {
            (Some(enc), Some(p)) if p.lens[0] > 0 => {
                let s = if k > 1 { Cow::Owned(p.stacked(k)) } else { Cow::Borrowed(p) };
                let (v, w) = enc.forward(&s.data[..s.lens[0] * s.dim], s.lens[0]);
                (v, w.map(|w| if k > 1 { unstack_weights(&w, k, p.lens[0]) } else { w }), true)
            }
            _ => (vec![0.0; pooled], None, false),
        };
        let (mut audio, frame_attention, has_audio) =
            encode(&self.acoustic, &batch.acoustic, self.config.frames_per_step());
        let mut head = None;
        if let (Some(stats), Some((values, _)), true) = (&self.stats, batch_stats(&batch, &self.config), has_audio) {
            let extra = stats.forward(&values, 1);
            audio.iter_mut().zip(extra).for_each(|(a, e)| *a += tanh(e));
            head = self.stats_head.as_ref().map(|h| h.forward(&values, 1));
        }
        let (text, word_attention, has_text) = encode(&self.lexical, &batch.words, 1);
        if let (Some(h), Some(bag), true) = (&self.ngram_head, batch.ngrams.as_ref().and_then(|b| b.first()), has_text)
        {
            // The sparse product: only the buckets the transcript fills.
            let mut z = h.bias.clone();
            for &(j, x) in bag {
                let row = &h.weight[j as usize * Emotion::COUNT..(j as usize + 1) * Emotion::COUNT];
                z.iter_mut().zip(row).for_each(|(z, w)| *z += x * w);
            }
            head = Some(match head {
                Some(h) => h.iter().zip(&z).map(|(a, b)| a + b).collect(),
                None => z,
            });
        }
        let present = [has_audio, has_text];
        let as_f32 = |p: bool| if p { 1.0f32 } else { 0.0 };

        let (features, modality_weights) = match (&self.fusion, v) {
            (Some(f), _) => {
                let pa: Vec<f32> = f.audio.forward(&audio, 1).into_iter().map(tanh).collect();
                let pt: Vec<f32> = f.text.forward(&text, 1).into_iter().map(tanh).collect();
                let score = |p: &[f32]| p.iter().zip(&f.context).map(|(a, b)| a * b).sum::<f32>();
                let w = masked_softmax(&[score(&pa), score(&pt)], |i| present[i]);
                let fused = pa.iter().zip(&pt).map(|(a, t)| a * w[0] + t * w[1]).collect();
                (fused, vec![w[0], w[1]])
            }
            (None, Variant::Mmb) => {
                let count = (u8::from(has_audio) + u8::from(has_text)).max(1) as f32;
                ([audio, text].concat(), present.iter().map(|&p| as_f32(p) / count).collect())
            }
            (None, Variant::Lexical) => (text, present.map(as_f32).to_vec()),
            (None, _) => (audio, present.map(as_f32).to_vec()),
        };
        let mut logits = self.output.forward(&features, 1);
        if let Some(head) = head {
            logits.iter_mut().zip(head).for_each(|(l, h)| *l += h);
        }
        let probabilities = masked_softmax(&logits, |_| true);
        let raw = Readback { probabilities, modality_weights, frame_attention, word_attention };
        Ok(assemble(&batch, raw))
    }
}
