//! Samples and a transcript in, a [`Classification`] out: the one path every
//! caller takes (the `emorec predict` command, the browser's `Classifier`, the
//! benchmarks), so that input checks, resampling, feature settings,
//! normalisation and the shape of the result are written once.
//!
//! The path is split in two around the forward pass, because only that step
//! differs between callers: [`Bundle::prepare`] builds the model's input,
//! the caller predicts (synchronously, or awaiting each read on WebGPU in a
//! page), and [`Bundle::result`] turns the prediction into the result, with
//! the bundle's calibration.
//! [`Bundle::classify_piece`] does all three for callers that can block.
//! A recording longer than the model reads at once is first planned into
//! such pieces ([`super::timeline`]; [`Bundle::classify`] runs it all).
//!
//! Audio passes the speech gate ([`speech_presence`]) before the model hears
//! it: silence, noise, tones and hum are not speech, and a model trained on
//! speech would only guess at them. Audio without speech is left out; with a
//! transcript the text alone decides, without one the result is "no speech"
//! (no label, no probabilities, and the reason), never an emotion.

use serde::Serialize;

use super::timeline::{Segment, Summary};
use super::Bundle;
use crate::data::norm::NormStats;
use crate::features::{speech_presence_after_gain, Extractor, FeatureMatrix, SpeechPresence};
use crate::model::{calibrate, Example, Prediction};
use crate::{audio, Emotion, Error, Result};

/// One utterance to classify: audio, a transcript or both. Empty audio and a
/// blank transcript count as missing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Input<'a> {
    /// Mono samples and their rate in Hz (any rate `audio::prepare` accepts).
    pub audio: Option<(&'a [f32], u32)>,
    pub transcript: Option<&'a str>,
    /// The speaker's own statistics ([`Input::with_speaker`],
    /// [`Input::with_calibration`]), for bundles that normalise by speaker.
    pub speaker: Option<Speaker<'a>>,
}

/// What a bundle normalised by speaker knows of the speaker: the statistics
/// of their descriptors and, for a bundle that centres the utterance
/// statistics (`InputSpec::centre_stats`), their mean utterance statistics
/// (both from a [`super::Calibration`], which [`super::Bundle::check_calibration`]
/// turns into this).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Speaker<'a> {
    pub stats: &'a NormStats,
    pub statistics: Option<&'a [f32]>,
    /// For a bundle that also standardises them
    /// (`InputSpec::statistics_spread`): their deviation, and over how many
    /// recordings.
    pub spread: Option<(&'a [f32], usize)>,
}

impl<'a> Input<'a> {
    pub fn new(audio: Option<(&'a [f32], u32)>, transcript: Option<&'a str>) -> Self {
        Input {
            audio: audio.filter(|(s, _)| !s.is_empty()),
            transcript: transcript.filter(|t| !t.trim().is_empty()),
            speaker: None,
        }
    }

    /// Statistics of the speaker's descriptors over their own recordings
    /// (`data::norm::group_stats` of the bundle's raw features), which a
    /// bundle trained with speaker normalisation standardises by.
    pub fn with_speaker(self, speaker: Option<&'a NormStats>) -> Self {
        Input { speaker: speaker.map(|stats| Speaker { stats, statistics: None, spread: None }), ..self }
    }

    /// The speaker as a checked calibration describes them
    /// ([`super::Bundle::check_calibration`]).
    pub fn with_calibration(self, speaker: Option<Speaker<'a>>) -> Self {
        Input { speaker, ..self }
    }
}

/// The model's input for one utterance, and what the result needs to say
/// about it afterwards.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// `None` when nothing is left for the model: the audio had no speech
    /// and there was no transcript.
    pub example: Option<Example>,
    /// The speech gate's verdict on the audio (`None` without audio, or for
    /// a model that does not hear).
    pub speech: Option<SpeechPresence>,
    /// The transcript's tokens, in the order the model read their vectors.
    pub tokens: Vec<String>,
    /// Seconds between feature frames (what one frame-attention weight spans).
    pub frame_hop_s: f64,
}

/// The result of classifying one utterance, as the CLI prints it (`--json`)
/// and as the browser's `Classifier` hands it on (in camelCase).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    /// Whether the audio holds speech (`None` without audio). Audio without
    /// speech was not given to the model.
    pub speech: Option<bool>,
    /// Why there is no label, or why the audio was left out.
    pub reason: Option<String>,
    /// `None` when there was nothing to classify (no speech, no transcript).
    #[serde(serialize_with = "emotion_code")]
    pub label: Option<Emotion>,
    /// ang, hap, neu, sad.
    pub probabilities: Option<[f32; 4]>,
    /// One weight per feature frame from the start of the audio, for a model
    /// with frame weights that heard audio.
    pub frame_attention: Option<Vec<f32>>,
    pub frame_hop_s: f64,
    /// One weight per word (none for CLS pooling, or without words).
    pub word_attention: Option<Vec<f32>>,
    /// (audio, text).
    pub modality_weights: Option<[f32; 2]>,
    /// The tokens the model read (as many as it has word weights, when it has).
    pub words: Vec<String>,
    /// Seconds of audio given (`None` without audio).
    pub duration_s: Option<f64>,
    /// The recording as a timeline ([`super::timeline`]): one segment for
    /// an utterance the model reads whole, one per piece and pause for a
    /// longer one; empty without audio.
    pub segments: Vec<Segment>,
    pub summary: Option<Summary>,
    /// What a person should know about how the result was reached (a long
    /// recording cut into pieces, a transcript classified on its own).
    pub notes: Vec<String>,
}

