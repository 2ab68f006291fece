//! The fused recurrence on the GPU (burn's wgpu backend: Vulkan/Metal/DX12
//! natively, WebGPU in the browser): one cubecl kernel runs a whole
//! layer-direction, every step, in one dispatch.
//!
//! The composite path costs 43 dispatches per frame for one BLSTM layer
//! (counted in Chromium: about 21,500 for 5 s of audio), and on a software
//! adapter (SwiftShader, WebGPU in headless Chromium) each one costs far
//! more than the arithmetic it carries. Here one workgroup holds one
//! item's state in workgroup memory and loops over the steps itself, as
//! [`super::recurrence::forward`] does on the CPU: per step, each thread
//! computes its hidden units' four gates (`z = gx + h W`), cells and
//! outputs, then a barrier. Items are independent, so the batch is the
//! grid.
//!
//! Inference only: there is no backward kernel, so a tensor that needs
//! gradients on a GPU device keeps the composite path ([`super::fused::supports`]
//! says no for it), and the autodiff backend over the GPU refuses the
//! operation outright rather than drop the gradients.

use burn::backend::cubecl::dtype_to_storage_type;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Cube, Shape, TensorMetadata};
use burn_cubecl::cubecl;
use burn_cubecl::cubecl::prelude::*;
use burn_cubecl::kernel::into_contiguous;
use burn_cubecl::ops::numeric::empty_device_dtype;

use super::fused::{dims_of, FusedLstm};

/// Threads per workgroup at most: WebGPU's default limit on invocations per
/// workgroup (the adapter may allow more, the browser grants this unless
/// asked). With more hidden units than threads, each thread takes several.
const MAX_THREADS: u32 = 256;

/// `1 / (1 + e^-x)`; `e^-x` overflows to infinity for very negative `x`,
/// which gives the right limit, 0.
#[cube]
fn sigmoid<F: Float>(x: F) -> F {
    F::new(1.0) / (F::new(1.0) + F::exp(-x))
}

/// `tanh` of `x` clamped to ±15, as the composite path takes it (see
/// `model::layers::tanh`): beyond, it is 1 to f32 precision, and some
/// shader compilers' `tanh` overflows to NaN on large arguments.
#[cube]
fn clamped_tanh<F: Float>(x: F) -> F {
    F::tanh(F::clamp(x, F::new(-15.0), F::new(15.0)))
}

/// One workgroup per item (`CUBE_POS_X`), each thread owning hidden units
/// (`k = UNIT_POS_X`, plus the workgroup size while `k < H`): it computes
/// the unit's four gates, its cell (kept in workgroup memory, which only
/// this thread touches) and its output. `h` is double-buffered, read from
/// one half and written to the other by step parity, so one barrier per
/// step suffices. On SwiftShader this ran the shipped size (H = 64, 500
/// steps) in about 50 ms, half the time of one thread per gate column (4H
/// threads, two barriers a step: gates, then cells).
///
/// `hidden` is known at compile time so the state fits fixed workgroup
/// arrays (3H floats: 3 KiB at H = 256, within WebGPU's 16 KiB minimum).
/// Layouts as in [`super::recurrence`]: `gates [B, T, 4H]`, `w_hidden
/// [H, 4H]`, `valid [B, T]`, `out [B, T, H]`, all contiguous. `reverse` is
/// 1 to visit the steps right to left.
#[cube(launch)]
fn lstm_recurrence_kernel<F: Float>(
    gates: &Tensor<F>,
    w_hidden: &Tensor<F>,
    valid: &Tensor<F>,
    out: &mut Tensor<F>,
    reverse: u32,
    #[comptime] hidden: usize,
    #[define(F)] _dtype: ElemType,
) {
    let item = CUBE_POS_X as usize;
    let unit = UNIT_POS_X as usize;
    let threads = CUBE_DIM_X as usize;
    let steps = valid.shape(1);
    let g4 = 4 * hidden;
    let mut h = Shared::<[F]>::new_slice(2 * hidden);
    let mut c = Shared::<[F]>::new_slice(hidden);

    let mut k = unit;
    while k < hidden {
        h[k] = F::new(0.0);
        c[k] = F::new(0.0);
        k += threads;
    }
    sync_cube();

    for s in 0..steps {
        let t = if reverse == 1 { steps - 1 - s } else { s };
        let at = item * steps + t;
        let read = (s % 2) * hidden;
        let write = hidden - read;
        let v = valid[at];
        let mut k = unit;
        while k < hidden {
            // Gates input, forget, output, candidate: `gx + h W`. Threads
            // with consecutive units read consecutive columns of a row of
            // W (coalesced); h is broadcast from workgroup memory.
            let mut zi = gates[at * g4 + k];
            let mut zf = gates[at * g4 + hidden + k];
            let mut zo = gates[at * g4 + 2 * hidden + k];
            let mut zg = gates[at * g4 + 3 * hidden + k];
            for i in 0..hidden {
                let hi = h[read + i];
                let row = i * g4;
                zi += hi * w_hidden[row + k];
                zf += hi * w_hidden[row + hidden + k];
                zo += hi * w_hidden[row + 2 * hidden + k];
                zg += hi * w_hidden[row + 3 * hidden + k];
            }
            // The reset keeps the state at zero across an item's padding,
            // so a reversed direction starts on its last valid step from
            // zero.
            let cell = sigmoid::<F>(zf) * c[k] + sigmoid::<F>(zi) * clamped_tanh::<F>(zg);
            let hk = v * (sigmoid::<F>(zo) * clamped_tanh::<F>(cell));
            c[k] = v * cell;
            h[write + k] = hk;
            out[at * hidden + k] = hk;
            k += threads;
        }
        sync_cube();
    }
}

