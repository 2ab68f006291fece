//! The fused recurrence as a burn backend extension: one operation runs a
//! whole LSTM layer-direction over every step.
//!
//! The composite path costs a dozen tensor operations per step and
//! direction, each paying burn's per-operation overhead (about 12,000 for
//! 5 s of audio). Here the CPU backends (ndarray, the browser's; flex, the
//! native default) read the precomputed input gates once, run
//! [`recurrence`](super::recurrence) over plain slices and hand back one
//! tensor. Under autodiff the operation is one graph node whose backward
//! pass is backpropagation through time on the same slices, so training
//! gets the speed-up too. On the GPU (with the `wgpu` feature) the fused
//! path is a different operation, a whole bidirectional layer with its
//! input projection in one cubecl kernel (`lstm::gpu`); it has no backward
//! pass, so training there keeps the composite path. [`supports`] says
//! which tensors take a fused path.

// ndarray is deprecated upstream, but it is the browser's CPU backend (see
// `web::backend`).
#![allow(deprecated)]

use burn::backend::tensor::FloatTensor;
use burn::backend::{backend_extension, DispatchDevice, NdArray, TensorMetadata};
use burn::tensor::{try_read_sync, Device, Tensor, TensorData};

use super::recurrence::{self, Dims};

/// One LSTM layer-direction over all steps. `gates`: `[B, T, 4H]`, the
/// input projection plus bias of every step; `w_hidden`: `[H, 4H]`;
/// `valid`: `[B, T]`, 1 at valid steps (the state is reset after the
/// others). Returns the hidden states `[B, T, H]`.
#[backend_extension(
    NdArray,
    Flex: cfg(not(target_arch = "wasm32")),
    Autodiff: cfg(not(target_arch = "wasm32"))
)]
pub trait FusedLstm: burn::backend::Backend {
    fn lstm_recurrence(
        gates: FloatTensor<Self>,
        w_hidden: FloatTensor<Self>,
        valid: FloatTensor<Self>,
        reverse: bool,
    ) -> FloatTensor<Self>;
}

/// The backward pass, on the backends whose forward pass runs on the host.
pub trait FusedLstmBackward: FusedLstm {
    /// Gradients with respect to `gates` and `w_hidden`.
    fn lstm_recurrence_backward(
        gates: FloatTensor<Self>,
        w_hidden: FloatTensor<Self>,
        valid: FloatTensor<Self>,
        grad_out: FloatTensor<Self>,
        reverse: bool,
    ) -> (FloatTensor<Self>, FloatTensor<Self>);
}

/// Whether a fused path runs for tensors on `device`: this operation on
/// the CPU backends with autodiff or without, the GPU's layer kernel
/// (cubecl, with the `wgpu` feature, see [`crate::model::gpu::supports`])
/// only without (no backward kernel).
pub fn supports(device: &Device) -> bool {
    #[allow(unreachable_patterns)] // which variants exist depends on the target and features
    match device.clone().inner().as_dispatch() {
        DispatchDevice::NdArray(_) => true,
        #[cfg(not(target_arch = "wasm32"))]
        DispatchDevice::Flex(_) => true,
        #[cfg(feature = "wgpu")]
        DispatchDevice::Cube(_) => crate::model::gpu::supports(device),
        _ => false,
    }
}

/// The fused recurrence on tensors. Call only on the CPU backends (where
/// [`supports`] holds and [`crate::model::gpu::supports`] does not).
pub fn lstm_recurrence(gates: Tensor<3>, w_hidden: Tensor<2>, valid: Tensor<2>, reverse: bool) -> Tensor<3> {
    let out = <burn::backend::Dispatch as FusedLstm>::lstm_recurrence(
        gates.into_dispatch(),
        w_hidden.into_dispatch(),
        valid.into_dispatch(),
        reverse,
    );
    Tensor::from_dispatch(out)
}

/// A CPU tensor's values. The CPU backends compute eagerly, so the read
/// never waits (in the browser too, where nothing may block).
fn host<B: burn::backend::Backend>(tensor: FloatTensor<B>) -> Vec<f32> {
    let data = try_read_sync(B::float_into_data(tensor))
        .expect("a CPU backend's tensor is readable at once")
        .expect("reading a CPU tensor cannot fail");
    data.convert::<f32>().try_into_vec::<f32>().expect("converted to f32")
}

pub(super) fn dims_of<B: burn::backend::Backend>(gates: &FloatTensor<B>, w_hidden: &FloatTensor<B>) -> Dims {
    let g = gates.shape();
    let w = w_hidden.shape();
    assert_eq!(g.num_dims(), 3, "gates must be [B, T, 4H]");
    let hidden = w[0];
    assert_eq!(g[2], 4 * hidden, "gates' last axis must be 4 x the hidden size {hidden}");
    Dims { batch: g[0], steps: g[1], hidden }
}

