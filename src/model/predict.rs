//! One utterance in, one labelled prediction with its attention out.
//!
//! The forward pass is the same everywhere; only reading the results back
//! differs. CPU backends (and native GPUs) can block, so [`Model::predict`]
//! reads synchronously; WebGPU in a page cannot, so [`Model::predict_async`]
//! awaits each read.

#[cfg(feature = "burn")]
use burn::tensor::{Tensor, TensorData};

use super::batch::Batch;
#[cfg(feature = "burn")]
use super::batch::{Batcher, Example};
#[cfg(feature = "burn")]
use super::{Model, ModelError, ModelOutput};
use crate::Emotion;

/// A prediction with everything the page shows.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Prediction {
    #[serde(serialize_with = "emotion_code")]
    pub label: Emotion,
    /// ang, hap, neu, sad.
    pub probabilities: [f32; 4],
    /// One weight per frame the model read (it reads the first
    /// `max_frames`), when the model has frame weights (see
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

/// The outputs of one item, read back to the host (or computed there).
pub(crate) struct Readback {
    pub probabilities: Vec<f32>,
    pub modality_weights: Vec<f32>,
    pub frame_attention: Option<Vec<f32>>,
    pub word_attention: Option<Vec<f32>>,
}

#[cfg(feature = "burn")]
impl Model {
    /// Predicts one example. Fails when the example has none of the
    /// modalities the model reads (e.g. no audio for an acoustic-only model):
    /// such an output would only be the output layer's bias.
    ///
    /// Reads tensors synchronously: in the browser on WebGPU, use
    /// [`Model::predict_async`].
    pub fn predict(&self, example: &Example) -> Result<Prediction, ModelError> {
        let (batch, out) = self.forward_one(example)?;
        let read = |t: Tensor<2>| to_vec(t.try_into_data().map_err(|e| ModelError::Format(format!("{e:?}"))));
        let raw = Readback {
            probabilities: read(out.probabilities)?,
            modality_weights: read(out.modality_weights)?,
            frame_attention: out.frame_attention.map(read).transpose()?,
            word_attention: out.word_attention.map(read).transpose()?,
        };
        Ok(assemble(&batch, raw))
    }

    /// [`Model::predict`] for devices that cannot block (WebGPU in a page or a
    /// Web Worker): the same forward pass, with every read awaited.
    pub async fn predict_async(&self, example: &Example) -> Result<Prediction, ModelError> {
        let (batch, out) = self.forward_one(example)?;
        async fn read(t: Tensor<2>) -> Result<Vec<f32>, ModelError> {
            to_vec(t.into_data_async().await.map_err(|e| ModelError::Format(format!("{e:?}"))))
        }
        let probabilities = read(out.probabilities).await?;
        let modality_weights = read(out.modality_weights).await?;
        let frame_attention = match out.frame_attention {
            Some(t) => Some(read(t).await?),
            None => None,
        };
        let word_attention = match out.word_attention {
            Some(t) => Some(read(t).await?),
            None => None,
        };
        Ok(assemble(&batch, Readback { probabilities, modality_weights, frame_attention, word_attention }))
    }

    fn forward_one(&self, example: &Example) -> Result<(Batch, ModelOutput), ModelError> {
        let v = self.config().variant;
        if !(v.uses_audio() && example.has_audio() || v.uses_text() && example.has_text()) {
            return Err(ModelError::Input(format!("the {v:?} model needs {} and the example has none", v.needs())));
        }
        let batch = Batcher::new(self.config()).batch(&[example])?;
        let out = self.forward(&batch, None);
        Ok((batch, out))
    }
}

#[cfg(feature = "burn")]
fn to_vec(data: Result<TensorData, ModelError>) -> Result<Vec<f32>, ModelError> {
    data?.try_into_vec::<f32>().map_err(|e| ModelError::Format(format!("model output is not f32: {e:?}")))
}

/// The prediction of a one-item batch: attention trimmed to the item's true
/// length, the label the most probable class.
pub(crate) fn assemble(batch: &Batch, raw: Readback) -> Prediction {
    let trim = |w: Option<Vec<f32>>, len: Option<usize>| {
        w.and_then(|w| len.filter(|&l| l > 0).map(|l| w[..l.min(w.len())].to_vec()))
    };
    let frames = batch.acoustic.as_ref().map(|p| p.lens[0]);
    let words = batch.words.as_ref().map(|p| p.lens[0]);
    let p = &raw.probabilities;
    let probabilities = [p[0], p[1], p[2], p[3]];
    Prediction {
        label: Emotion::most_likely(&probabilities),
        probabilities,
        frame_attention: trim(raw.frame_attention, frames),
        word_attention: trim(raw.word_attention, words),
        modality_weights: [raw.modality_weights[0], raw.modality_weights[1]],
    }
}

/// Probabilities `p` (a softmax) at temperature `t`: `softmax(log p / t)`,
/// which equals `softmax(logits / t)`, the temperature scaling a bundle's
/// calibration applies. `t = 1` returns `p` unchanged; the winning class never
/// changes.
pub fn calibrate(p: [f32; 4], t: f64) -> [f32; 4] {
    if t == 1.0 || !(t.is_finite() && t > 0.0) {
        return p;
    }
    let logs = p.map(|x| f64::from(x).max(f64::MIN_POSITIVE).ln() / t);
    let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e = logs.map(|l| (l - top).exp());
    let sum: f64 = e.iter().sum();
    e.map(|v| (v / sum) as f32)
}
