//! Attention pooling on the GPU: one cubecl kernel, one dispatch, where the
//! composite [`AttentionPool::forward`](super::AttentionPool::forward)
//! costs a dozen (projection, bias, clamp, tanh, scores, mask, the softmax's
//! steps, the weighted sum). Same result: scores `u^T tanh(W h_t + b)` over
//! the valid steps, their softmax, the weighted sum of the states; the
//! weights are zero at padding, and an item of length 0 gets zero weights
//! and a zero vector. Inference only (no backward kernel).

use burn::backend::cubecl::dtype_to_storage_type;
use burn::backend::tensor::FloatTensor;
use burn::backend::{backend_extension, Cube, Shape, TensorMetadata};
// burn's tensors, beside the kernels' `Tensor<F>` (cubecl's).
use burn::tensor as bt;
use burn_cubecl::cubecl;
use burn_cubecl::cubecl::prelude::*;
use burn_cubecl::kernel::into_contiguous;
use burn_cubecl::ops::numeric::empty_device_dtype;

use crate::model::gpu::{clamped_tanh, threads, MAX_THREADS};

/// Attention pooling of `h` (`[B, T, D]`) over its valid steps (`valid`:
/// `[B, T]`, 1 at valid steps): `w` `[D, A]` and `bias` `[A]` project each
/// state, `context` `[A]` scores it. Returns the pooled `[B, D]` and the
/// weights `[B, T]`.
#[backend_extension(Cube)]
pub trait GpuAttentionPool: burn::backend::Backend {
    fn attention_pool(
        h: FloatTensor<Self>,
        w: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        context: FloatTensor<Self>,
        valid: FloatTensor<Self>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>);
}

/// [`GpuAttentionPool::attention_pool`] on tensors. Call only where
/// [`crate::model::gpu::supports`] holds for their device.
pub fn attention_pool(
    h: bt::Tensor<3>,
    w: bt::Tensor<2>,
    bias: bt::Tensor<1>,
    context: bt::Tensor<1>,
    valid: bt::Tensor<2>,
) -> (bt::Tensor<2>, bt::Tensor<2>) {
    let (pooled, weights) = <burn::backend::Dispatch as GpuAttentionPool>::attention_pool(
        h.into_dispatch(),
        w.into_dispatch(),
        bias.into_dispatch(),
        context.into_dispatch(),
        valid.into_dispatch(),
    );
    (bt::Tensor::from_dispatch(pooled), bt::Tensor::from_dispatch(weights))
}

/// Reduces the workgroup's per-thread values in `partial` (one per thread)
/// to their maximum (`max` true) or sum, which every thread gets. Thread 0
/// folds them in order, so the sum is the same on every run; the barriers
/// make `partial` reusable afterwards.
#[cube]
fn reduce<F: Float>(partial: &mut Shared<[F]>, value: F, #[comptime] max: bool) -> F {
    let unit = UNIT_POS_X as usize;
    partial[unit] = value;
    sync_cube();
    if unit == 0 {
        let mut acc = partial[0];
        for i in 1..CUBE_DIM_X as usize {
            let p = partial[i];
            if max {
                if p > acc {
                    acc = p;
                }
            } else {
                acc += p;
            }
        }
        partial[0] = acc;
    }
    sync_cube();
    let result = partial[0];
    sync_cube();
    result
}

