//! Per-column normalisation statistics, computed on training frames and
//! shipped with the model.
//!
//! The descriptors span many orders of magnitude (F0 in Hz, energies near
//! 1e-4, MFCCs in tens), so every column is standardised as
//! `(x - mean) / max(std, std_floor)`. Statistics come from the training part
//! only (never validation or test), are accumulated with Welford's algorithm
//! in f64 (stable over millions of frames), and are saved as plain JSON with
//! a format version, next to the model, because the browser must apply
//! exactly the same numbers.

use serde::{Deserialize, Serialize};

use super::error::{DataError, DataResult};
use crate::features::FeatureMatrix;

/// Version of the JSON layout below; bump when it changes.
pub const NORM_FORMAT_VERSION: u32 = 1;

/// Default floor on the standard deviation: a column that is (nearly)
/// constant in training is centred but not blown up.
pub const DEFAULT_STD_FLOOR: f64 = 1e-3;

/// Mean and standard deviation of each named column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NormStats {
    /// Always `"emorec-norm"`, so a wrong file is recognised at once.
    pub format: String,
    pub version: u32,
    pub columns: Vec<String>,
    pub mean: Vec<f64>,
    /// Population standard deviation (divides by n), before the floor.
    pub std: Vec<f64>,
    pub std_floor: f64,
    /// Finite values seen, per column.
    pub count: Vec<u64>,
}

/// Welford accumulator over frames, per column.
#[derive(Debug, Clone)]
pub struct NormAccumulator {
    columns: Vec<String>,
    count: Vec<u64>,
    mean: Vec<f64>,
    m2: Vec<f64>,
}

impl NormAccumulator {
    pub fn new(columns: Vec<String>) -> Self {
        let n = columns.len();
        NormAccumulator { columns, count: vec![0; n], mean: vec![0.0; n], m2: vec![0.0; n] }
    }

    /// Adds one frame. Non-finite values are skipped (and not counted), so
    /// that one bad frame cannot poison a column.
    pub fn add_row(&mut self, row: &[f32]) -> DataResult<()> {
        if row.len() != self.columns.len() {
            return Err(DataError::Invalid(format!(
                "a frame of {} values for statistics over {} columns",
                row.len(),
                self.columns.len()
            )));
        }
        for (j, &x) in row.iter().enumerate() {
            if !x.is_finite() {
                continue;
            }
            let x = f64::from(x);
            self.count[j] += 1;
            let d = x - self.mean[j];
            self.mean[j] += d / self.count[j] as f64;
            self.m2[j] += d * (x - self.mean[j]);
        }
        Ok(())
    }

    /// Adds every frame of `m`, whose columns must be these, in this order.
    pub fn add_matrix(&mut self, m: &FeatureMatrix) -> DataResult<()> {
        if m.names != self.columns {
            return Err(DataError::Invalid(column_mismatch(&self.columns, &m.names)));
        }
        for i in 0..m.n_frames() {
            self.add_row(m.row(i))?;
        }
        Ok(())
    }

    pub fn finish(self, std_floor: f64) -> NormStats {
        let std =
            self.m2.iter().zip(&self.count).map(|(&m2, &n)| if n > 0 { (m2 / n as f64).sqrt() } else { 0.0 }).collect();
        NormStats {
            format: "emorec-norm".into(),
            version: NORM_FORMAT_VERSION,
            columns: self.columns,
            mean: self.mean,
            std,
            std_floor,
            count: self.count,
        }
    }
}

