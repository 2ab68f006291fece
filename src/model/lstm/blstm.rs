//! The BLSTM as burn modules: the composite step-by-step path and the
//! fused one (see the parent module).

use burn::module::{Module, Param};
use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Tensor, TensorData};

use super::fused;
use crate::model::init::{torch_bound, uniform1, uniform2};
use crate::model::layers::{dropout, tanh};
use crate::rng::Rng;

/// One direction of one LSTM layer. Gates are laid out [input, forget,
/// output, candidate] along the 4H axis; all weights are uniform in
/// ±1/sqrt(H), as PyTorch initialises `nn.LSTM`.
#[derive(Module, Debug)]
pub struct LstmCell {
    pub w_input: Param<Tensor<2>>,
    pub w_hidden: Param<Tensor<2>>,
    pub bias: Param<Tensor<1>>,
    pub hidden: usize,
}

impl LstmCell {
    pub fn new(rng: &mut Rng, d_in: usize, hidden: usize, device: &Device) -> Self {
        let k = torch_bound(hidden);
        LstmCell {
            w_input: uniform2(rng, d_in, 4 * hidden, k, device),
            w_hidden: uniform2(rng, hidden, 4 * hidden, k, device),
            bias: uniform1(rng, 4 * hidden, k, device),
            hidden,
        }
    }

    /// `x W_in + b` for every step at once: `[B, T, D] -> [B, T, 4H]`.
    pub fn input_gates(&self, x: Tensor<3>) -> Tensor<3> {
        let [b, t, d] = x.dims();
        let gates = x.reshape([b * t, d]).matmul(self.w_input.val()) + self.bias.val().unsqueeze_dim(0);
        gates.reshape([b, t, 4 * self.hidden])
    }

    /// The fused recurrence over `x` (`[B, T, D]`); hidden states `[B, T, H]`.
    fn run_fused(&self, x: Tensor<3>, valid: Tensor<2>, reverse: bool) -> Tensor<3> {
        fused::lstm_recurrence(self.input_gates(x), self.w_hidden.val(), valid, reverse)
    }

    /// The per-step input gates of the composite path: hoisted into one
    /// product without autodiff, one product per step under it.
    fn step_gates(&self, steps: &[Tensor<2>]) -> Vec<Tensor<2>> {
        let Some(first) = steps.first() else { return Vec::new() };
        let b = first.dims()[0];
        if first.is_autodiff() {
            let w_input = self.w_input.val();
            let bias = self.bias.val().unsqueeze_dim::<2>(0);
            steps.iter().map(|s| s.clone().matmul(w_input.clone()) + bias.clone()).collect()
        } else {
            let gates = self.input_gates(Tensor::stack(steps.to_vec(), 1));
            gates.iter_dim(1).map(|g| g.reshape([b, 4 * self.hidden])).collect()
        }
    }

    /// The composite recurrence: over the steps (`[B, D]` each) from zero
    /// states, left to right or right to left, resetting the state to zero
    /// after every step that is not valid (`valid`: per step `[B, 1]`);
    /// returns the hidden state of every step in input order.
    pub fn run(&self, steps: &[Tensor<2>], valid: &[Tensor<2>], reverse: bool) -> Vec<Tensor<2>> {
        let h = self.hidden;
        let b = steps.first().map_or(0, |s| s.dims()[0]);
        let device = self.bias.val().device();
        let w_hidden = self.w_hidden.val();
        let step_gates = self.step_gates(steps);
        let mut hidden = Tensor::<2>::zeros([b, h], &device);
        let mut cell = Tensor::<2>::zeros([b, h], &device);
        let mut outputs: Vec<Option<Tensor<2>>> = vec![None; steps.len()];
        let order: Box<dyn Iterator<Item = usize>> =
            if reverse { Box::new((0..steps.len()).rev()) } else { Box::new(0..steps.len()) };
        for t in order {
            let gates = step_gates[t].clone() + hidden.matmul(w_hidden.clone());
            let sig = sigmoid(gates.clone().narrow(1, 0, 3 * h));
            let candidate = tanh(gates.narrow(1, 3 * h, h));
            let input = sig.clone().narrow(1, 0, h);
            let forget = sig.clone().narrow(1, h, h);
            let output = sig.narrow(1, 2 * h, h);
            cell = forget * cell + input * candidate;
            hidden = output * tanh(cell.clone());
            cell = cell * valid[t].clone();
            hidden = hidden * valid[t].clone();
            outputs[t] = Some(hidden.clone());
        }
        outputs.into_iter().map(|o| o.expect("every step ran")).collect()
    }
}

