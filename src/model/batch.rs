//! In-memory examples and the batcher that pads them.
//!
//! The model never sees ragged data: the batcher pads every sequence to the
//! longest in the batch and keeps the true lengths, from which the model
//! builds its masks (pooling, attention and the BLSTM's backward direction
//! all ignore padding, so an item's output does not depend on its batch).

use crate::text::ngrams::hashed_ngrams;
use crate::Emotion;

use super::{ModelConfig, ModelError};

/// A matrix of `len` rows of `dim` values, row-major: acoustic frames (one
/// row per 10 ms) or word embeddings (one row per word).
#[derive(Debug, Clone, PartialEq)]
pub struct Sequence {
    pub len: usize,
    pub dim: usize,
    pub data: Vec<f32>,
}

impl Sequence {
    pub fn new(len: usize, dim: usize, data: Vec<f32>) -> Result<Self, ModelError> {
        if data.len() != len * dim {
            return Err(ModelError::Input(format!(
                "sequence of {len} x {dim} needs {} values, got {}",
                len * dim,
                data.len()
            )));
        }
        Ok(Sequence { len, dim, data })
    }

    /// Builds a sequence from rows of equal length.
    pub fn from_rows(rows: &[Vec<f32>]) -> Result<Self, ModelError> {
        let dim = rows.first().map_or(0, Vec::len);
        if rows.iter().any(|r| r.len() != dim) {
            return Err(ModelError::Input("rows of different lengths".into()));
        }
        Ok(Sequence { len: rows.len(), dim, data: rows.concat() })
    }

    pub fn row(&self, t: usize) -> &[f32] {
        &self.data[t * self.dim..(t + 1) * self.dim]
    }
}

/// One utterance as the model sees it. A missing or empty sequence means the
/// modality is absent (an utterance with 0 words has no text).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Example {
    /// Normalised acoustic low-level descriptors, one row per frame.
    pub acoustic: Option<Sequence>,
    /// Word embeddings, one row per word.
    pub words: Option<Sequence>,
    /// Needed for training and evaluation only.
    pub label: Option<Emotion>,
    /// The speaker's mean utterance statistics (`[config.stats_dim()]`, see
    /// [`mean_statistics`]), subtracted from this utterance's before the
    /// model reads them (`centre_stats`); `None`: nothing subtracted.
    pub stats_offset: Option<Vec<f32>>,
    /// What the centred statistics are then multiplied by: the training
    /// speakers' typical deviation of each over this speaker's
    /// (`standardise_stats`, see [`StatisticsMoments::scale`]); `None`: 1.
    pub stats_scale: Option<Vec<f32>>,
    /// The transcript's tokens, which the n-gram head reads
    /// (`ModelConfig::ngram_buckets`; all of them, `max_words` caps only
    /// the word vectors). Empty: none.
    pub tokens: Vec<String>,
}

impl Example {
    pub fn has_audio(&self) -> bool {
        self.acoustic.as_ref().is_some_and(|s| s.len > 0)
    }
    pub fn has_text(&self) -> bool {
        self.words.as_ref().is_some_and(|s| s.len > 0)
    }
}

/// One modality of a batch, padded with zeros to the longest item.
#[derive(Debug, Clone, PartialEq)]
pub struct Padded {
    /// `[batch, max_len, dim]`, row-major.
    pub data: Vec<f32>,
    /// True length of every item (0: the item lacks this modality).
    pub lens: Vec<usize>,
    /// At least 1, so that tensors are never empty.
    pub max_len: usize,
    pub dim: usize,
}

impl Padded {
    pub fn batch_size(&self) -> usize {
        self.lens.len()
    }

    /// The same items with every `k` consecutive positions side by side as
    /// one (`frame_stack`): `dim` becomes `k dim`, each length
    /// `ceil(len / k)`, the last step of an item padded with zeros.
    pub fn stacked(&self, k: usize) -> Padded {
        let k = k.max(1);
        let steps = self.max_len.div_ceil(k);
        let (item, item_stacked) = (self.max_len * self.dim, steps * k * self.dim);
        let mut data = vec![0.0f32; self.batch_size() * item_stacked];
        for (to, from) in data.chunks_exact_mut(item_stacked).zip(self.data.chunks_exact(item)) {
            to[..item].copy_from_slice(from);
        }
        Padded { data, lens: self.lens.iter().map(|l| l.div_ceil(k)).collect(), max_len: steps, dim: k * self.dim }
    }
}