pub(super) fn emotion_code<S: serde::Serializer>(e: &Option<Emotion>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match e {
        Some(e) => s.serialize_str(e.code()),
        None => s.serialize_none(),
    }
}

impl Classification {
    /// The result of `prediction` (which must be `Some` exactly when
    /// `prepared.example` is).
    pub fn new(prediction: Option<Prediction>, prepared: Prepared) -> Self {
        let speech = prepared.speech.as_ref().map(|p| p.speech);
        let no_speech = prepared.speech.filter(|p| !p.speech).map(|p| p.reason.unwrap_or_else(|| "no speech".into()));
        let Some(p) = prediction else {
            return Classification {
                speech,
                reason: Some(no_speech.map_or("nothing to classify".into(), |r| format!("no speech: {r}"))),
                label: None,
                probabilities: None,
                frame_attention: None,
                frame_hop_s: prepared.frame_hop_s,
                word_attention: None,
                modality_weights: None,
                words: Vec::new(),
                duration_s: None,
                segments: Vec::new(),
                summary: None,
                notes: Vec::new(),
            };
        };
        let mut words = prepared.tokens;
        if let Some(w) = &p.word_attention {
            words.truncate(w.len());
        }
        Classification {
            speech,
            reason: no_speech.map(|r| format!("the audio has no speech ({r}): classified from the transcript alone")),
            label: Some(p.label),
            probabilities: Some(p.probabilities),
            frame_attention: p.frame_attention,
            frame_hop_s: prepared.frame_hop_s,
            word_attention: p.word_attention,
            modality_weights: Some(p.modality_weights),
            words,
            duration_s: None,
            segments: Vec::new(),
            summary: None,
            notes: Vec::new(),
        }
    }
}

impl Bundle {
    /// An extractor for the bundle's feature set (keep it across calls: it
    /// holds FFT plans and buffers).
    pub fn extractor(&self) -> Result<Extractor> {
        Ok(self.inputs.settings()?.into())
    }

    /// The descriptors the model reads, from mono 16 kHz samples, with the
    /// bundle's settings (level, deltas); not yet normalised per column.
    /// Also returns the gain in dB applied to the input before analysis.
    pub fn features(&self, extractor: &mut Extractor, samples_16k: &[f32]) -> Result<(FeatureMatrix, f64)> {
        let settings = self.inputs.settings()?;
        if extractor.set() != settings.set || extractor.level_dbfs() != settings.level_dbfs {
            return Err(Error::Input(format!(
                "the extractor computes {} at level {:?}, the model reads {}",
                extractor.set().name(),
                extractor.level_dbfs(),
                settings.describe()
            )));
        }
        Ok(extractor.extract_measured(samples_16k, settings.deltas)?)
    }

    /// Checks `input` and builds the model's input: audio resampled to 16 kHz,
    /// its descriptors normalised with the training statistics, the transcript
    /// embedded with the bundle's vocabulary. Fails when nothing is given, or
    /// when what is given is nothing this model reads.
    pub fn prepare(&self, extractor: &mut Extractor, input: &Input) -> Result<Prepared> {
        let input = Input::new(input.audio, input.transcript).with_calibration(input.speaker);
        if input.audio.is_none() && input.transcript.is_none() {
            return Err(Error::Input("nothing to classify: give audio, a transcript or both".into()));
        }
        let features = match input.audio {
            Some((samples, rate)) if self.norm.is_some() => {
                let x = audio::prepare(samples, rate)?;
                Some(self.features(extractor, &x)?)
            }
            _ => None,
        };
        let frame_hop_s = features.as_ref().map_or(extractor.set().hop_s(), |(m, _)| m.hop_s);
        let speech = features.as_ref().map(|(m, gain_db)| speech_presence_after_gain(m, *gain_db));
        let features = features.map(|(m, _)| m);
        let heard = features.filter(|_| speech.as_ref().is_none_or(|p| p.speech));
        let (example, tokens) = self.example(heard.as_ref(), input.transcript, input.speaker)?;
        if !example.has_audio() && !example.has_text() {
            if speech.as_ref().is_some_and(|p| !p.speech) {
                return Ok(Prepared { example: None, speech, tokens, frame_hop_s });
            }
            let v = self.model.config().variant;
            return Err(Error::Input(format!("this model has nothing to go on: it needs {}", v.needs())));
        }
        Ok(Prepared { example: Some(example), speech, tokens, frame_hop_s })
    }

    /// [`Bundle::prepare`], the forward pass and the result of one piece
    /// (an utterance the model reads whole), for callers that can block on
    /// reading tensors (every CPU backend; natively, GPUs too). Recordings of
    /// any length go through [`Bundle::classify`].
    pub fn classify_piece(&self, extractor: &mut Extractor, input: &Input) -> Result<Classification> {
        let prepared = self.prepare(extractor, input)?;
        let prediction = prepared.example.as_ref().map(|e| self.model.predict(e)).transpose()?;
        Ok(self.result(prediction, prepared))
    }

    /// The result of a prediction made on `prepared` (`Some` exactly when it
    /// has an example), with the bundle's temperature applied to the
    /// probabilities.
    pub fn result(&self, prediction: Option<Prediction>, prepared: Prepared) -> Classification {
        let t = self.inputs.temperature.unwrap_or(1.0);
        let calibrated = prediction.map(|p| Prediction { probabilities: calibrate(p.probabilities, t), ..p });
        Classification::new(calibrated, prepared)
    }
}
