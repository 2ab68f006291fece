//! A dense layer with its rows kept or zeroed, on the GPU: one cubecl
//! kernel, one dispatch, where the composite `(x W + b) * keep` costs three
//! or more (the product, the bias, the mask, and a copy of a mask that is a
//! view). The n-gram head runs it: a wide input (thousands of hashed
//! n-grams) to a few logits. Inference only (no backward kernel).

use burn::backend::cubecl::dtype_to_storage_type;
use burn::backend::tensor::FloatTensor;
use burn::backend::{backend_extension, Cube, Shape, TensorMetadata};
// burn's tensors, beside the kernels' `Tensor<F>` (cubecl's).
use burn::tensor as bt;
use burn_cubecl::cubecl;
use burn_cubecl::cubecl::prelude::*;
use burn_cubecl::kernel::into_contiguous;
use burn_cubecl::ops::numeric::empty_device_dtype;

use crate::model::gpu::{threads, MAX_THREADS};

/// The most outputs the kernel takes: each thread keeps a share of every
/// output in workgroup memory (16 KiB at most in WebGPU by default).
pub const MAX_OUTPUTS: usize = 16;

/// `(x W + b) * keep`: `x` `[B, N]`, `w` `[N, C]`, `bias` `[C]`, `keep`
/// `[B, 1]`. Returns `[B, C]`.
#[backend_extension(Cube)]
pub trait GpuDense: burn::backend::Backend {
    fn dense_kept(
        x: FloatTensor<Self>,
        w: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        keep: FloatTensor<Self>,
    ) -> FloatTensor<Self>;
}

/// [`GpuDense::dense_kept`] on tensors. Call only where
/// [`crate::model::gpu::supports`] holds for their device.
pub fn dense_kept(x: bt::Tensor<2>, w: bt::Tensor<2>, bias: bt::Tensor<1>, keep: bt::Tensor<2>) -> bt::Tensor<2> {
    let out = <burn::backend::Dispatch as GpuDense>::dense_kept(
        x.into_dispatch(),
        w.into_dispatch(),
        bias.into_dispatch(),
        keep.into_dispatch(),
    );
    bt::Tensor::from_dispatch(out)
}

/// One workgroup per item (`CUBE_POS_X`). The threads take the inputs in
/// turn, each summing its share of every output (`partial`, `outputs` per
/// thread); after a barrier, one thread per output adds the shares in
/// order (the same sum on every run), the bias, and applies `keep`.
///
/// `outputs` (C) is known at compile time so the shares fit a fixed
/// workgroup array (`MAX_THREADS x C` floats: 4 KiB for 4 classes).
/// Layouts, all contiguous: `x [B, N]`, `w [N, C]`, `bias [C]`, `keep [B,
/// 1]`, `out [B, C]`.
#[cube(launch)]
fn dense_kept_kernel<F: Float>(
    x: &Tensor<F>,
    w: &Tensor<F>,
    bias: &Tensor<F>,
    keep: &Tensor<F>,
    out: &mut Tensor<F>,
    #[comptime] outputs: usize,
    #[comptime] max_threads: usize,
    #[define(F)] _dtype: ElemType,
) {
    let item = CUBE_POS_X as usize;
    let unit = UNIT_POS_X as usize;
    let threads = CUBE_DIM_X as usize;
    let inputs = x.shape(1);
    let mut partial = Shared::<[F]>::new_slice(max_threads * outputs);

    for c in 0..outputs {
        partial[unit * outputs + c] = F::new(0.0);
    }
    let mut n = unit;
    while n < inputs {
        let xn = x[item * inputs + n];
        // Most of a hashed n-gram bag is zero: skip those rows of W.
        if xn != F::new(0.0) {
            for c in 0..outputs {
                partial[unit * outputs + c] += xn * w[n * outputs + c];
            }
        }
        n += threads;
    }
    sync_cube();

    let mut c = unit;
    while c < outputs {
        let mut z = bias[c];
        for i in 0..threads {
            z += partial[i * outputs + c];
        }
        out[item * outputs + c] = z * keep[item];
        c += threads;
    }
}

impl GpuDense for Cube {
    fn dense_kept(
        x: FloatTensor<Self>,
        w: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        keep: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        let [batch, inputs] = x.shape().dims::<2>();
        let outputs = bias.shape()[0];
        // The kernel indexes by these shapes.
        assert_eq!(w.shape().dims::<2>(), [inputs, outputs], "w must be [N, C]");
        assert_eq!(keep.shape().dims::<2>(), [batch, 1], "keep must be [B, 1]");
        assert!(outputs <= MAX_OUTPUTS, "at most {MAX_OUTPUTS} outputs fit the workgroup's memory, not {outputs}");
        let (client, dtype) = (x.client.clone(), x.dtype);
        let out = empty_device_dtype(client.clone(), x.device.clone(), Shape::new([batch, outputs]), dtype);
        if batch == 0 || outputs == 0 {
            return out;
        }
        let batch = u32::try_from(batch).expect("batch fits a grid");
        dense_kept_kernel::launch(
            &client,
            CubeCount::Static(batch, 1, 1),
            CubeDim::new_1d(threads(&client, inputs.max(outputs))),
            into_contiguous(x).into_tensor_arg(),
            into_contiguous(w).into_tensor_arg(),
            into_contiguous(bias).into_tensor_arg(),
            into_contiguous(keep).into_tensor_arg(),
            out.clone().into_tensor_arg(),
            outputs,
            MAX_THREADS as usize,
            dtype_to_storage_type(dtype),
        );
        out
    }
}