/// Per-frame weights from per-step ones (`frame_stack` = `k`): each of a
/// step's `k` frames gets a `k`-th of the step's weight, for the first `len`
/// frames.
pub fn unstack_weights(steps: &[f32], k: usize, len: usize) -> Vec<f32> {
    let k = k.max(1);
    (0..len).map(|t| steps.get(t / k).map_or(0.0, |w| w / k as f32)).collect()
}

/// A padded batch. A modality is `None` when the variant does not use it or no
/// item of the batch has it.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub size: usize,
    pub acoustic: Option<Padded>,
    pub words: Option<Padded>,
    /// Class indices, when every item is labelled.
    pub labels: Option<Vec<usize>>,
    /// `[batch, stats_dim]`: each item's [`Example::stats_offset`] (zeros
    /// where it has none); `None` when no item has one.
    pub stats_offset: Option<Vec<f32>>,
    /// `[batch, stats_dim]`: each item's [`Example::stats_scale`] (ones
    /// where it has none); `None` when no item has one.
    pub stats_scale: Option<Vec<f32>>,
    /// Each item's hashed character n-grams (`text::ngrams::hashed_ngrams`;
    /// empty for an item without text); `None` for a model without an
    /// n-gram head.
    pub ngrams: Option<Vec<Vec<(u32, f32)>>>,
}

/// Pads examples into [`Batch`]es for one model configuration (its input
/// sizes, the modalities its variant reads, and the `max_frames`/`max_words`
/// caps, which keep the first frames/words and drop the rest).
#[derive(Debug, Clone)]
pub struct Batcher {
    use_audio: bool,
    use_text: bool,
    acoustic_dim: usize,
    word_dim: usize,
    max_frames: usize,
    max_words: usize,
    stats_dim: usize,
    ngram_buckets: usize,
}

impl Batcher {
    pub fn new(config: &ModelConfig) -> Self {
        Batcher {
            use_audio: config.variant.uses_audio(),
            use_text: config.variant.uses_text(),
            acoustic_dim: config.acoustic_dim,
            word_dim: config.word_dim,
            max_frames: config.max_frames,
            max_words: config.max_words,
            stats_dim: config.stats_dim(),
            ngram_buckets: if config.has_ngram_head() { config.ngram_buckets } else { 0 },
        }
    }

    /// This batcher without the n-gram bags (`Batch::ngrams` stays `None`),
    /// for a forward pass that leaves the n-gram head out.
    pub fn without_ngrams(self) -> Self {
        Batcher { ngram_buckets: 0, ..self }
    }

    pub fn batch(&self, examples: &[&Example]) -> Result<Batch, ModelError> {
        if examples.is_empty() {
            return Err(ModelError::Input("empty batch".into()));
        }
        let acoustic = if self.use_audio {
            pad(examples.iter().map(|e| e.acoustic.as_ref()), self.acoustic_dim, self.max_frames, "acoustic")?
        } else {
            None
        };
        let words = if self.use_text {
            pad(examples.iter().map(|e| e.words.as_ref()), self.word_dim, self.max_words, "word")?
        } else {
            None
        };
        let labels: Option<Vec<usize>> = examples.iter().map(|e| e.label.map(Emotion::index)).collect();
        let stats_offset = self.per_item(examples, |e| e.stats_offset.as_deref(), 0.0, "mean statistics")?;
        let stats_scale = self.per_item(examples, |e| e.stats_scale.as_deref(), 1.0, "statistics scales")?;
        let ngrams = (self.ngram_buckets > 0).then(|| {
            let bag = |e: &&Example| match e.has_text() {
                true => hashed_ngrams(&e.tokens, self.ngram_buckets),
                false => Vec::new(),
            };
            examples.iter().map(bag).collect()
        });
        Ok(Batch { size: examples.len(), acoustic, words, labels, stats_offset, stats_scale, ngrams })
    }

