//! A BLSTM layer on the GPU (burn's wgpu backend: Vulkan/Metal/DX12
//! natively, WebGPU in the browser): one cubecl kernel runs both
//! directions over every step, input projection included, in one dispatch.
//!
//! The composite path costs 43 dispatches per frame for one BLSTM layer
//! (counted in Chromium: about 21,500 for 5 s of audio), and on a software
//! adapter (SwiftShader, WebGPU in headless Chromium) each one costs far
//! more than the arithmetic it carries. Here one workgroup holds one
//! item's state in one direction in workgroup memory and loops over the
//! steps itself, as [`super::recurrence::forward`] does on the CPU: per
//! step, each thread computes its hidden units' four gates (`z = x W_in +
//! b + h W_hidden`), cells and outputs, then a barrier. Items and
//! directions are independent, so `(item, direction)` is the grid.
//! Projecting the inputs inside the loop costs each step `D` more
//! multiply-adds per gate, but saves the products, the bias, the
//! concatenation of the directions and their dispatches. It costs no time
//! either: on SwiftShader (headless Chromium, 2 busy cores) the shipped
//! acoustic layer (500 frames of 130 values, H = 64) took 420-475 ms in
//! this kernel, and 420-515 ms as burn's two matrix products (310-360 ms)
//! followed by a kernel for the bias and the recurrence alone (140-150 ms):
//! on a software adapter the projection's arithmetic dominates either way.
//! (Both measured while the kernels chose each weight's direction at every
//! read; choosing once per step, as now, took the shipped model's whole
//! inference there from 0.42-0.60 s to 0.30-0.36 s.)
//!
//! Inference only: there is no backward kernel, so a tensor that needs
//! gradients on a GPU device keeps the composite path
//! ([`crate::model::gpu::supports`] says no for it).

use burn::backend::cubecl::dtype_to_storage_type;
use burn::backend::tensor::FloatTensor;
use burn::backend::{backend_extension, Cube, Shape, TensorMetadata};
// burn's tensors, beside the kernels' `Tensor<F>` (cubecl's).
use burn::tensor as bt;
use burn_cubecl::cubecl;
use burn_cubecl::cubecl::prelude::*;
use burn_cubecl::kernel::into_contiguous;
use burn_cubecl::ops::numeric::empty_device_dtype;

use crate::model::gpu::{clamped_tanh, sigmoid, threads};

/// One bidirectional LSTM layer over all steps. `x`: `[B, T, D]`; per
/// direction (forward, then backward) `w_input` `[D, 4H]`, `bias` `[4H]`
/// and `w_hidden` `[H, 4H]`; `valid`: `[B, T]`, 1 at valid steps (the state
/// is reset after the others). Returns `[B, T, 2H]`, forward states first.
#[backend_extension(Cube)]
pub trait GpuBiLstm: burn::backend::Backend {
    #[allow(clippy::too_many_arguments)] // the two directions' weights, as the layer holds them
    fn bilstm_layer(
        x: FloatTensor<Self>,
        w_input_fwd: FloatTensor<Self>,
        bias_fwd: FloatTensor<Self>,
        w_hidden_fwd: FloatTensor<Self>,
        w_input_bwd: FloatTensor<Self>,
        bias_bwd: FloatTensor<Self>,
        w_hidden_bwd: FloatTensor<Self>,
        valid: FloatTensor<Self>,
    ) -> FloatTensor<Self>;
}

/// One direction's weights: `[D, 4H]`, `[4H]`, `[H, 4H]`.
pub struct Direction {
    pub w_input: bt::Tensor<2>,
    pub bias: bt::Tensor<1>,
    pub w_hidden: bt::Tensor<2>,
}

/// [`GpuBiLstm::bilstm_layer`] on tensors. Call only where
/// [`crate::model::gpu::supports`] holds for their device.
pub fn bilstm_layer(x: bt::Tensor<3>, forward: Direction, backward: Direction, valid: bt::Tensor<2>) -> bt::Tensor<3> {
    let out = <burn::backend::Dispatch as GpuBiLstm>::bilstm_layer(
        x.into_dispatch(),
        forward.w_input.into_dispatch(),
        forward.bias.into_dispatch(),
        forward.w_hidden.into_dispatch(),
        backward.w_input.into_dispatch(),
        backward.bias.into_dispatch(),
        backward.w_hidden.into_dispatch(),
        valid.into_dispatch(),
    );
    bt::Tensor::from_dispatch(out)
}