fn cpu_forward<B: burn::backend::Backend>(
    gates: FloatTensor<B>,
    w_hidden: FloatTensor<B>,
    valid: FloatTensor<B>,
    reverse: bool,
) -> FloatTensor<B> {
    let dims = dims_of::<B>(&gates, &w_hidden);
    let device = gates.device();
    let out = recurrence::forward(&host::<B>(gates), &host::<B>(w_hidden), &host::<B>(valid), dims, reverse);
    B::float_from_data(TensorData::new(out, [dims.batch, dims.steps, dims.hidden]), &device)
}

fn cpu_backward<B: burn::backend::Backend>(
    gates: FloatTensor<B>,
    w_hidden: FloatTensor<B>,
    valid: FloatTensor<B>,
    grad_out: FloatTensor<B>,
    reverse: bool,
) -> (FloatTensor<B>, FloatTensor<B>) {
    let dims = dims_of::<B>(&gates, &w_hidden);
    let device = gates.device();
    let (d_gates, d_w) = recurrence::backward(
        &host::<B>(gates),
        &host::<B>(w_hidden),
        &host::<B>(valid),
        &host::<B>(grad_out),
        dims,
        reverse,
    );
    let g4 = 4 * dims.hidden;
    (
        B::float_from_data(TensorData::new(d_gates, [dims.batch, dims.steps, g4]), &device),
        B::float_from_data(TensorData::new(d_w, [dims.hidden, g4]), &device),
    )
}

/// Implements both traits for a backend whose tensors live on the host.
macro_rules! host_backend {
    ($backend:ty) => {
        impl FusedLstm for $backend {
            fn lstm_recurrence(
                gates: FloatTensor<Self>,
                w_hidden: FloatTensor<Self>,
                valid: FloatTensor<Self>,
                reverse: bool,
            ) -> FloatTensor<Self> {
                cpu_forward::<Self>(gates, w_hidden, valid, reverse)
            }
        }

        impl FusedLstmBackward for $backend {
            fn lstm_recurrence_backward(
                gates: FloatTensor<Self>,
                w_hidden: FloatTensor<Self>,
                valid: FloatTensor<Self>,
                grad_out: FloatTensor<Self>,
                reverse: bool,
            ) -> (FloatTensor<Self>, FloatTensor<Self>) {
                cpu_backward::<Self>(gates, w_hidden, valid, grad_out, reverse)
            }
        }
    };
}

host_backend!(NdArray);
#[cfg(not(target_arch = "wasm32"))]
host_backend!(burn::backend::Flex);

#[cfg(not(target_arch = "wasm32"))]
mod autodiff {
    use burn::backend::autodiff::checkpoint::base::Checkpointer;
    use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
    use burn::backend::autodiff::grads::Gradients;
    use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
    use burn::backend::tensor::FloatTensor;
    use burn::backend::Autodiff;

    use super::{FusedLstm, FusedLstmBackward};

    /// The graph node: keeps the inputs and runs the host backward pass.
    #[derive(Debug)]
    struct Recurrence;

    impl<B: FusedLstmBackward> Backward<B, 3> for Recurrence {
        type State = (FloatTensor<B>, FloatTensor<B>, FloatTensor<B>, bool);

        fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
            let [gates_node, w_node, _valid_node] = ops.parents;
            let grad_out = grads.consume::<B>(&ops.node);
            let (gates, w_hidden, valid, reverse) = ops.state;
            let (d_gates, d_w) = B::lstm_recurrence_backward(gates, w_hidden, valid, grad_out, reverse);
            if let Some(node) = gates_node {
                grads.register::<B>(node.id, d_gates);
            }
            if let Some(node) = w_node {
                grads.register::<B>(node.id, d_w);
            }
        }
    }

    impl<B: FusedLstmBackward, C: CheckpointStrategy> FusedLstm for Autodiff<B, C> {
        fn lstm_recurrence(
            gates: FloatTensor<Self>,
            w_hidden: FloatTensor<Self>,
            valid: FloatTensor<Self>,
            reverse: bool,
        ) -> FloatTensor<Self> {
            match Recurrence.prepare::<C>([gates.node(), w_hidden.node(), valid.node()]).compute_bound().stateful() {
                OpsKind::Tracked(prep) => {
                    let (g, w, v) = (gates.into_primitive(), w_hidden.into_primitive(), valid.into_primitive());
                    let out = B::lstm_recurrence(g.clone(), w.clone(), v.clone(), reverse);
                    prep.finish((g, w, v, reverse), out)
                }
                OpsKind::UnTracked(prep) => prep.finish(B::lstm_recurrence(
                    gates.into_primitive(),
                    w_hidden.into_primitive(),
                    valid.into_primitive(),
                    reverse,
                )),
            }
        }
    }
}