    /// `[batch, stats_dim]` of one per-speaker vector of the examples
    /// (`fill` where an item has none); `None` when no item has one.
    fn per_item(
        &self,
        examples: &[&Example],
        get: impl Fn(&Example) -> Option<&[f32]>,
        fill: f32,
        what: &str,
    ) -> Result<Option<Vec<f32>>, ModelError> {
        if !examples.iter().any(|e| get(e).is_some()) {
            return Ok(None);
        }
        let d = self.stats_dim;
        let mut out = vec![fill; examples.len() * d];
        for (i, e) in examples.iter().enumerate() {
            let Some(v) = get(e) else { continue };
            if v.len() != d {
                return Err(ModelError::Input(format!(
                    "a speaker's {what} have {} values, the model reads {d}",
                    v.len()
                )));
            }
            out[i * d..(i + 1) * d].copy_from_slice(v);
        }
        Ok(Some(out))
    }
}

fn pad<'a>(
    seqs: impl Iterator<Item = Option<&'a Sequence>> + Clone,
    dim: usize,
    cap: usize,
    what: &str,
) -> Result<Option<Padded>, ModelError> {
    let cap = if cap == 0 { usize::MAX } else { cap };
    let mut lens = Vec::new();
    for s in seqs.clone() {
        let len = match s {
            Some(s) if s.len > 0 => {
                if s.dim != dim || s.data.len() != s.len * s.dim {
                    return Err(ModelError::Input(format!(
                        "{what} rows have {} values ({} in all for {} rows), the model expects {dim}",
                        s.dim,
                        s.data.len(),
                        s.len
                    )));
                }
                s.len.min(cap)
            }
            _ => 0,
        };
        lens.push(len);
    }
    let max_len = lens.iter().copied().max().unwrap_or(0);
    if max_len == 0 {
        return Ok(None);
    }
    let mut data = vec![0.0f32; lens.len() * max_len * dim];
    for (b, (s, &len)) in seqs.zip(&lens).enumerate() {
        if let Some(s) = s {
            let dst = b * max_len * dim;
            data[dst..dst + len * dim].copy_from_slice(&s.data[..len * dim]);
        }
    }
    Ok(Some(Padded { data, lens, max_len, dim }))
}

/// Per item, the utterance statistics `acoustic_stats` feeds the model
/// (`[B, config.stats_dim()]`, zeros for an item without audio), and 1/0 for
/// whether it has audio (`[B, 1]`): the mean and standard deviation of every
/// column over its valid frames, then with `voiced_stats` those of the
/// voicing columns over the voiced frames and the share of voiced frames.
/// Computed from the input data directly: it needs no gradient, and one pass
/// over the batch costs less than the tensor ops.
///
/// A frame is voiced where F0 is above its lowest value in the utterance:
/// the extractor writes F0 = 0 where there is no voice, and every
/// normalisation before the model is a per-column increasing affine map, so
/// unvoiced frames share that lowest value exactly whatever the statistics
/// (an utterance voiced throughout loses its lowest-pitched frame, which
/// moves a mean by 1/n).
pub(crate) fn utterance_stats(input: &Padded, config: &ModelConfig) -> (Vec<f32>, Vec<f32>) {
    let (b, t, d) = (input.batch_size(), input.max_len, input.dim);
    let width = config.stats_dim();
    let voicing = if config.voiced_stats { config.voicing_columns() } else { Vec::new() };
    let mut out = vec![0.0f32; b * width];
    let mut has = vec![0.0f32; b];
    let all: Vec<usize> = (0..d).collect();
    for (i, &len) in input.lens.iter().enumerate() {
        if len == 0 {
            continue;
        }
        has[i] = 1.0;
        let frames = &input.data[i * t * d..(i * t + len) * d];
        let o = &mut out[i * width..(i + 1) * width];
        mean_and_std(frames, d, &all, |_| true, &mut o[..2 * d]);
        if let Some(&f0) = voicing.first() {
            let floor = frames.chunks_exact(d).map(|row| row[f0]).fold(f32::INFINITY, f32::min);
            let voiced = |row: &[f32]| row[f0] > floor;
            let v = voicing.len();
            let n = mean_and_std(frames, d, &voicing, voiced, &mut o[2 * d..2 * d + 2 * v]);
            o[2 * d + 2 * v] = n as f32 / len as f32;
        }
    }
    (out, has)
}

