//! A speaker's own statistics, from their unlabelled recordings: what a
//! bundle trained with speaker normalisation standardises their later
//! recordings by (the CLI's `predict --speaker`, `evaluate --normalize
//! speaker`; in the browser, calibration to one's voice).

use serde::{Deserialize, Serialize};

use super::examples::acoustic_example;
use super::{Bundle, Centring, Speaker};
use crate::data::norm::{group_stats, NormStats, Normalization};
use crate::features::{speech_presence_after_gain, Extractor};
use crate::model::batch::StatisticsMoments;
use crate::{audio, Error, Result};

/// Version of [`Calibration`]'s JSON layout; bump when it changes.
pub const CALIBRATION_VERSION: u32 = 1;

/// A person's calibration: the statistics of their voice (and microphone and
/// room) over a few recordings, as plain data a page can keep (localStorage)
/// and give back with every later classification. It holds no audio: only
/// the mean and deviation of each descriptor, from which the recordings
/// cannot be rebuilt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Calibration {
    /// Always `"emorec-calibration"`, so that a wrong object is recognised.
    pub format: String,
    pub version: u32,
    /// The feature settings the statistics were computed with
    /// (`FeatureSettings::describe`): a model with other settings cannot use them.
    pub features: String,
    /// Seconds of the recordings that held speech (the others were left out).
    pub seconds: f64,
    /// Recordings given, and how many of them held speech.
    pub recordings: usize,
    pub used: usize,
    pub stats: NormStats,
    /// For a bundle that centres the utterance statistics
    /// ([`Bundle::centres_statistics`]): the mean of the model's utterance
    /// statistics over the recordings, standardised by `stats` as
    /// classification will standardise (absent for other bundles).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistics: Option<Vec<f32>>,
    /// For a bundle that also standardises them (`InputSpec::statistics_spread`):
    /// their deviation over the `used` recordings (absent for other bundles).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistics_spread: Option<Vec<f32>>,
}

impl Bundle {
    /// Statistics of the bundle's descriptors (as the model reads them:
    /// [`super::InputSpec::view`]) over every recording (mono samples and
    /// their rate) that holds speech; recordings the speech gate
    /// rejects are left out, since silence or noise says nothing about the
    /// voice. Fails when none holds speech or the model does not hear.
    pub fn speaker_stats(&self, extractor: &mut Extractor, recordings: &[(&[f32], u32)]) -> Result<NormStats> {
        Ok(self.calibrate(extractor, recordings)?.stats)
    }

    /// [`Bundle::speaker_stats`] as a [`Calibration`], with what it was made of.
    pub fn calibrate(&self, extractor: &mut Extractor, recordings: &[(&[f32], u32)]) -> Result<Calibration> {
        if self.norm.is_none() {
            return Err(Error::Input("this model reads no audio: it has no use for a speaker's statistics".into()));
        }
        let mut speech = Vec::with_capacity(recordings.len());
        let mut seconds = 0.0;
        for &(samples, rate) in recordings {
            let x = audio::prepare(samples, rate)?;
            let (mut m, gain_db) = self.features(extractor, &x)?;
            if speech_presence_after_gain(&m, gain_db).speech {
                self.inputs.view(&mut m);
                seconds += x.len() as f64 / f64::from(audio::TARGET_RATE);
                speech.push(m);
            }
        }
        if speech.is_empty() {
            return Err(Error::Input(format!(
                "none of the {} recording(s) for the speaker's statistics holds speech",
                recordings.len()
            )));
        }
        let stats = group_stats(&speech)?;
        // The mean for a bundle that centres the utterance statistics, and
        // their deviation too for one that also rescales them.
        let (statistics, statistics_spread) = match (self.centring(), &self.norm) {
            (Some(centring), Some(norm)) => {
                let mut sequences = Vec::with_capacity(speech.len());
                for mut m in speech.iter().cloned() {
                    stats.apply(&mut m)?;
                    sequences.push(acoustic_example(&m, norm)?);
                }
                let moments = StatisticsMoments::of(&sequences, self.model.config())?;
                (Some(moments.mean), centring.spread.map(|_| moments.std))
            }
            _ => (None, None),
        };
        Ok(Calibration {
            format: "emorec-calibration".into(),
            version: CALIBRATION_VERSION,
            features: self.inputs.describe()?,
            seconds,
            recordings: recordings.len(),
            used: speech.len(),
            stats,
            statistics,
            statistics_spread,
        })
    }