/// One bidirectional layer: per step `[B, D] -> [B, 2H]`, forward states first.
#[derive(Module, Debug)]
pub struct BiLstmLayer {
    pub forward: LstmCell,
    pub backward: LstmCell,
}

impl BiLstmLayer {
    pub fn new(rng: &mut Rng, d_in: usize, hidden: usize, device: &Device) -> Self {
        BiLstmLayer {
            forward: LstmCell::new(rng, d_in, hidden, device),
            backward: LstmCell::new(rng, d_in, hidden, device),
        }
    }

    /// The composite path: per step `[B, D] -> [B, 2H]`.
    pub fn forward(&self, steps: &[Tensor<2>], valid: &[Tensor<2>]) -> Vec<Tensor<2>> {
        let fwd = self.forward.run(steps, valid, false);
        let bwd = self.backward.run(steps, valid, true);
        fwd.into_iter().zip(bwd).map(|(f, b)| Tensor::cat(vec![f, b], 1)).collect()
    }

    /// The fused path: `[B, T, D] -> [B, T, 2H]`. On the GPU one kernel
    /// for the whole layer; on the CPU one product and one fused
    /// recurrence per direction.
    fn forward_fused(&self, x: Tensor<3>, valid: &Tensor<2>) -> Tensor<3> {
        #[cfg(feature = "wgpu")]
        if crate::model::gpu::supports(&x.device()) {
            let direction = |cell: &LstmCell| super::gpu::Direction {
                w_input: cell.w_input.val(),
                bias: cell.bias.val(),
                w_hidden: cell.w_hidden.val(),
            };
            return super::gpu::bilstm_layer(x, direction(&self.forward), direction(&self.backward), valid.clone());
        }
        let fwd = self.forward.run_fused(x.clone(), valid.clone(), false);
        let bwd = self.backward.run_fused(x, valid.clone(), true);
        Tensor::cat(vec![fwd, bwd], 2)
    }
}

/// Which implementation of the recurrence runs (and, on the GPU, of the
/// attention pooling, the n-gram head and the fusion with the output
/// layer: see [`crate::model::Model::forward_with`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recurrence {
    /// Fused where the device has it, composite elsewhere.
    Auto,
    /// Step by step on every backend, and the rest as tensor operations:
    /// the reference the fused paths are tested against.
    Composite,
}

/// Stacked BLSTM layers with dropout between them (as `nn.LSTM(dropout=p)`).
#[derive(Module, Debug)]
pub struct BiLstm {
    pub layers: Vec<BiLstmLayer>,
    pub dropout: f64,
}

impl BiLstm {
    pub fn new(rng: &mut Rng, d_in: usize, hidden: usize, layers: usize, dropout: f64, device: &Device) -> Self {
        let layers = (0..layers)
            .map(|l| BiLstmLayer::new(rng, if l == 0 { d_in } else { 2 * hidden }, hidden, device))
            .collect();
        BiLstm { layers, dropout }
    }

    /// `x`: `[B, T, D]`; `valid`: `[B, T]`, 1 at each item's valid steps.
    /// Returns `[B, T, 2H]` (values at padded positions are zero). Takes the
    /// fused path where the device has it.
    pub fn forward(&self, x: Tensor<3>, valid: &Tensor<2>, rng: Option<&mut Rng>) -> Tensor<3> {
        self.forward_with(x, valid, rng, Recurrence::Auto)
    }