/// [`utterance_stats`] of the batch's audio with each item's speaker offset
/// ([`Batch::stats_offset`]) subtracted; `None` without audio or for a model
/// without statistics. What every engine feeds its statistics layers.
pub(crate) fn batch_stats(batch: &Batch, config: &ModelConfig) -> Option<(Vec<f32>, Vec<f32>)> {
    let input = batch.acoustic.as_ref().filter(|_| config.acoustic_stats)?;
    let (mut values, has) = utterance_stats(input, config);
    if let Some(offset) = &batch.stats_offset {
        values.iter_mut().zip(offset).for_each(|(v, o)| *v -= o);
    }
    if let Some(scale) = &batch.stats_scale {
        values.iter_mut().zip(scale).for_each(|(v, s)| *v *= s);
    }
    Some((values, has))
}

/// The mean of the utterance statistics of `sequences` (one speaker's
/// normalised descriptors, the frame cap applied as in a batch): what
/// [`Example::stats_offset`] holds. Zeros for no sequence.
pub fn mean_statistics<'a>(
    sequences: impl IntoIterator<Item = &'a Sequence>,
    config: &ModelConfig,
) -> Result<Vec<f32>, ModelError> {
    Ok(StatisticsMoments::of(sequences, config)?.mean)
}

/// How one speaker's utterance statistics spread over their recordings.
#[derive(Debug, Clone, PartialEq)]
pub struct StatisticsMoments {
    /// Mean of each utterance statistic (zeros for no recording).
    pub mean: Vec<f32>,
    /// Population deviation of each (zeros for fewer than two recordings).
    pub std: Vec<f32>,
    /// Recordings they come from.
    pub count: usize,
}

/// Pseudo-recordings of the prior deviation that a speaker's own deviation
/// is pooled with in [`StatisticsMoments::scale`]: a deviation from a few
/// calibration recordings is mostly noise, one from sixty is the speaker's.
pub const SPREAD_PRIOR_RECORDINGS: f64 = 8.0;

impl StatisticsMoments {
    /// Moments of the utterance statistics of `sequences` (one speaker's
    /// normalised descriptors, the frame cap applied as in a batch).
    pub fn of<'a>(sequences: impl IntoIterator<Item = &'a Sequence>, config: &ModelConfig) -> Result<Self, ModelError> {
        let d = config.stats_dim();
        let (mut sum, mut sq) = (vec![0.0f64; d], vec![0.0f64; d]);
        let mut n = 0usize;
        let batcher = Batcher::new(config);
        for s in sequences {
            let e = Example { acoustic: Some(s.clone()), ..Default::default() };
            let Some(input) = batcher.batch(&[&e])?.acoustic else { continue };
            let (values, _) = utterance_stats(&input, config);
            for ((a, q), &v) in sum.iter_mut().zip(&mut sq).zip(&values) {
                *a += f64::from(v);
                *q += f64::from(v) * f64::from(v);
            }
            n += 1;
        }
        let k = n.max(1) as f64;
        let mean: Vec<f32> = sum.iter().map(|&a| (a / k) as f32).collect();
        let std = sum.iter().zip(&sq).map(|(&a, &q)| ((q / k - (a / k) * (a / k)).max(0.0)).sqrt() as f32).collect();
        Ok(StatisticsMoments { mean, std, count: n })
    }

    /// What the centred statistics are multiplied by ([`Example::stats_scale`]):
    /// the training speakers' typical within-speaker deviation `prior` over
    /// the speaker's own, pooled with `prior` weighted as
    /// [`SPREAD_PRIOR_RECORDINGS`] recordings (so that few recordings lean on
    /// the prior). A speaker who varies twice as much as the typical one is
    /// halved, and the statistics keep the size the model was trained on. A
    /// statistic with no prior spread is left as it is.
    pub fn scale(&self, prior: &[f32]) -> Vec<f32> {
        spread_scale(&self.std, self.count, prior)
    }
}

/// [`StatisticsMoments::scale`] of a deviation `std` over `count` recordings.
pub fn spread_scale(std: &[f32], count: usize, prior: &[f32]) -> Vec<f32> {
    let n = count as f64;
    let k = SPREAD_PRIOR_RECORDINGS;
    std.iter()
        .zip(prior)
        .map(|(&s, &p)| {
            let (s, p) = (f64::from(s), f64::from(p));
            let var = (n * s * s + k * p * p) / (n + k);
            if p > 0.0 && var > 0.0 {
                (p / var.sqrt()) as f32
            } else {
                1.0
            }
        })
        .collect()
}