/// One step of one direction for this thread's hidden units (`k =
/// UNIT_POS_X`, plus the workgroup size while `k < H`): each unit's four
/// gates, its cell (kept in workgroup memory `c`, which only this thread
/// touches) and its output, read from `h`'s half at `read` and written to
/// the other half and to `out` at column `half + k`. `at` is the step's
/// row, `item * T + t`.
#[allow(clippy::too_many_arguments)]
#[cube]
fn step_units<F: Float>(
    x: &Tensor<F>,
    w_input: &Tensor<F>,
    bias: &Tensor<F>,
    w_hidden: &Tensor<F>,
    valid: &Tensor<F>,
    out: &mut Tensor<F>,
    h: &mut Shared<[F]>,
    c: &mut Shared<[F]>,
    at: usize,
    read: usize,
    half: usize,
    #[comptime] hidden: usize,
) {
    let threads = CUBE_DIM_X as usize;
    let dim = x.shape(2);
    let g4 = 4 * hidden;
    let write = hidden - read;
    let v = valid[at];
    let mut k = UNIT_POS_X as usize;
    while k < hidden {
        // Gates input, forget, output, candidate: `b + x W_in + h W`.
        // Threads with consecutive units read consecutive columns of a row
        // of the weights (coalesced); x and h are broadcast.
        let mut zi = bias[k];
        let mut zf = bias[hidden + k];
        let mut zo = bias[2 * hidden + k];
        let mut zg = bias[3 * hidden + k];
        for d in 0..dim {
            let xd = x[at * dim + d];
            let row = d * g4;
            zi += xd * w_input[row + k];
            zf += xd * w_input[row + hidden + k];
            zo += xd * w_input[row + 2 * hidden + k];
            zg += xd * w_input[row + 3 * hidden + k];
        }
        for i in 0..hidden {
            let hi = h[read + i];
            let row = i * g4;
            zi += hi * w_hidden[row + k];
            zf += hi * w_hidden[row + hidden + k];
            zo += hi * w_hidden[row + 2 * hidden + k];
            zg += hi * w_hidden[row + 3 * hidden + k];
        }
        // The reset keeps the state at zero across an item's padding, so
        // the backward direction starts on its last valid step from zero.
        let cell = sigmoid::<F>(zf) * c[k] + sigmoid::<F>(zi) * clamped_tanh::<F>(zg);
        let hk = v * (sigmoid::<F>(zo) * clamped_tanh::<F>(cell));
        c[k] = v * cell;
        h[write + k] = hk;
        out[at * 2 * hidden + half + k] = hk;
        k += threads;
    }
}