impl NormStats {
    /// Statistics over every frame of `matrices` (all with the same columns).
    pub fn fit<'a>(matrices: impl IntoIterator<Item = &'a FeatureMatrix>, std_floor: f64) -> DataResult<NormStats> {
        let mut it = matrices.into_iter().peekable();
        let first =
            it.peek().ok_or_else(|| DataError::Invalid("no feature matrices to compute statistics on".into()))?;
        let mut acc = NormAccumulator::new(first.names.clone());
        for m in it {
            acc.add_matrix(m)?;
        }
        Ok(acc.finish(std_floor))
    }

    /// The divisor actually used for column `j`.
    pub fn scale(&self, j: usize) -> f64 {
        self.std[j].max(self.std_floor)
    }

    /// Standardises `m` in place. Its columns must be the ones the statistics
    /// were computed on (a model applied to other features is an error, not a
    /// silent mismatch).
    pub fn apply(&self, m: &mut FeatureMatrix) -> DataResult<()> {
        if m.names != self.columns {
            return Err(DataError::Invalid(column_mismatch(&self.columns, &m.names)));
        }
        let c = self.columns.len();
        if c == 0 {
            return Ok(());
        }
        let scale: Vec<f64> = (0..c).map(|j| self.scale(j)).collect();
        for row in m.data.chunks_exact_mut(c) {
            for (j, x) in row.iter_mut().enumerate() {
                *x = ((f64::from(*x) - self.mean[j]) / scale[j]) as f32;
            }
        }
        Ok(())
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Parses and checks statistics saved by [`NormStats::to_json`].
    pub fn from_json(text: &str) -> DataResult<NormStats> {
        let s: NormStats = serde_json::from_str(text)
            .map_err(|e| DataError::Invalid(format!("normalisation statistics are not valid JSON: {e}")))?;
        if s.format != "emorec-norm" {
            return Err(DataError::Invalid(format!("not emorec normalisation statistics (format {:?})", s.format)));
        }
        if s.version != NORM_FORMAT_VERSION {
            return Err(DataError::Invalid(format!(
                "normalisation statistics version {} (this build reads version {NORM_FORMAT_VERSION})",
                s.version
            )));
        }
        let n = s.columns.len();
        if s.mean.len() != n || s.std.len() != n || s.count.len() != n {
            return Err(DataError::Invalid(
                "normalisation statistics: columns, mean, std and count differ in length".into(),
            ));
        }
        if s.mean.iter().chain(&s.std).any(|v| !v.is_finite()) || !s.std_floor.is_finite() || s.std_floor <= 0.0 {
            return Err(DataError::Invalid(
                "normalisation statistics contain non-finite values or a floor <= 0".into(),
            ));
        }
        Ok(s)
    }

    #[cfg(not(target_arch = "wasm32"))]
    pub fn save(&self, path: &std::path::Path) -> DataResult<()> {
        let tmp = path.with_extension("json.partial");
        std::fs::write(&tmp, self.to_json()).map_err(|e| DataError::io(&tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| DataError::io(path, e))
    }

    #[cfg(not(target_arch = "wasm32"))]
    pub fn load(path: &std::path::Path) -> DataResult<NormStats> {
        let text = std::fs::read_to_string(path).map_err(|e| DataError::io(path, e))?;
        NormStats::from_json(&text).map_err(|e| match e {
            DataError::Invalid(r) => DataError::format(path, None, r),
            other => other,
        })
    }
}

fn column_mismatch(expected: &[String], got: &[String]) -> String {
    let first = expected.iter().zip(got).position(|(a, b)| a != b);
    match first {
        Some(j) => format!("feature column {j} is {:?} where the statistics have {:?}", got[j], expected[j]),
        None => format!("{} feature columns where the statistics have {}", got.len(), expected.len()),
    }
}

/// Whose statistics standardise the descriptors before the model's own
/// (training) statistics do.
///
/// The training statistics alone leave every difference of voice, level and
/// microphone in the input: a deep voice, a quiet room or another studio
/// shift whole columns, and the model reads the shift as emotion. Standardising
/// by a speaker's own statistics first removes what is constant for that
/// speaker and channel and keeps how an utterance departs from their usual
/// voice, which is what emotion changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Normalization {
    /// The training statistics only.
    #[default]
    Global,
    /// Each utterance by its own frames' statistics first: nothing constant
    /// over an utterance survives (its level, pitch range, channel), and
    /// neither does the part of emotion that is constant over it.
    Utterance,
    /// Each speaker by statistics over their own utterances first (no labels
    /// needed). Where a speaker's statistics are not known, the utterance
    /// stands for its speaker (as [`Normalization::Utterance`]).
    Speaker,
}

/// Which of a speaker's recordings make their statistics (speaker
/// normalisation, and the centred utterance statistics).
///
/// All of them needs no labels, but then the statistics depend on what the
/// speaker happened to record: RAVDESS's actors record half their emotions at
/// strong intensity, TESS's and EMOVO's speakers the four classes in equal
/// numbers, and against a loud mean every recording sounds subdued. A page's
/// calibration is the person's ordinary speech; `Neutral` makes the
/// training and test speakers' statistics the same kind of thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpeakerReference {
    /// Every recording of the speaker (no labels used).
    #[default]
    All,
    /// The speaker's neutral recordings (every recording of a speaker who
    /// has none).
    Neutral,
}

impl SpeakerReference {
    pub fn is_all(&self) -> bool {
        *self == SpeakerReference::All
    }
}

impl Normalization {
    pub fn from_name(name: &str) -> DataResult<Self> {
        match name {
            "global" => Ok(Normalization::Global),
            "utterance" => Ok(Normalization::Utterance),
            "speaker" => Ok(Normalization::Speaker),
            other => Err(DataError::Invalid(format!("unknown normalisation {other:?}: global, utterance or speaker"))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Normalization::Global => "global",
            Normalization::Utterance => "utterance",
            Normalization::Speaker => "speaker",
        }
    }

    pub fn is_global(&self) -> bool {
        *self == Normalization::Global
    }
}

/// Statistics of a group of utterances (one speaker's, or one utterance's
/// own), used to standardise them before the training statistics. The same
/// floor as the training statistics: a column constant within the group is
/// centred, not blown up.
pub fn group_stats<'a>(matrices: impl IntoIterator<Item = &'a FeatureMatrix>) -> DataResult<NormStats> {
    NormStats::fit(matrices, DEFAULT_STD_FLOOR)
}

