//! Attention-based modality fusion (MMMLA).
//!
//! Each modality vector is projected to a common size, `p_m = tanh(W_m v_m + b_m)`,
//! scored with one learned vector, `s_m = u^T p_m`, and the scores go through a
//! softmax over the modalities the utterance *has*; the fused vector is
//! `sum_m w_m p_m`. With one modality missing its weight is exactly 0 and the
//! present one's exactly 1.

use burn::module::{Module, Param};
use burn::tensor::activation::softmax;
use burn::tensor::{Bool, Device, Tensor};

use super::init::{torch_bound, uniform1};
use super::layers::{tanh, Dense};
use super::pooling::MASKED;
use crate::rng::Rng;

#[cfg(feature = "wgpu")]
pub mod gpu;

#[derive(Module, Debug)]
pub struct ModalityFusion {
    pub audio: Dense,
    pub text: Dense,
    pub context: Param<Tensor<1>>,
}

impl ModalityFusion {
    pub fn new(rng: &mut Rng, d_in: usize, size: usize, device: &Device) -> Self {
        ModalityFusion {
            audio: Dense::new(rng, d_in, size, device),
            text: Dense::new(rng, d_in, size, device),
            context: uniform1(rng, size, torch_bound(size), device),
        }
    }

    /// `audio`, `text`: `[B, D]`; `absent`: `[B, 2]` true where a modality is
    /// missing; `present`: the same as 1/0. Returns (fused `[B, F]`, weights
    /// `[B, 2]` in the order audio, text).
    pub fn forward(
        &self,
        audio: Tensor<2>,
        text: Tensor<2>,
        absent: Tensor<2, Bool>,
        present: Tensor<2>,
    ) -> (Tensor<2>, Tensor<2>) {
        let f = self.context.dims()[0];
        let pa = tanh(self.audio.forward(audio));
        let pt = tanh(self.text.forward(text));
        let u = self.context.val().reshape([f, 1]);
        let scores = Tensor::cat(vec![pa.clone().matmul(u.clone()), pt.clone().matmul(u)], 1);
        let weights = softmax(scores.mask_fill(absent, MASKED), 1) * present;
        let fused = pa * weights.clone().narrow(1, 0, 1) + pt * weights.clone().narrow(1, 1, 1);
        (fused, weights)
    }

    /// The fusion, then `output` and the softmax, as one GPU kernel: the
    /// logits (`output`'s plus `extra`, `[B, C]`, the heads'), their softmax
    /// and the modality weights. `present`: `[B, 2]` as in
    /// [`ModalityFusion::forward`]. Call only where
    /// [`crate::model::gpu::supports`] holds for the tensors and the weights.
    #[cfg(feature = "wgpu")]
    pub fn classify_gpu(
        &self,
        audio: Tensor<2>,
        text: Tensor<2>,
        present: Tensor<2>,
        extra: Tensor<2>,
        output: &Dense,
    ) -> gpu::Outputs {
        let weights = gpu::Weights {
            audio_w: self.audio.weight.val(),
            audio_b: self.audio.bias.val(),
            text_w: self.text.weight.val(),
            text_b: self.text.bias.val(),
            context: self.context.val(),
            output_w: output.weight.val(),
            output_b: output.bias.val(),
        };
        gpu::fuse_and_classify(audio, text, present, extra, weights)
    }
}
