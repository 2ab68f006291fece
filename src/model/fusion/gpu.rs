//! The MMMLA fusion and the output layer on the GPU: two cubecl kernels, two
//! dispatches, where the composite path costs some thirty (two projections
//! with their biases, clamps and tanhs, the scores, the masked softmax over
//! the modalities, the weighted sum, the output layer, the heads' logits
//! added, the final softmax). Same result as
//! [`ModalityFusion::forward`](super::ModalityFusion::forward) followed by
//! the output layer and the softmax in `Model::forward`. Inference only (no
//! backward kernel).
//!
//! Two kernels, not one, because a WebGPU shader may bind only so many
//! storage buffers (8 by default; SwiftShader grants 10, one of which cubecl
//! takes for the shapes), and the fusion with the output layer reads 11
//! tensors and writes 3. The first kernel writes the fused vector and the
//! modality weights side by side into one tensor, so that each stays within
//! the limit without a copy of the weights per call.

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
use crate::model::pooling::MASKED;

/// The fusion's parameters (`[D, F]`, `[F]` per modality, `[F]`) and the
/// output layer's (`[F, C]`, `[C]`), as the modules hold them.
pub struct Weights {
    pub audio_w: bt::Tensor<2>,
    pub audio_b: bt::Tensor<1>,
    pub text_w: bt::Tensor<2>,
    pub text_b: bt::Tensor<1>,
    pub context: bt::Tensor<1>,
    pub output_w: bt::Tensor<2>,
    pub output_b: bt::Tensor<1>,
}

/// What [`fuse_and_classify`] returns, each `[B, ·]`.
pub struct Outputs {
    pub logits: bt::Tensor<2>,
    pub probabilities: bt::Tensor<2>,
    /// (audio, text).
    pub modality_weights: bt::Tensor<2>,
}

#[backend_extension(Cube)]
pub trait GpuFusion: burn::backend::Backend {
    /// `audio`, `text`: the pooled vectors `[B, D]`; `present`: `[B, 2]`, 1
    /// where the item has the modality. Returns `[B, F + 2]`: the fused
    /// vector, then the modality weights (audio, text).
    #[allow(clippy::too_many_arguments)] // the module's parameters, as it holds them
    fn fuse(
        audio: FloatTensor<Self>,
        text: FloatTensor<Self>,
        present: FloatTensor<Self>,
        audio_w: FloatTensor<Self>,
        audio_b: FloatTensor<Self>,
        text_w: FloatTensor<Self>,
        text_b: FloatTensor<Self>,
        context: FloatTensor<Self>,
    ) -> FloatTensor<Self>;