/// One workgroup per item (`CUBE_POS_X`). The threads take the steps in
/// turn: each scores its valid steps into `weights` (its own entries, so it
/// reads back only what it wrote) and keeps their maximum; after the
/// workgroup's maximum, `e^(s - max)` and their sum; after the sum, the
/// weights. Then, past a storage barrier that makes every thread's weights
/// visible to all, the threads take the state's components for the
/// weighted sum. Padded steps get weight 0 and never enter the sums, which
/// is what the composite path's masked softmax gives (`e^(-1e9 - max)` is
/// 0 in f32).
///
/// Layouts, all contiguous: `h [B, T, D]`, `w [D, A]`, `bias [A]`,
/// `context [A]`, `valid [B, T]`, `pooled [B, D]`, `weights [B, T]`.
#[allow(clippy::too_many_arguments)]
#[cube(launch)]
fn attention_pool_kernel<F: Float>(
    h: &Tensor<F>,
    w: &Tensor<F>,
    bias: &Tensor<F>,
    context: &Tensor<F>,
    valid: &Tensor<F>,
    pooled: &mut Tensor<F>,
    weights: &mut Tensor<F>,
    #[comptime] max_threads: usize,
    #[define(F)] _dtype: ElemType,
) {
    let item = CUBE_POS_X as usize;
    let unit = UNIT_POS_X as usize;
    let threads = CUBE_DIM_X as usize;
    let steps = valid.shape(1);
    let dim = h.shape(2);
    let size = context.shape(0);
    let mut partial = Shared::<[F]>::new_slice(max_threads);

    // Scores, and this thread's maximum over its valid steps (-1e30 when it
    // has none: never the workgroup's maximum unless no step is valid).
    let mut top = F::new(-1.0e30);
    let mut t = unit;
    while t < steps {
        let at = item * steps + t;
        let mut score = F::new(0.0);
        if valid[at] > F::new(0.0) {
            for a in 0..size {
                let mut z = bias[a];
                for d in 0..dim {
                    z += h[at * dim + d] * w[d * size + a];
                }
                score += context[a] * clamped_tanh::<F>(z);
            }
            if score > top {
                top = score;
            }
        }
        weights[at] = score;
        t += threads;
    }
    let top = reduce::<F>(&mut partial, top, true);

    let mut sum = F::new(0.0);
    let mut t = unit;
    while t < steps {
        let at = item * steps + t;
        if valid[at] > F::new(0.0) {
            let e = F::exp(weights[at] - top);
            weights[at] = e;
            sum += e;
        }
        t += threads;
    }
    let sum = reduce::<F>(&mut partial, sum, false);

    // No valid step: the sum is 0 and every weight stays 0.
    let scale = if sum > F::new(0.0) { F::new(1.0) / sum } else { F::new(0.0) };
    let mut t = unit;
    while t < steps {
        let at = item * steps + t;
        weights[at] *= scale;
        t += threads;
    }
    sync_storage();

    let mut d = unit;
    while d < dim {
        let mut acc = F::new(0.0);
        for t in 0..steps {
            let at = item * steps + t;
            acc += weights[at] * h[at * dim + d];
        }
        pooled[item * dim + d] = acc;
        d += threads;
    }
}

impl GpuAttentionPool for Cube {
    fn attention_pool(
        h: FloatTensor<Self>,
        w: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        context: FloatTensor<Self>,
        valid: FloatTensor<Self>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        let [batch, steps, dim] = h.shape().dims::<3>();
        let size = context.shape()[0];
        // The kernel indexes by these shapes.
        assert_eq!(w.shape().dims::<2>(), [dim, size], "w must be [D, A]");
        assert_eq!(bias.shape().dims::<1>(), [size], "bias must be [A]");
        assert_eq!(valid.shape().dims::<2>(), [batch, steps], "valid must be [B, T]");
        let (client, device, dtype) = (h.client.clone(), h.device.clone(), h.dtype);
        let pooled = empty_device_dtype(client.clone(), device.clone(), Shape::new([batch, dim]), dtype);
        let weights = empty_device_dtype(client.clone(), device, Shape::new([batch, steps]), dtype);
        if batch == 0 || steps == 0 || dim == 0 {
            return (pooled, weights);
        }
        let batch = u32::try_from(batch).expect("batch fits a grid");
        // Wide enough for the state's components in the weighted sum.
        let threads = threads(&client, dim);
        attention_pool_kernel::launch(
            &client,
            CubeCount::Static(batch, 1, 1),
            CubeDim::new_1d(threads),
            into_contiguous(h).into_tensor_arg(),
            into_contiguous(w).into_tensor_arg(),
            into_contiguous(bias).into_tensor_arg(),
            into_contiguous(context).into_tensor_arg(),
            into_contiguous(valid).into_tensor_arg(),
            pooled.clone().into_tensor_arg(),
            weights.clone().into_tensor_arg(),
            MAX_THREADS as usize,
            dtype_to_storage_type(dtype),
        );
        (pooled, weights)
    }
}