    /// [`BiLstm::forward`] on the path asked for.
    pub fn forward_with(&self, x: Tensor<3>, valid: &Tensor<2>, rng: Option<&mut Rng>, path: Recurrence) -> Tensor<3> {
        if path == Recurrence::Auto && self.fused_supports(&x) {
            self.forward_fused(x, valid, rng)
        } else {
            self.forward_composite(x, valid, rng)
        }
    }

    /// Whether the fused operation runs for `x` and the weights: asked of
    /// both, since the weights may need gradients where the input does not
    /// (a batch built on the plain device, a model on the autodiff one),
    /// and the GPU has the operation only without them.
    fn fused_supports(&self, x: &Tensor<3>) -> bool {
        let weights = self.layers.first().map(|l| l.forward.bias.val().device());
        fused::supports(&x.device()) && weights.is_none_or(|d| fused::supports(&d))
    }

    fn forward_fused(&self, x: Tensor<3>, valid: &Tensor<2>, mut rng: Option<&mut Rng>) -> Tensor<3> {
        let mut h = x;
        for (i, layer) in self.layers.iter().enumerate() {
            if i > 0 {
                h = dropout_steps(h, self.dropout, rng.as_deref_mut());
            }
            h = layer.forward_fused(h, valid);
        }
        h
    }

    /// The step-by-step path every backend has: the reference the fused
    /// path is tested against. Same weights, same dropout masks, same result.
    pub fn forward_composite(&self, x: Tensor<3>, valid: &Tensor<2>, mut rng: Option<&mut Rng>) -> Tensor<3> {
        let [b, t, d] = x.dims();
        // Constant data and masks: slicing them costs nothing in the
        // backward pass.
        let valid: Vec<Tensor<2>> = (0..t).map(|i| valid.clone().narrow(1, i, 1)).collect();
        let mut h: Vec<Tensor<2>> = x.iter_dim(1).map(|s| s.reshape([b, d])).collect();
        for (i, layer) in self.layers.iter().enumerate() {
            if i > 0 {
                h = h.into_iter().map(|s| dropout(s, self.dropout, rng.as_deref_mut())).collect();
            }
            h = layer.forward(&h, &valid);
        }
        Tensor::stack(h, 1)
    }
}

/// Inverted dropout masks for `t` steps of `[b, width]`, drawn from `rng`
/// step after step as the composite path's [`dropout`] of each step draws
/// them, so both paths drop the same units. `None` per step without
/// dropout.
fn step_masks(b: usize, t: usize, width: usize, p: f64, rng: Option<&mut Rng>) -> Vec<Option<Vec<f32>>> {
    match rng {
        Some(rng) if p > 0.0 => {
            let keep = 1.0 - p;
            let scale = (1.0 / keep) as f32;
            (0..t)
                .map(|_| Some((0..b * width).map(|_| if rng.next_f64() < keep { scale } else { 0.0 }).collect()))
                .collect()
        }
        _ => vec![None; t],
    }
}

/// Dropout on `[B, T, W]` with the masks of [`step_masks`].
fn dropout_steps(x: Tensor<3>, p: f64, rng: Option<&mut Rng>) -> Tensor<3> {
    let [b, t, width] = x.dims();
    let masks = step_masks(b, t, width, p, rng);
    if masks.iter().all(Option::is_none) {
        return x;
    }
    let mut mask = vec![1.0f32; b * t * width];
    for (step, m) in masks.iter().enumerate() {
        if let Some(m) = m {
            for item in 0..b {
                let to = (item * t + step) * width;
                mask[to..to + width].copy_from_slice(&m[item * width..(item + 1) * width]);
            }
        }
    }
    let device = x.device();
    x * Tensor::<3>::from_data(TensorData::new(mask, [b, t, width]), &device)
}