    /// `fused`: what [`GpuFusion::fuse`] returns; `extra`: `[B, C]` logits
    /// the heads add (zeros without heads); `output_w` `[F, C]`, `output_b`
    /// `[C]`. Returns the logits `[B, C]`, their softmax and the modality
    /// weights `[B, 2]`.
    fn classify(
        fused: FloatTensor<Self>,
        extra: FloatTensor<Self>,
        output_w: FloatTensor<Self>,
        output_b: FloatTensor<Self>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
}

/// The fusion of `audio` and `text` (`[B, D]`, `present` `[B, 2]` as for
/// [`GpuFusion::fuse`]), the output layer with the heads' `extra` logits
/// added, and the softmax. Call only where [`crate::model::gpu::supports`]
/// holds for the tensors' device.
pub fn fuse_and_classify(
    audio: bt::Tensor<2>,
    text: bt::Tensor<2>,
    present: bt::Tensor<2>,
    extra: bt::Tensor<2>,
    weights: Weights,
) -> Outputs {
    type Dispatch = burn::backend::Dispatch;
    let fused = <Dispatch as GpuFusion>::fuse(
        audio.into_dispatch(),
        text.into_dispatch(),
        present.into_dispatch(),
        weights.audio_w.into_dispatch(),
        weights.audio_b.into_dispatch(),
        weights.text_w.into_dispatch(),
        weights.text_b.into_dispatch(),
        weights.context.into_dispatch(),
    );
    let (logits, probabilities, modality_weights) = <Dispatch as GpuFusion>::classify(
        fused,
        extra.into_dispatch(),
        weights.output_w.into_dispatch(),
        weights.output_b.into_dispatch(),
    );
    Outputs {
        logits: bt::Tensor::from_dispatch(logits),
        probabilities: bt::Tensor::from_dispatch(probabilities),
        modality_weights: bt::Tensor::from_dispatch(modality_weights),
    }
}

/// One workgroup per item (`CUBE_POS_X`). The threads take the fusion
/// units: each projects both modalities' vectors onto its units
/// (`tanh(v W + b)`) and sums its share of their scores `u^T p`. After a
/// barrier, thread 0 sums the shares in order and takes the softmax of the
/// scores over the modalities present (a missing one weighs exactly 0, as
/// the composite path's mask gives); after another, each thread weighs its
/// units. Everything after the projections is a few hundred operations: not
/// worth more threads than that.
///
/// Layouts, all contiguous: `audio`, `text [B, D]`, `present [B, 2]`,
/// `*_w [D, F]`, `*_b [F]`, `context [F]`, `out [B, F + 2]`.
#[allow(clippy::too_many_arguments)]
#[cube(launch)]
fn fuse_kernel<F: Float>(
    audio: &Tensor<F>,
    text: &Tensor<F>,
    present: &Tensor<F>,
    audio_w: &Tensor<F>,
    audio_b: &Tensor<F>,
    text_w: &Tensor<F>,
    text_b: &Tensor<F>,
    context: &Tensor<F>,
    out: &mut Tensor<F>,
    #[comptime] max_threads: usize,
    #[define(F)] _dtype: ElemType,
) {
    let item = CUBE_POS_X as usize;
    let unit = UNIT_POS_X as usize;
    let threads = CUBE_DIM_X as usize;
    let dim = audio.shape(1);
    let size = context.shape(0);
    let width = size + 2;
    let mut share_a = Shared::<[F]>::new_slice(max_threads);
    let mut share_t = Shared::<[F]>::new_slice(max_threads);
    let mut w = Shared::<[F]>::new_slice(2usize);

    // This thread's units' projections, kept in `out` until weighed (only
    // this thread touches them).
    let mut sa = F::new(0.0);
    let mut st = F::new(0.0);
    let mut f = unit;
    while f < size {
        let mut za = audio_b[f];
        let mut zt = text_b[f];
        for d in 0..dim {
            za += audio[item * dim + d] * audio_w[d * size + f];
            zt += text[item * dim + d] * text_w[d * size + f];
        }
        let a = clamped_tanh::<F>(za);
        let t = clamped_tanh::<F>(zt);
        sa += context[f] * a;
        st += context[f] * t;
        f += threads;
    }
    share_a[unit] = sa;
    share_t[unit] = st;
    sync_cube();

    if unit == 0 {
        let mut sa = F::new(0.0);
        let mut st = F::new(0.0);
        for i in 0..threads {
            sa += share_a[i];
            st += share_t[i];
        }
        let has_audio = present[item * 2] > F::new(0.0);
        let has_text = present[item * 2 + 1] > F::new(0.0);
        let masked = F::new(MASKED);
        let sa = if has_audio { sa } else { masked };
        let st = if has_text { st } else { masked };
        let top = if sa > st { sa } else { st };
        let ea = F::exp(sa - top);
        let et = F::exp(st - top);
        let wa = if has_audio { ea / (ea + et) } else { F::new(0.0) };
        let wt = if has_text { et / (ea + et) } else { F::new(0.0) };
        w[0] = wa;
        w[1] = wt;
        out[item * width + size] = wa;
        out[item * width + size + 1] = wt;
    }
    sync_cube();

    // The projections again (a few thousand multiply-adds), weighed: cheaper
    // than a round trip through memory the other threads must then see.
    let wa = w[0];
    let wt = w[1];
    let mut f = unit;
    while f < size {
        let mut za = audio_b[f];
        let mut zt = text_b[f];
        for d in 0..dim {
            za += audio[item * dim + d] * audio_w[d * size + f];
            zt += text[item * dim + d] * text_w[d * size + f];
        }
        out[item * width + f] = wa * clamped_tanh::<F>(za) + wt * clamped_tanh::<F>(zt);
        f += threads;
    }
}

/// One workgroup per item (`CUBE_POS_X`), one thread: the output layer
/// over the fused vector, the heads' logits added, the softmax, and the
/// modality weights copied to their own tensor. A few hundred operations.
///
/// Layouts, all contiguous: `fused [B, F + 2]`, `extra [B, C]`, `output_w
/// [F, C]`, `output_b [C]`, `logits`, `probabilities [B, C]`, `modality [B,
/// 2]`.
#[allow(clippy::too_many_arguments)]
#[cube(launch)]
fn classify_kernel<F: Float>(
    fused: &Tensor<F>,
    extra: &Tensor<F>,
    output_w: &Tensor<F>,
    output_b: &Tensor<F>,
    logits: &mut Tensor<F>,
    probabilities: &mut Tensor<F>,
    modality: &mut Tensor<F>,
    #[define(F)] _dtype: ElemType,
) {
    let item = CUBE_POS_X as usize;
    let classes = output_b.shape(0);
    let size = output_w.shape(0);
    let width = size + 2;
    let at = item * classes;

    let mut top = F::new(0.0);
    for c in 0..classes {
        let mut z = output_b[c] + extra[at + c];
        for f in 0..size {
            z += fused[item * width + f] * output_w[f * classes + c];
        }
        logits[at + c] = z;
        if c == 0 || z > top {
            top = z;
        }
    }
    let mut sum = F::new(0.0);
    for c in 0..classes {
        let e = F::exp(logits[at + c] - top);
        probabilities[at + c] = e;
        sum += e;
    }
    for c in 0..classes {
        probabilities[at + c] /= sum;
    }
    modality[item * 2] = fused[item * width + size];
    modality[item * 2 + 1] = fused[item * width + size + 1];
}

impl GpuFusion for Cube {
    fn fuse(
        audio: FloatTensor<Self>,
        text: FloatTensor<Self>,
        present: FloatTensor<Self>,
        audio_w: FloatTensor<Self>,
        audio_b: FloatTensor<Self>,
        text_w: FloatTensor<Self>,
        text_b: FloatTensor<Self>,
        context: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        let [batch, dim] = audio.shape().dims::<2>();
        let size = context.shape()[0];
        // The kernel indexes by these shapes.
        assert_eq!(text.shape().dims::<2>(), [batch, dim], "text must be [B, D] as audio");
        assert_eq!(present.shape().dims::<2>(), [batch, 2], "present must be [B, 2]");
        for (w, b) in [(&audio_w, &audio_b), (&text_w, &text_b)] {
            assert_eq!(w.shape().dims::<2>(), [dim, size], "projections must be [D, F]");
            assert_eq!(b.shape().dims::<1>(), [size], "projection biases must be [F]");
        }
        let (client, dtype) = (audio.client.clone(), audio.dtype);
        let out = empty_device_dtype(client.clone(), audio.device.clone(), Shape::new([batch, size + 2]), dtype);
        if batch == 0 {
            return out;
        }
        let batch = u32::try_from(batch).expect("batch fits a grid");
        fuse_kernel::launch(
            &client,
            CubeCount::Static(batch, 1, 1),
            CubeDim::new_1d(threads(&client, size)),
            into_contiguous(audio).into_tensor_arg(),
            into_contiguous(text).into_tensor_arg(),
            into_contiguous(present).into_tensor_arg(),
            into_contiguous(audio_w).into_tensor_arg(),
            into_contiguous(audio_b).into_tensor_arg(),
            into_contiguous(text_w).into_tensor_arg(),
            into_contiguous(text_b).into_tensor_arg(),
            into_contiguous(context).into_tensor_arg(),
            out.clone().into_tensor_arg(),
            MAX_THREADS as usize,
            dtype_to_storage_type(dtype),
        );
        out
    }