/// The training speakers' typical within-speaker deviation of each utterance
/// statistic (root mean of their variances): the prior of
/// [`StatisticsMoments::scale`].
pub fn pooled_spread(speakers: &[StatisticsMoments]) -> Vec<f32> {
    let Some(first) = speakers.first() else { return Vec::new() };
    let mut var = vec![0.0f64; first.std.len()];
    let used: Vec<_> = speakers.iter().filter(|m| m.count > 1).collect();
    for m in &used {
        var.iter_mut().zip(&m.std).for_each(|(v, &s)| *v += f64::from(s) * f64::from(s));
    }
    var.iter().map(|&v| (v / used.len().max(1) as f64).sqrt() as f32).collect()
}

/// Mean (first half of `out`) and population standard deviation (second
/// half) of `columns` over the rows of `frames` that `keep` accepts, in f64;
/// zeros when it accepts none. Returns how many rows it accepted.
fn mean_and_std(frames: &[f32], d: usize, columns: &[usize], keep: impl Fn(&[f32]) -> bool, out: &mut [f32]) -> usize {
    let k = columns.len();
    let mut sum = vec![0.0f64; k];
    let mut sq = vec![0.0f64; k];
    let mut n = 0usize;
    for row in frames.chunks_exact(d).filter(|row| keep(row)) {
        n += 1;
        for (j, &c) in columns.iter().enumerate() {
            let x = f64::from(row[c]);
            sum[j] += x;
            sq[j] += x * x;
        }
    }
    if n > 0 {
        let n = n as f64;
        for j in 0..k {
            let mean = sum[j] / n;
            out[j] = mean as f32;
            out[k + j] = (sq[j] / n - mean * mean).max(0.0).sqrt() as f32;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two items of 5 and 2 frames of 2 values, 2 frames per step: 3 steps
    /// of 4 values, the odd frame padded; weights back per frame.
    #[test]
    fn stacking_puts_frames_side_by_side_and_weights_come_back_per_frame() {
        let mut data: Vec<f32> = (1..=10).map(|v| v as f32).collect();
        data.extend([11.0, 12.0, 13.0, 14.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
        let p = Padded { data, lens: vec![5, 2], max_len: 5, dim: 2 };
        let s = p.stacked(2);
        assert_eq!((s.max_len, s.dim, s.lens.clone()), (3, 4, vec![3, 1]));
        assert_eq!(&s.data[..12], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 0.0, 0.0]);
        assert_eq!(&s.data[12..16], &[11.0, 12.0, 13.0, 14.0]);
        assert!(s.data[16..].iter().all(|&v| v == 0.0));
        assert_eq!(p.stacked(1), p);
        assert_eq!(unstack_weights(&[0.5, 0.25, 0.25], 2, 5), vec![0.25, 0.25, 0.125, 0.125, 0.125]);
    }

    /// Many recordings: the prior over the speaker's own deviation; none: 1; a
    /// statistic with no prior spread is left as it is.
    #[test]
    fn spread_scale_pools_the_speaker_with_the_prior() {
        let scale = spread_scale(&[0.5, 0.5, 2.0], 10_000, &[1.0, 0.0, 1.0]);
        assert!((scale[0] - 2.0).abs() < 0.01 && scale[1] == 1.0 && (scale[2] - 0.5).abs() < 0.01, "{scale:?}");
        assert_eq!(spread_scale(&[0.0, 3.0], 0, &[0.25, 2.0]), vec![1.0, 1.0]);
        // Eight recordings weigh as much as the prior.
        let s = spread_scale(&[1.0], SPREAD_PRIOR_RECORDINGS as usize, &[3.0])[0];
        assert!((s - 3.0 / 5.0f32.sqrt()).abs() < 1e-6, "{s}");
    }

    /// The moments over recordings, and the prior as the root mean of the
    /// speakers' variances (one-recording speakers say nothing of it).
    #[test]
    fn moments_and_pooled_spread() {
        let config = ModelConfig { acoustic_dim: 1, acoustic_stats: true, ..Default::default() };
        // Utterance statistics of a constant sequence: mean v, deviation 0.
        let m = StatisticsMoments::of(&[seq(3, 1, 1.0), seq(5, 1, 3.0)], &config).unwrap();
        assert_eq!((m.mean.clone(), m.std.clone(), m.count), (vec![2.0, 0.0], vec![1.0, 0.0], 2));
        let other = StatisticsMoments { mean: vec![0.0; 2], std: vec![3.0, 0.0], count: 4 };
        let lone = StatisticsMoments { mean: vec![0.0; 2], std: vec![100.0, 0.0], count: 1 };
        let p = pooled_spread(&[m, other, lone]);
        assert!((p[0] - 5.0f32.sqrt()).abs() < 1e-6 && p[1] == 0.0, "{p:?}");
    }

    fn seq(len: usize, dim: usize, v: f32) -> Sequence {
        Sequence::new(len, dim, vec![v; len * dim]).unwrap()
    }

    #[test]
    fn pads_truncates_and_marks_missing() {
        let config = ModelConfig { acoustic_dim: 2, word_dim: 3, max_frames: 4, ..Default::default() };
        let a = Example {
            acoustic: Some(seq(6, 2, 1.0)),
            words: Some(seq(2, 3, 2.0)),
            label: Some(Emotion::Sad),
            ..Default::default()
        };
        let b = Example { acoustic: Some(seq(2, 2, 3.0)), label: Some(Emotion::Angry), ..Default::default() };
        let batch = Batcher::new(&config).batch(&[&a, &b]).unwrap();
        let ac = batch.acoustic.unwrap();
        assert_eq!((ac.max_len, ac.lens.clone()), (4, vec![4, 2]));
        assert_eq!(&ac.data[8..12], &[3.0, 3.0, 3.0, 3.0]);
        assert_eq!(&ac.data[12..16], &[0.0; 4]);
        let w = batch.words.unwrap();
        assert_eq!(w.lens, vec![2, 0]);
        assert_eq!(batch.labels, Some(vec![3, 0]));
        let bad = Example { acoustic: Some(seq(2, 5, 0.0)), ..Default::default() };
        assert!(Batcher::new(&config).batch(&[&bad]).is_err());
    }

    #[test]
    fn voiced_statistics_read_the_voicing_columns_where_f0_is_above_its_floor() {
        let config = ModelConfig { acoustic_dim: 130, acoustic_stats: true, voiced_stats: true, ..Default::default() };
        assert_eq!(config.voicing_columns(), vec![0, 1, 2, 3, 4, 5, 65, 66, 67, 68, 69, 70]);
        assert_eq!(config.stats_dim(), 2 * 130 + 2 * 12 + 1);
        // Four frames: F0 (normalised) -1.5 where unvoiced, column 1 is 10 in
        // voiced frames and 0 elsewhere.
        let f0 = [-1.5f32, 0.5, -1.5, 1.5];
        let mut data = vec![0.0f32; 4 * 130];
        for (t, &f) in f0.iter().enumerate() {
            data[t * 130] = f;
            data[t * 130 + 1] = if f > -1.5 { 10.0 } else { 0.0 };
        }
        let input = Padded { data, lens: vec![4], max_len: 4, dim: 130 };
        let (v, has) = utterance_stats(&input, &config);
        assert_eq!((v.len(), has), (config.stats_dim(), vec![1.0]));
        assert_eq!((v[1], v[130 + 1]), (5.0, 5.0), "all frames: mean 5, deviation 5");
        let voiced = &v[260..];
        assert_eq!((voiced[0], voiced[12]), (1.0, 0.5), "F0 over the voiced frames: 0.5 and 1.5");
        assert_eq!((voiced[1], voiced[12 + 1]), (10.0, 0.0), "column 1 is 10 wherever there is voice");
        assert_eq!(voiced[24], 0.5, "half the frames are voiced");

        // No voiced frame: zeros and a share of 0, not NaN.
        let silent = Padded { data: vec![-1.0; 3 * 130], lens: vec![3], max_len: 3, dim: 130 };
        let (v, _) = utterance_stats(&silent, &config);
        assert!(v[260..].iter().all(|&x| x == 0.0), "{:?}", &v[260..]);

        // Without the option: mean and deviation only.
        let plain = ModelConfig { voiced_stats: false, ..config.clone() };
        assert_eq!(utterance_stats(&input, &plain).0.len(), 260);
        assert!(ModelConfig { acoustic_dim: 4, ..config.clone() }.validate().is_err());
        assert!(ModelConfig { acoustic_stats: false, ..config }.validate().is_err());
    }
}
