//! One utterance in, one labelled prediction with its attention out.

use super::batch::{Batcher, Example};
use super::{Model, ModelError};
use crate::data::Emotion;

/// A prediction with everything the page shows.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Prediction {
    #[serde(serialize_with = "emotion_code")]
    pub label: Emotion,
    /// ang, hap, neu, sad.
    pub probabilities: [f32; 4],
    /// One weight per (kept) frame, when the model has frame weights (see
    /// [`super::ModelOutput::frame_attention`]).
    pub frame_attention: Option<Vec<f32>>,
    /// One weight per word (for CLS pooling there are none).
    pub word_attention: Option<Vec<f32>>,
    /// (audio, text).
    pub modality_weights: [f32; 2],
}

fn emotion_code<S: serde::Serializer>(e: &Emotion, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(e.code())
}

impl Model {
    /// Predicts one example. Fails when the example has none of the
    /// modalities the model reads (e.g. no audio for an acoustic-only model):
    /// such an output would only be the output layer's bias.
    ///
    /// Reads tensors synchronously: in the browser use a CPU device (WebGPU
    /// cannot block; read [`Model::forward`]'s tensors with `into_data_async`).
    pub fn predict(&self, example: &Example) -> Result<Prediction, ModelError> {
        let v = self.config().variant;
        if !(v.uses_audio() && example.has_audio() || v.uses_text() && example.has_text()) {
            return Err(ModelError::Input(format!("the {v:?} model needs {} and the example has none", needs(v))));
        }
        let batch = Batcher::new(self.config()).batch(&[example])?;
        let out = self.forward(&batch, None);
        let vec = |t: burn::tensor::Tensor<2>| t.into_data().try_into_vec::<f32>().expect("f32 output");
        let probs = vec(out.probabilities);
        let mw = vec(out.modality_weights);
        let trim = |w: Option<burn::tensor::Tensor<2>>, len: Option<usize>, offset: usize| {
            w.map(|w| vec(w)).and_then(|w| len.filter(|&l| l > 0).map(|l| w[offset..offset + l].to_vec()))
        };
        let frames = batch.acoustic.as_ref().map(|p| p.lens[0]);
        let words = batch.words.as_ref().map(|p| p.lens[0]);
        let best = (0..4).max_by(|&a, &b| probs[a].total_cmp(&probs[b])).unwrap_or(0);
        Ok(Prediction {
            label: Emotion::from_index(best).expect("4 classes"),
            probabilities: [probs[0], probs[1], probs[2], probs[3]],
            frame_attention: trim(out.frame_attention, frames, 0),
            word_attention: trim(out.word_attention, words, 0),
            modality_weights: [mw[0], mw[1]],
        })
    }
}

fn needs(v: super::Variant) -> &'static str {
    match v {
        super::Variant::Acoustic => "audio",
        super::Variant::Lexical => "text",
        _ => "audio or text",
    }
}