/// Standardises every matrix by the statistics of its group: the matrices
/// that share its key (a speaker), fitted on the frames of the group's
/// reference matrices (those whose flag is set; all of the group's where
/// none is).
pub fn standardize_groups<K: Ord + Clone>(items: &mut [(K, bool, &mut FeatureMatrix)]) -> DataResult<()> {
    use std::collections::{BTreeMap, BTreeSet};
    let referenced: BTreeSet<K> = items.iter().filter(|(_, r, _)| *r).map(|(k, _, _)| k.clone()).collect();
    let mut acc: BTreeMap<K, NormAccumulator> = BTreeMap::new();
    for (key, reference, m) in items.iter() {
        let entry = acc.entry(key.clone()).or_insert_with(|| NormAccumulator::new(m.names.clone()));
        if *reference || !referenced.contains(key) {
            entry.add_matrix(m)?;
        }
    }
    let stats: BTreeMap<K, NormStats> = acc.into_iter().map(|(k, a)| (k, a.finish(DEFAULT_STD_FLOOR))).collect();
    for (key, _, m) in items.iter_mut() {
        stats[key].apply(m)?;
    }
    Ok(())
}

#[cfg(test)]
mod group_tests {
    use super::*;

    fn matrix(rows: &[[f32; 2]]) -> FeatureMatrix {
        FeatureMatrix {
            names: vec!["a".into(), "b".into()],
            data: rows.iter().flatten().copied().collect(),
            hop_s: 0.01,
            frame_s: 0.06,
        }
    }

    #[test]
    fn groups_are_standardised_by_their_own_frames() {
        // Two speakers whose voices differ by an offset and a scale: after
        // standardisation by speaker, the same departure from each one's
        // mean gives the same values.
        let mut a1 = matrix(&[[1.0, 10.0], [3.0, 10.0]]);
        let mut a2 = matrix(&[[2.0, 10.0], [2.0, 10.0]]);
        let mut b1 = matrix(&[[110.0, -5.0], [130.0, -5.0]]);
        let mut b2 = matrix(&[[120.0, -5.0], [120.0, -5.0]]);
        let mut items = vec![("a", true, &mut a1), ("a", true, &mut a2), ("b", true, &mut b1), ("b", true, &mut b2)];
        standardize_groups(&mut items).unwrap();
        assert_eq!(a1.data, b1.data);
        assert_eq!(a2.data, b2.data);
        // Column a: mean 2, std sqrt(0.5); column b is constant: centred to 0.
        let s = 0.5f32.sqrt();
        let expect = [-1.0 / s, 0.0, 1.0 / s, 0.0];
        for (x, e) in a1.data.iter().zip(expect) {
            assert!((x - e).abs() < 1e-5, "{:?}", a1.data);
        }
        assert_eq!(a2.data, vec![0.0; 4]);
    }

    #[test]
    fn a_group_is_standardised_by_its_reference_frames() {
        // Speaker a's statistics come from a1 alone (mean 2, std 1), which
        // also standardise a2; speaker b has no reference recording, so all
        // of theirs count.
        let mut a1 = matrix(&[[1.0, 0.0], [3.0, 0.0]]);
        let mut a2 = matrix(&[[6.0, 0.0], [6.0, 0.0]]);
        let mut b1 = matrix(&[[1.0, 0.0], [3.0, 0.0]]);
        let mut b2 = matrix(&[[6.0, 0.0], [6.0, 0.0]]);
        let mut items = vec![("a", true, &mut a1), ("a", false, &mut a2), ("b", false, &mut b1), ("b", false, &mut b2)];
        standardize_groups(&mut items).unwrap();
        assert_eq!(a1.data, vec![-1.0, 0.0, 1.0, 0.0]);
        assert_eq!(a2.data, vec![4.0, 0.0, 4.0, 0.0]);
        // b: mean 4, population std sqrt(4.5).
        let s = 4.5f32.sqrt();
        assert!((b2.data[0] - 2.0 / s).abs() < 1e-5, "{:?}", b2.data);
    }

    #[test]
    fn names_round_trip() {
        for n in [Normalization::Global, Normalization::Utterance, Normalization::Speaker] {
            assert_eq!(Normalization::from_name(n.name()).unwrap(), n);
        }
        assert!(Normalization::from_name("per-speaker").is_err());
    }
}