    /// Whether the model reads its utterance statistics relative to the
    /// speaker's mean (`InputSpec::centre_stats`, for a model that has them).
    pub fn centres_statistics(&self) -> bool {
        self.inputs.centre_stats && self.normalizes_by_speaker() && self.model.config().acoustic_stats
    }

    /// How the model reads the utterance statistics relative to the speaker;
    /// `None` for a bundle that does not ([`Bundle::centres_statistics`]).
    pub fn centring(&self) -> Option<Centring<'_>> {
        self.centres_statistics().then(|| Centring {
            config: self.model.config(),
            spread: self.inputs.statistics_spread.as_deref(),
            reference: self.inputs.speaker_reference,
        })
    }

    /// Whether the bundle standardises by the speaker's statistics (and so
    /// has a use for a [`Calibration`]).
    pub fn normalizes_by_speaker(&self) -> bool {
        self.norm.is_some() && self.inputs.normalize == Normalization::Speaker
    }

    /// The speaker `calibration` describes, checked to be what this bundle's
    /// descriptors are: the same format, settings and columns, and the mean
    /// utterance statistics a bundle that centres them needs.
    pub fn check_calibration<'c>(&self, calibration: &'c Calibration) -> Result<Speaker<'c>> {
        let refuse = |why: String| Error::Input(format!("this calibration cannot be used: {why}"));
        let bad = |why: String| Err(refuse(why));
        if calibration.format != "emorec-calibration" {
            return bad(format!("its format is {:?}, not \"emorec-calibration\"", calibration.format));
        }
        if calibration.version != CALIBRATION_VERSION {
            return bad(format!("it is version {}, this library reads {CALIBRATION_VERSION}", calibration.version));
        }
        let features = self.inputs.describe()?;
        if calibration.features != features {
            return bad(format!("it was made for features {}, the model reads {features}", calibration.features));
        }
        let s = &calibration.stats;
        let n = s.columns.len();
        if n == 0 || s.mean.len() != n || s.std.len() != n || s.count.len() != n {
            return bad("its statistics are incomplete".into());
        }
        if let Some(norm) = &self.norm {
            if norm.columns != s.columns {
                return bad("its descriptors are not the model's".into());
            }
        }
        if !s.mean.iter().chain(&s.std).all(|v| v.is_finite()) || s.std.iter().any(|&v| v < 0.0) {
            return bad("its statistics are not finite".into());
        }
        let d = self.model.config().stats_dim();
        let vector = |v: Option<&'c [f32]>, what: &str| match v {
            None => Err(refuse(format!("it lacks the utterance statistics' {what} this model reads: calibrate again"))),
            Some(v) if v.len() != d || !v.iter().all(|x| x.is_finite()) => Err(refuse(format!(
                "its utterance statistics' {what} has {} values, the model reads {d} finite ones",
                v.len()
            ))),
            Some(v) => Ok(v),
        };
        let statistics = match self.centres_statistics() {
            true => Some(vector(calibration.statistics.as_deref(), "mean")?),
            false => None,
        };
        let spread = match self.centring().and_then(|c| c.spread) {
            Some(_) => Some((vector(calibration.statistics_spread.as_deref(), "deviation")?, calibration.used)),
            None => None,
        };
        Ok(Speaker { stats: s, statistics, spread })
    }
}
