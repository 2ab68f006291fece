//! Parameter initialisation from the crate's own [`Rng`], so a seed gives the
//! same weights on every backend and in every process (see [`super::rng`]).

use burn::module::Param;
use burn::tensor::{Device, Tensor, TensorData};

use crate::rng::Rng;

/// A `[rows, cols]` parameter uniform in [-bound, bound).
pub(crate) fn uniform2(rng: &mut Rng, rows: usize, cols: usize, bound: f64, device: &Device) -> Param<Tensor<2>> {
    let data = rng.uniform_vec(rows * cols, -bound, bound);
    Param::from_data(TensorData::new(data, [rows, cols]), device)
}

/// A `[n]` parameter uniform in [-bound, bound).
pub(crate) fn uniform1(rng: &mut Rng, n: usize, bound: f64, device: &Device) -> Param<Tensor<1>> {
    let data = rng.uniform_vec(n, -bound, bound);
    Param::from_data(TensorData::new(data, [n]), device)
}

/// PyTorch's default bound for a layer with `fan_in` inputs: 1/sqrt(fan_in).
pub(crate) fn torch_bound(fan_in: usize) -> f64 {
    1.0 / (fan_in.max(1) as f64).sqrt()
}
