//! Turning a sequence of BLSTM outputs into one utterance vector, over valid
//! steps only.
//!
//! Every pooling returns a zero vector for an item of length 0 (the modality
//! is missing), so missing inputs never inject padding values downstream.

use burn::module::{Module, Param};
use burn::tensor::activation::softmax;
use burn::tensor::{Bool, Device, Int, Tensor, TensorData};

use super::init::{torch_bound, uniform1};
use super::layers::{tanh, Dense};
use super::lstm::Recurrence;
use crate::rng::Rng;

#[cfg(feature = "wgpu")]
pub mod gpu;

pub use super::config::PoolKind;

/// Large negative score for masked positions. Finite (not -inf) so that a row
/// with no valid position gives a finite softmax, which is then zeroed.
pub(crate) const MASKED: f32 = -1.0e9;

/// Host-built masks for one padded modality.
#[derive(Debug, Clone)]
pub struct Masks {
    pub lens: Vec<usize>,
    /// `[B, T]`: true at padding.
    pub padding: Tensor<2, Bool>,
    /// `[B, T]`: 1 at valid steps, 0 at padding.
    pub valid: Tensor<2>,
    /// `[B, 1]`: 1 for items that have the modality.
    pub present: Tensor<2>,
}

impl Masks {
    pub fn new(lens: &[usize], max_len: usize, device: &Device) -> Self {
        let b = lens.len();
        let mut pad = Vec::with_capacity(b * max_len);
        let mut valid = Vec::with_capacity(b * max_len);
        for &len in lens {
            for t in 0..max_len {
                pad.push(t >= len);
                valid.push(if t < len { 1.0f32 } else { 0.0 });
            }
        }
        let present: Vec<f32> = lens.iter().map(|&l| if l > 0 { 1.0 } else { 0.0 }).collect();
        Masks {
            lens: lens.to_vec(),
            padding: Tensor::from_data(TensorData::new(pad, [b, max_len]), device),
            valid: Tensor::from_data(TensorData::new(valid, [b, max_len]), device),
            present: Tensor::from_data(TensorData::new(present, [b, 1]), device),
        }
    }
}

/// Context-based attention: `score_t = u^T tanh(W h_t + b)`, softmax over the
/// valid steps, weighted sum of `h_t`.
#[derive(Module, Debug)]
pub struct AttentionPool {
    pub projection: Dense,
    pub context: Param<Tensor<1>>,
}

impl AttentionPool {
    pub fn new(rng: &mut Rng, d_in: usize, size: usize, device: &Device) -> Self {
        AttentionPool {
            projection: Dense::new(rng, d_in, size, device),
            context: uniform1(rng, size, torch_bound(size), device),
        }
    }

    /// Returns the pooled `[B, D]` and the weights `[B, T]` (zero at padding;
    /// a row of zeros for an item of length 0).
    pub fn forward(&self, h: Tensor<3>, masks: &Masks) -> (Tensor<2>, Tensor<2>) {
        let [b, t, d] = h.dims();
        let a = self.context.dims()[0];
        let keys = tanh(self.projection.forward(h.clone().reshape([b * t, d])));
        let scores = keys.matmul(self.context.val().reshape([a, 1])).reshape([b, t]);
        let weights = softmax(scores.mask_fill(masks.padding.clone(), MASKED), 1) * masks.valid.clone();
        let pooled = weights.clone().unsqueeze_dim::<3>(1).matmul(h).reshape([b, d]);
        (pooled, weights)
    }

    /// [`AttentionPool::forward`] as one GPU kernel, where it runs for `h`
    /// and the weights (both on the GPU, neither needing gradients); `None`
    /// elsewhere.
    #[cfg(feature = "wgpu")]
    fn forward_gpu(&self, h: &Tensor<3>, masks: &Masks) -> Option<(Tensor<2>, Tensor<2>)> {
        let on_gpu = crate::model::gpu::supports;
        (on_gpu(&h.device()) && on_gpu(&self.context.val().device())).then(|| {
            gpu::attention_pool(
                h.clone(),
                self.projection.weight.val(),
                self.projection.bias.val(),
                self.context.val(),
                masks.valid.clone(),
            )
        })
    }
}

/// A pooling step with its parameters (attention only).
#[derive(Module, Debug)]
pub struct Pooler {
    pub attention: Option<AttentionPool>,
    #[module(skip)]
    pub kind: PoolKind,
}

impl Pooler {
    pub fn new(rng: &mut Rng, kind: PoolKind, d_in: usize, attention: usize, device: &Device) -> Self {
        let attention = (kind == PoolKind::Attention).then(|| AttentionPool::new(rng, d_in, attention, device));
        Pooler { attention, kind }
    }

    /// `h: [B, T, 2H]` → (pooled `[B, 2H]`, per-step weights `[B, T]` when the
    /// pooling has them: learned for attention, uniform over valid steps for
    /// the mean, none for last/CLS). `path`: [`Recurrence::Auto`] lets
    /// attention take the GPU kernel where it runs, [`Recurrence::Composite`]
    /// keeps the tensor operations everywhere.
    pub fn forward(&self, h: Tensor<3>, masks: &Masks, path: Recurrence) -> (Tensor<2>, Option<Tensor<2>>) {
        #[cfg(feature = "wgpu")]
        if let (Some(attention), Recurrence::Auto) = (&self.attention, path) {
            if let Some((pooled, weights)) = attention.forward_gpu(&h, masks) {
                return (pooled, Some(weights));
            }
        }
        #[cfg(not(feature = "wgpu"))]
        let _ = path; // only the GPU has a fused pooling
        let [b, t, d] = h.dims();
        let device = h.device();
        let (pooled, weights) = match self.kind {
            PoolKind::Attention => {
                let (p, w) = self.attention.as_ref().expect("attention pooling has parameters").forward(h, masks);
                (p, Some(w))
            }
            PoolKind::Mean => {
                let lens: Vec<f32> = masks.lens.iter().map(|&l| l.max(1) as f32).collect();
                let lens = Tensor::<2>::from_data(TensorData::new(lens, [b, 1]), &device);
                let w = masks.valid.clone() / lens;
                let p = w.clone().unsqueeze_dim::<3>(1).matmul(h).reshape([b, d]);
                (p, Some(w))
            }
            PoolKind::Last => {
                // Final state of each direction: the forward half at the last
                // valid step, the backward half at step 0 (it has read the
                // whole item right to left).
                let half = d / 2;
                let idx: Vec<i64> =
                    masks.lens.iter().enumerate().map(|(i, &l)| (i * t + l.max(1) - 1) as i64).collect();
                let idx = Tensor::<1, Int>::from_data(TensorData::new(idx, [b]), &device);
                let fwd = h.clone().reshape([b * t, d]).select(0, idx).narrow(1, 0, half);
                let bwd = h.narrow(1, 0, 1).reshape([b, d]).narrow(1, half, half);
                (Tensor::cat(vec![fwd, bwd], 1), None)
            }
            PoolKind::Cls => (h.narrow(1, 0, 1).reshape([b, d]), None),
        };
        (pooled * masks.present.clone(), weights)
    }
}
