//! In-memory examples and the batcher that pads them.
//!
//! The model never sees ragged data: the batcher pads every sequence to the
//! longest in the batch and keeps the true lengths, from which the model
//! builds its masks (pooling, attention and the BLSTM's backward direction
//! all ignore padding, so an item's output does not depend on its batch).

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
        }
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
        let stats_offset = match examples.iter().any(|e| e.stats_offset.is_some()) {
            true => {
                let d = self.stats_dim;
                let mut out = vec![0.0f32; examples.len() * d];
                for (i, e) in examples.iter().enumerate() {
                    let Some(o) = &e.stats_offset else { continue };
                    if o.len() != d {
                        return Err(ModelError::Input(format!(
                            "a speaker's mean statistics have {} values, the model reads {d}",
                            o.len()
                        )));
                    }
                    out[i * d..(i + 1) * d].copy_from_slice(o);
                }
                Some(out)
            }
            false => None,
        };
        Ok(Batch { size: examples.len(), acoustic, words, labels, stats_offset })
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
    Some((values, has))
}

/// The mean of the utterance statistics of `sequences` (one speaker's
/// normalised descriptors, the frame cap applied as in a batch): what
/// [`Example::stats_offset`] holds. Zeros for no sequence.
pub fn mean_statistics<'a>(
    sequences: impl IntoIterator<Item = &'a Sequence>,
    config: &ModelConfig,
) -> Result<Vec<f32>, ModelError> {
    let d = config.stats_dim();
    let mut sum = vec![0.0f64; d];
    let mut n = 0usize;
    let batcher = Batcher::new(config);
    for s in sequences {
        let e = Example { acoustic: Some(s.clone()), ..Default::default() };
        let Some(input) = batcher.batch(&[&e])?.acoustic else { continue };
        let (values, _) = utterance_stats(&input, config);
        sum.iter_mut().zip(&values).for_each(|(a, &v)| *a += f64::from(v));
        n += 1;
    }
    Ok(sum.iter().map(|&a| if n > 0 { (a / n as f64) as f32 } else { 0.0 }).collect())
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
