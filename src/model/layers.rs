//! The small layers the encoders are made of: a dense layer and dropout.
//!
//! Dense is written out rather than taken from `burn::nn::Linear` so that its
//! weights come from our [`Rng`] (identical on every backend); dropout takes
//! its mask from our [`Rng`] too, so a checkpoint can carry the generator and
//! a resumed run drops exactly the units the uninterrupted run would have.

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor, TensorData};

use super::init::{torch_bound, uniform1, uniform2};
use crate::rng::Rng;

#[cfg(feature = "wgpu")]
pub mod gpu;

/// `y = x W + b`, `W: [d_in, d_out]`, initialised as PyTorch's `nn.Linear`.
#[derive(Module, Debug)]
pub struct Dense {
    pub weight: Param<Tensor<2>>,
    pub bias: Param<Tensor<1>>,
}

impl Dense {
    pub fn new(rng: &mut Rng, d_in: usize, d_out: usize, device: &Device) -> Self {
        let k = torch_bound(d_in);
        Dense { weight: uniform2(rng, d_in, d_out, k, device), bias: uniform1(rng, d_out, k, device) }
    }

    /// `[n, d_in] -> [n, d_out]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        x.matmul(self.weight.val()) + self.bias.val().unsqueeze_dim(0)
    }

    /// `(x W + b) * keep` (`keep`: `[n, 1]`, 1 or 0 per row). `on_gpu`:
    /// as one GPU kernel (inference only: call it so only where
    /// [`crate::model::gpu::supports`] holds for `x` and the weights);
    /// tensor operations otherwise, or with more outputs than the kernel
    /// takes.
    pub fn forward_kept(&self, x: Tensor<2>, keep: Tensor<2>, on_gpu: bool) -> Tensor<2> {
        #[cfg(feature = "wgpu")]
        if on_gpu && self.bias.dims()[0] <= gpu::MAX_OUTPUTS {
            return gpu::dense_kept(x, self.weight.val(), self.bias.val(), keep);
        }
        #[cfg(not(feature = "wgpu"))]
        let _ = on_gpu; // no GPU kernels in this build
        self.forward(x) * keep
    }

    /// `[b, t, d_in] -> [b, t, d_out]`, as one matrix product.
    pub fn forward3(&self, x: Tensor<3>) -> Tensor<3> {
        let [b, t, d] = x.dims();
        let y = self.forward(x.reshape([b * t, d]));
        let d_out = y.dims()[1];
        y.reshape([b, t, d_out])
    }
}

/// Inverted dropout with a mask drawn from `rng`; the identity when `rng` is
/// `None` (inference) or `p` is 0.
pub fn dropout<const D: usize>(x: Tensor<D>, p: f64, rng: Option<&mut Rng>) -> Tensor<D> {
    let Some(rng) = rng else { return x };
    if p <= 0.0 {
        return x;
    }
    let shape = x.shape();
    let n = shape.num_elements();
    let keep = 1.0 - p;
    let scale = (1.0 / keep) as f32;
    let mask: Vec<f32> = (0..n).map(|_| if rng.next_f64() < keep { scale } else { 0.0 }).collect();
    let mask = Tensor::<D>::from_data(TensorData::new(mask, shape), &x.device());
    x * mask
}

/// `tanh` that stays finite on every backend. WGSL's `tanh` overflows to NaN
/// for large inputs on some WebGPU implementations (SwiftShader here; cubecl
/// only guards it on macOS). Beyond |x| = 15, tanh is ±1 to f32 precision, so
/// clamping first changes no result on the CPU and keeps WebGPU finite.
pub fn tanh<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    x.clamp(-15.0, 15.0).tanh()
}
