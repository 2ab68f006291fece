//! What the model's GPU kernels share (burn's wgpu backend: WebGPU in the
//! page): which tensors take them, the workgroup size limit, and the cell
//! functions that must match the composite path exactly.
//!
//! On the GPU every tensor operation is one dispatch, and on a software
//! adapter (SwiftShader, WebGPU in headless Chromium) each one costs far
//! more than the arithmetic it carries. So inference there runs each stage
//! of the forward pass as one kernel: a BLSTM layer (`lstm::gpu`), an
//! attention pooling (`pooling::gpu`), the n-gram head (`layers::gpu`), the
//! fusion and the output layer with the softmax (`fusion::gpu`, two
//! kernels). None has a backward pass: training keeps the composite path.
//!
//! The shipped model's classify call is 7 dispatches on WebGPU, one per
//! kernel (acoustic and lexical BLSTM and pooling, n-gram head, fusion,
//! output); it was 80 with only the recurrences fused, counted by
//! `WEBGPU=1 ORT=0 ./scripts/bench-wasm.sh` (which counts every
//! `dispatchWorkgroups`). Inputs and masks are uploads, not dispatches.

use burn::backend::DispatchDevice;
use burn::tensor::Device;
use burn_cubecl::cubecl;
use burn_cubecl::cubecl::prelude::*;

/// Threads per workgroup at most: WebGPU's default limit on invocations per
/// workgroup (the adapter may allow more, the browser grants this unless
/// asked). Kernels whose work is wider loop, each thread taking several.
pub(crate) const MAX_THREADS: u32 = 256;

/// Whether the GPU kernels run for tensors on `device`: the cubecl backend
/// without autodiff (they have no backward pass).
pub fn supports(device: &Device) -> bool {
    matches!(device.clone().inner().as_dispatch(), DispatchDevice::Cube(_)) && !device.is_autodiff()
}

/// Threads for a workgroup that wants `wanted` (at least one), within
/// [`MAX_THREADS`] and what the adapter allows.
pub(crate) fn threads(client: &cubecl::client::Client, wanted: usize) -> u32 {
    let hardware = &client.properties().hardware;
    let limit = MAX_THREADS.min(hardware.max_units_per_cube).min(hardware.max_cube_dim.0);
    u32::try_from(wanted.max(1)).unwrap_or(u32::MAX).min(limit)
}

/// `1 / (1 + e^-x)`; `e^-x` overflows to infinity for very negative `x`,
/// which gives the right limit, 0.
#[cube]
pub(crate) fn sigmoid<F: Float>(x: F) -> F {
    F::new(1.0) / (F::new(1.0) + F::exp(-x))
}

/// `tanh` of `x` clamped to ±15, as the composite path takes it (see
/// `model::layers::tanh`): beyond, it is 1 to f32 precision, and some
/// shader compilers' `tanh` overflows to NaN on large arguments.
#[cube]
pub(crate) fn clamped_tanh<F: Float>(x: F) -> F {
    F::tanh(F::clamp(x, F::new(-15.0), F::new(15.0)))
}
