//! Samples and a transcript in, a [`Classification`] out: the one path every
//! caller takes (the `emorec predict` command, the browser's `Classifier`, the
//! benchmarks), so that input checks, resampling, feature settings,
//! normalisation and the shape of the result are written once.
//!
//! The path is split in two around the forward pass, because only that step
//! differs between callers: [`Bundle::prepare`] builds the model's input,
//! the caller predicts (synchronously, or awaiting each read on WebGPU in a
//! page), and [`Classification::new`] turns the prediction into the result.
//! [`Bundle::classify`] does all three for callers that can block.

use serde::Serialize;

use super::Bundle;
use crate::features::{Extractor, FeatureMatrix};
use crate::model::{Example, Prediction};
use crate::{audio, Emotion, Error, Result};

/// One utterance to classify: audio, a transcript or both. Empty audio and a
/// blank transcript count as missing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Input<'a> {
    /// Mono samples and their rate in Hz (any rate `audio::prepare` accepts).
    pub audio: Option<(&'a [f32], u32)>,
    pub transcript: Option<&'a str>,
}

impl<'a> Input<'a> {
    pub fn new(audio: Option<(&'a [f32], u32)>, transcript: Option<&'a str>) -> Self {
        Input {
            audio: audio.filter(|(s, _)| !s.is_empty()),
            transcript: transcript.filter(|t| !t.trim().is_empty()),
        }
    }
}

/// The model's input for one utterance, and what the result needs to say
/// about it afterwards.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub example: Example,
    /// The transcript's tokens, in the order the model read their vectors.
    pub tokens: Vec<String>,
    /// Seconds between feature frames (what one frame-attention weight spans).
    pub frame_hop_s: f64,
}

/// The result of classifying one utterance, as the CLI prints it (`--json`)
/// and as the browser's `Classifier` hands it on (in camelCase).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    #[serde(serialize_with = "emotion_code")]
    pub label: Emotion,
    /// ang, hap, neu, sad.
    pub probabilities: [f32; 4],
    /// One weight per feature frame from the start of the audio, for a model
    /// with frame weights that heard audio.
    pub frame_attention: Option<Vec<f32>>,
    pub frame_hop_s: f64,
    /// One weight per word (none for CLS pooling, or without words).
    pub word_attention: Option<Vec<f32>>,
    /// (audio, text).
    pub modality_weights: [f32; 2],
    /// The tokens the model read (as many as it has word weights, when it has).
    pub words: Vec<String>,
}

fn emotion_code<S: serde::Serializer>(e: &Emotion, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(e.code())
}

impl Classification {
    pub fn new(prediction: Prediction, prepared: Prepared) -> Self {
        let mut words = prepared.tokens;
        if let Some(w) = &prediction.word_attention {
            words.truncate(w.len());
        }
        Classification {
            label: prediction.label,
            probabilities: prediction.probabilities,
            frame_attention: prediction.frame_attention,
            frame_hop_s: prepared.frame_hop_s,
            word_attention: prediction.word_attention,
            modality_weights: prediction.modality_weights,
            words,
        }
    }
}

impl Bundle {
    /// An extractor for the bundle's feature set (keep it across calls: it
    /// holds FFT plans and buffers).
    pub fn extractor(&self) -> Result<Extractor> {
        Ok(Extractor::new(self.inputs.set()?))
    }

    /// The descriptors the model reads, from mono 16 kHz samples, with the
    /// bundle's settings (deltas or not); not yet normalised.
    pub fn features(&self, extractor: &mut Extractor, samples_16k: &[f32]) -> Result<FeatureMatrix> {
        let set = self.inputs.set()?;
        if extractor.set() != set {
            return Err(Error::Input(format!(
                "the extractor computes {}, the model reads {}",
                extractor.set().name(),
                set.name()
            )));
        }
        Ok(extractor.extract(samples_16k, self.inputs.deltas)?)
    }

    /// Checks `input` and builds the model's input: audio resampled to 16 kHz,
    /// its descriptors normalised with the training statistics, the transcript
    /// embedded with the bundle's vocabulary. Fails when nothing is given, or
    /// when what is given is nothing this model reads.
    pub fn prepare(&self, extractor: &mut Extractor, input: &Input) -> Result<Prepared> {
        let input = Input::new(input.audio, input.transcript);
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
        let frame_hop_s = features.as_ref().map_or(extractor.set().hop_s(), |m| m.hop_s);
        let (example, tokens) = self.example(features.as_ref(), input.transcript)?;
        if !example.has_audio() && !example.has_text() {
            let v = self.model.config().variant;
            return Err(Error::Input(format!("this model has nothing to go on: it needs {}", v.needs())));
        }
        Ok(Prepared { example, tokens, frame_hop_s })
    }

    /// [`Bundle::prepare`], the forward pass and the result, for callers that
    /// can block on reading tensors (every CPU backend; natively, GPUs too).
    pub fn classify(&self, extractor: &mut Extractor, input: &Input) -> Result<Classification> {
        let prepared = self.prepare(extractor, input)?;
        let prediction = self.model.predict(&prepared.example)?;
        Ok(Classification::new(prediction, prepared))
    }
}