impl FusedLstm for Cube {
    fn lstm_recurrence(
        gates: FloatTensor<Self>,
        w_hidden: FloatTensor<Self>,
        valid: FloatTensor<Self>,
        reverse: bool,
    ) -> FloatTensor<Self> {
        let dims = dims_of::<Self>(&gates, &w_hidden);
        // The kernel indexes by these shapes.
        assert_eq!(w_hidden.shape().dims::<2>(), [dims.hidden, 4 * dims.hidden], "w_hidden must be [H, 4H]");
        assert_eq!(valid.shape().dims::<2>(), [dims.batch, dims.steps], "valid must be [B, T]");
        let (gates, w_hidden, valid) = (into_contiguous(gates), into_contiguous(w_hidden), into_contiguous(valid));
        let (client, dtype) = (gates.client.clone(), gates.dtype);
        let out = empty_device_dtype(
            client.clone(),
            gates.device.clone(),
            Shape::new([dims.batch, dims.steps, dims.hidden]),
            dtype,
        );
        if dims.batch == 0 || dims.steps == 0 || dims.hidden == 0 {
            return out;
        }
        let hardware = &client.properties().hardware;
        let limit = MAX_THREADS.min(hardware.max_units_per_cube).min(hardware.max_cube_dim.0);
        let threads = u32::try_from(dims.hidden).unwrap_or(u32::MAX).min(limit);
        let batch = u32::try_from(dims.batch).expect("batch fits a grid");
        lstm_recurrence_kernel::launch(
            &client,
            CubeCount::Static(batch, 1, 1),
            CubeDim::new_1d(threads),
            gates.into_tensor_arg(),
            w_hidden.into_tensor_arg(),
            valid.into_tensor_arg(),
            out.clone().into_tensor_arg(),
            u32::from(reverse),
            dims.hidden,
            dtype_to_storage_type(dtype),
        );
        out
    }
}

/// Autodiff over the GPU: the dispatch needs an implementation for every
/// backend it routes to, but there is no backward kernel, and running the
/// forward pass alone would drop the gradients. [`super::fused::supports`]
/// keeps such tensors off this path.
#[cfg(not(target_arch = "wasm32"))]
impl<C: burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy> FusedLstm
    for burn::backend::Autodiff<Cube, C>
{
    fn lstm_recurrence(
        _gates: FloatTensor<Self>,
        _w_hidden: FloatTensor<Self>,
        _valid: FloatTensor<Self>,
        _reverse: bool,
    ) -> FloatTensor<Self> {
        panic!(
            "the fused LSTM recurrence has no backward pass on the GPU: tensors that need gradients there take the \
             composite path (fused::supports)"
        )
    }
}