/// One workgroup per item and direction (`CUBE_POS_X`, `CUBE_POS_Y`: 0
/// forward, 1 backward, visiting the steps right to left), its threads
/// owning the hidden units ([`step_units`]). `h` is double-buffered, read
/// from one half and written to the other by step parity, so one barrier
/// per step suffices. The direction picks its weights once per step, not
/// per read (the directions' weights are separate parameters, and stacking
/// them would cost a dispatch per call): the branch is uniform over the
/// workgroup, and taken outside the loops rather than at every read it
/// made the whole inference about 30 % faster on SwiftShader (see the
/// module's comment).
///
/// `hidden` is known at compile time so the state fits fixed workgroup
/// arrays (3H floats: 3 KiB at H = 256, within WebGPU's 16 KiB minimum).
/// Layouts as in [`super::recurrence`], all contiguous: `x [B, T, D]`,
/// `w_input [D, 4H]`, `bias [4H]`, `w_hidden [H, 4H]`, `valid [B, T]`,
/// `out [B, T, 2H]` (this direction's half).
#[allow(clippy::too_many_arguments)]
#[cube(launch)]
fn bilstm_layer_kernel<F: Float>(
    x: &Tensor<F>,
    w_input_fwd: &Tensor<F>,
    bias_fwd: &Tensor<F>,
    w_hidden_fwd: &Tensor<F>,
    w_input_bwd: &Tensor<F>,
    bias_bwd: &Tensor<F>,
    w_hidden_bwd: &Tensor<F>,
    valid: &Tensor<F>,
    out: &mut Tensor<F>,
    #[comptime] hidden: usize,
    #[define(F)] _dtype: ElemType,
) {
    let item = CUBE_POS_X as usize;
    let backward = CUBE_POS_Y == 1;
    let threads = CUBE_DIM_X as usize;
    let steps = valid.shape(1);
    let mut h = Shared::<[F]>::new_slice(2 * hidden);
    let mut c = Shared::<[F]>::new_slice(hidden);

    let mut k = UNIT_POS_X as usize;
    while k < hidden {
        h[k] = F::new(0.0);
        c[k] = F::new(0.0);
        k += threads;
    }
    sync_cube();

    for s in 0..steps {
        let read = (s % 2) * hidden;
        if backward {
            let at = item * steps + steps - 1 - s;
            step_units::<F>(
                x,
                w_input_bwd,
                bias_bwd,
                w_hidden_bwd,
                valid,
                out,
                &mut h,
                &mut c,
                at,
                read,
                hidden,
                hidden,
            );
        } else {
            let at = item * steps + s;
            step_units::<F>(
                x,
                w_input_fwd,
                bias_fwd,
                w_hidden_fwd,
                valid,
                out,
                &mut h,
                &mut c,
                at,
                read,
                0usize,
                hidden,
            );
        }
        sync_cube();
    }
}

impl GpuBiLstm for Cube {
    fn bilstm_layer(
        x: FloatTensor<Self>,
        w_input_fwd: FloatTensor<Self>,
        bias_fwd: FloatTensor<Self>,
        w_hidden_fwd: FloatTensor<Self>,
        w_input_bwd: FloatTensor<Self>,
        bias_bwd: FloatTensor<Self>,
        w_hidden_bwd: FloatTensor<Self>,
        valid: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        let [batch, steps, dim] = x.shape().dims::<3>();
        let hidden = w_hidden_fwd.shape()[0];
        // The kernel indexes by these shapes.
        for w in [&w_input_fwd, &w_input_bwd] {
            assert_eq!(w.shape().dims::<2>(), [dim, 4 * hidden], "w_input must be [D, 4H]");
        }
        for w in [&w_hidden_fwd, &w_hidden_bwd] {
            assert_eq!(w.shape().dims::<2>(), [hidden, 4 * hidden], "w_hidden must be [H, 4H]");
        }
        for b in [&bias_fwd, &bias_bwd] {
            assert_eq!(b.shape().dims::<1>(), [4 * hidden], "bias must be [4H]");
        }
        assert_eq!(valid.shape().dims::<2>(), [batch, steps], "valid must be [B, T]");
        let (client, dtype) = (x.client.clone(), x.dtype);
        let out = empty_device_dtype(client.clone(), x.device.clone(), Shape::new([batch, steps, 2 * hidden]), dtype);
        if batch == 0 || steps == 0 || hidden == 0 {
            return out;
        }
        let batch = u32::try_from(batch).expect("batch fits a grid");
        bilstm_layer_kernel::launch(
            &client,
            CubeCount::Static(batch, 2, 1),
            CubeDim::new_1d(threads(&client, hidden)),
            into_contiguous(x).into_tensor_arg(),
            into_contiguous(w_input_fwd).into_tensor_arg(),
            into_contiguous(bias_fwd).into_tensor_arg(),
            into_contiguous(w_hidden_fwd).into_tensor_arg(),
            into_contiguous(w_input_bwd).into_tensor_arg(),
            into_contiguous(bias_bwd).into_tensor_arg(),
            into_contiguous(w_hidden_bwd).into_tensor_arg(),
            into_contiguous(valid).into_tensor_arg(),
            out.clone().into_tensor_arg(),
            hidden,
            dtype_to_storage_type(dtype),
        );
        out
    }
}
