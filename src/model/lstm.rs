//! Bidirectional LSTM encoders that respect padding.
//!
//! burn's `BiLstm` runs its backward direction from the end of the *padded*
//! sequence, so a short item's backward states would start on padding and its
//! output would depend on the longest item in its batch. Here the backward
//! direction keeps its state at exactly zero while it crosses an item's
//! padding (`h, c <- mask_t * h, mask_t * c`), so it starts on the item's last
//! valid step from a zero state: the same as running on the unpadded item
//! (what PyTorch's packed sequences do). The forward direction reads padding
//! only after the valid steps, so it cannot affect them; pooling masks the
//! padded positions.
//!
//! The cell is written out rather than taken from burn, and works on a list
//! of per-step `[B, D]` tensors rather than slicing a `[B, T, D]` tensor at
//! every step: under autodiff every slice of a tensor that needs gradients
//! costs a full-size zero tensor in the backward pass (quadratic in T), which
//! made a training step 20 times slower than the forward pass.

use burn::module::{Module, Param};
use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Tensor};

use super::init::{torch_bound, uniform1, uniform2};
use super::layers::{dropout, tanh};
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

    /// Runs over the steps (`[B, D]` each) from zero states, left to right or
    /// right to left; returns the hidden state of every step in input order.
    /// With `valid` (per step `[B, 1]`, 1 at valid steps) the state is reset
    /// to zero at padding.
    pub fn run(&self, steps: &[Tensor<2>], valid: Option<&[Tensor<2>]>, reverse: bool) -> Vec<Tensor<2>> {
        let h = self.hidden;
        let b = steps.first().map_or(0, |s| s.dims()[0]);
        let device = self.bias.val().device();
        let w_input = self.w_input.val();
        let w_hidden = self.w_hidden.val();
        let bias = self.bias.val().unsqueeze_dim::<2>(0);
        let mut hidden = Tensor::<2>::zeros([b, h], &device);
        let mut cell = Tensor::<2>::zeros([b, h], &device);
        let mut outputs: Vec<Option<Tensor<2>>> = vec![None; steps.len()];
        let order: Box<dyn Iterator<Item = usize>> =
            if reverse { Box::new((0..steps.len()).rev()) } else { Box::new(0..steps.len()) };
        for t in order {
            let gates = steps[t].clone().matmul(w_input.clone()) + hidden.matmul(w_hidden.clone()) + bias.clone();
            let sig = sigmoid(gates.clone().narrow(1, 0, 3 * h));
            let candidate = tanh(gates.narrow(1, 3 * h, h));
            let input = sig.clone().narrow(1, 0, h);
            let forget = sig.clone().narrow(1, h, h);
            let output = sig.narrow(1, 2 * h, h);
            cell = forget * cell + input * candidate;
            hidden = output * tanh(cell.clone());
            if let Some(valid) = valid {
                cell = cell * valid[t].clone();
                hidden = hidden * valid[t].clone();
            }
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

    pub fn forward(&self, steps: &[Tensor<2>], valid: &[Tensor<2>]) -> Vec<Tensor<2>> {
        let fwd = self.forward.run(steps, None, false);
        let bwd = self.backward.run(steps, Some(valid), true);
        fwd.into_iter().zip(bwd).map(|(f, b)| Tensor::cat(vec![f, b], 1)).collect()
    }
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

    /// `steps`: T tensors `[B, D]`; `valid`: `[B, T]`, 1 at each item's valid
    /// steps. Returns `[B, T, 2H]` (values at padded positions are
    /// meaningless).
    pub fn forward(&self, steps: Vec<Tensor<2>>, valid: &Tensor<2>, mut rng: Option<&mut Rng>) -> Tensor<3> {
        let t = steps.len();
        // Constant masks: slicing them costs nothing in the backward pass.
        let valid: Vec<Tensor<2>> = (0..t).map(|i| valid.clone().narrow(1, i, 1)).collect();
        let mut h = steps;
        for (i, layer) in self.layers.iter().enumerate() {
            if i > 0 {
                h = h.into_iter().map(|s| dropout(s, self.dropout, rng.as_deref_mut())).collect();
            }
            h = layer.forward(&h, &valid);
        }
        Tensor::stack(h, 1)
    }
}