    fn classify(
        fused: FloatTensor<Self>,
        extra: FloatTensor<Self>,
        output_w: FloatTensor<Self>,
        output_b: FloatTensor<Self>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let [batch, width] = fused.shape().dims::<2>();
        let [size, classes] = output_w.shape().dims::<2>();
        // The kernel indexes by these shapes.
        assert_eq!(width, size + 2, "fused must be [B, F + 2] for output_w [F, C]");
        assert_eq!(output_b.shape().dims::<1>(), [classes], "output_b must be [C]");
        assert_eq!(extra.shape().dims::<2>(), [batch, classes], "extra must be [B, C]");
        let (client, device, dtype) = (fused.client.clone(), fused.device.clone(), fused.dtype);
        let empty = |dims: [usize; 2]| empty_device_dtype(client.clone(), device.clone(), Shape::new(dims), dtype);
        let (logits, probabilities, modality) = (empty([batch, classes]), empty([batch, classes]), empty([batch, 2]));
        if batch == 0 || classes == 0 {
            return (logits, probabilities, modality);
        }
        let batch = u32::try_from(batch).expect("batch fits a grid");
        classify_kernel::launch(
            &client,
            CubeCount::Static(batch, 1, 1),
            CubeDim::new_1d(1),
            into_contiguous(fused).into_tensor_arg(),
            into_contiguous(extra).into_tensor_arg(),
            into_contiguous(output_w).into_tensor_arg(),
            into_contiguous(output_b).into_tensor_arg(),
            logits.clone().into_tensor_arg(),
            probabilities.clone().into_tensor_arg(),
            modality.clone().into_tensor_arg(),
            dtype_to_storage_type(dtype),
        );
        (logits, probabilities, modality)
    }
}
