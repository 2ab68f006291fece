//! Bidirectional LSTM encoders that respect padding.
//!
//! burn's `BiLstm` runs its backward direction from the end of the *padded*
//! sequence, so a short item's backward states would start on padding and its
//! output would depend on the longest item in its batch. Here the backward
//! direction runs over each item reversed within its own length (what
//! PyTorch's packed sequences do): the valid frames come first and the
//! padding last, so padding can only affect padded positions, which every
//! pooling masks out.
//!
//! The cell is written out (one matrix product for the input projections of
//! all time steps, then one `[B, H] x [H, 4H]` product per step) rather than
//! taken from burn, whose LSTM does eight products and a full-tensor
//! `slice_assign` per step.

use burn::module::{Module, Param};
use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::init::{torch_bound, uniform1, uniform2};
use super::layers::dropout;
use super::Rng;

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

    /// Runs left to right over `[B, T, D]` from zero states; returns the hidden
    /// state at every step, `[B, T, H]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let [b, t, d] = x.dims();
        let h = self.hidden;
        let device = x.device();
        let projected = (x.reshape([b * t, d]).matmul(self.w_input.val()) + self.bias.val().unsqueeze_dim(0))
            .reshape([b, t, 4 * h]);
        let w_hidden = self.w_hidden.val();
        let mut hidden = Tensor::<2>::zeros([b, h], &device);
        let mut cell = Tensor::<2>::zeros([b, h], &device);
        let mut outputs = Vec::with_capacity(t);
        for step in projected.iter_dim(1) {
            let gates = step.reshape([b, 4 * h]) + hidden.matmul(w_hidden.clone());
            let sig = sigmoid(gates.clone().narrow(1, 0, 3 * h));
            let candidate = gates.narrow(1, 3 * h, h).tanh();
            let input = sig.clone().narrow(1, 0, h);
            let forget = sig.clone().narrow(1, h, h);
            let output = sig.narrow(1, 2 * h, h);
            cell = forget * cell + input * candidate;
            hidden = output * cell.clone().tanh();
            outputs.push(hidden.clone());
        }
        Tensor::stack(outputs, 1)
    }
}

/// For every item, the flat row index (into `[B * T, ...]`) that reverses its
/// first `len` steps and leaves its padding in place. Reversing twice is the
/// identity, so the same index undoes it.
pub fn reverse_index(lens: &[usize], max_len: usize, device: &Device) -> Tensor<1, Int> {
    let mut idx = Vec::with_capacity(lens.len() * max_len);
    for (b, &len) in lens.iter().enumerate() {
        let base = (b * max_len) as i64;
        for t in 0..max_len {
            let src = if t < len { len - 1 - t } else { t };
            idx.push(base + src as i64);
        }
    }
    Tensor::from_data(TensorData::new(idx, [lens.len() * max_len]), device)
}

fn reverse_rows(x: Tensor<3>, index: &Tensor<1, Int>) -> Tensor<3> {
    let [b, t, d] = x.dims();
    x.reshape([b * t, d]).select(0, index.clone()).reshape([b, t, d])
}

/// One bidirectional layer: `[B, T, D] -> [B, T, 2H]`, forward states first.
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

    pub fn forward(&self, x: Tensor<3>, reverse: &Tensor<1, Int>) -> Tensor<3> {
        let fwd = self.forward.forward(x.clone());
        let bwd = reverse_rows(self.backward.forward(reverse_rows(x, reverse)), reverse);
        Tensor::cat(vec![fwd, bwd], 2)
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

    /// `x: [B, T, D]` padded after each item's `lens[b]` steps → `[B, T, 2H]`
    /// (values at padded positions are meaningless).
    pub fn forward(&self, x: Tensor<3>, lens: &[usize], mut rng: Option<&mut Rng>) -> Tensor<3> {
        let t = x.dims()[1];
        let reverse = reverse_index(lens, t, &x.device());
        let mut h = x;
        for (i, layer) in self.layers.iter().enumerate() {
            if i > 0 {
                h = dropout(h, self.dropout, rng.as_deref_mut());
            }
            h = layer.forward(h, &reverse);
        }
        h
    }
}
