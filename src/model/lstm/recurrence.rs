//! The recurrence of one LSTM layer-direction as plain loops over slices:
//! what the fused CPU operation ([`super::fused`]) runs, forward and
//! backward, with no tensor allocated per step.
//!
//! The input projection (`x W_in + b`, every step at once) is computed
//! before, as one matrix product; what is left per step is `z = gx_t +
//! h_{t-1} W_h`, the gate nonlinearities and the state update. Layouts are
//! row-major: `gates [B, T, 4H]` (gate order input, forget, output,
//! candidate, as [`super::LstmCell`]), `w_hidden [H, 4H]`, `valid
//! [B, T]` (1 at an item's valid steps: the state is reset to zero after a
//! step that is not valid, so a reversed direction starts on the item's last
//! valid step from zero), output `[B, T, H]`.
//!
//! `tanh` is taken of the value clamped to ±15, as the composite path does
//! (see [`crate::model::layers::tanh`]); `exp` is a polynomial accurate to
//! about 1e-7, so both paths agree to well within 1e-5.

/// The sizes of one recurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dims {
    pub batch: usize,
    pub steps: usize,
    pub hidden: usize,
}

impl Dims {
    fn gates_len(self) -> usize {
        self.batch * self.steps * 4 * self.hidden
    }
}

/// `e^x` to about 1e-7 relative error, written so that loops over slices
/// vectorise (no library call, no branch): `2^n e^r` with `r` within
/// ±ln2/2 and a degree-6 Taylor polynomial. Most of the recurrence's time
/// went into `exp`/`tanh` calls otherwise (two thirds for one utterance).
#[inline(always)]
fn exp(x: f32) -> f32 {
    let x = x.clamp(EXP_MIN, EXP_MAX);
    let n = (x * LOG2E + ROUND) - ROUND;
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = EXP_POLY[1..].iter().fold(EXP_POLY[0], |p, &c| p * r + c);
    p * f32::from_bits(((n as i32 + 127) << 23) as u32)
}

// [`exp`]'s constants, which the browser modules' vector version
// (`simd_gates`) shares so that the two stay the same function.
pub(super) const LOG2E: f32 = std::f32::consts::LOG2_E;
/// ln 2 in two parts, the first with its low bits clear, so that `n ln 2`
/// is exact to about an ulp.
pub(super) const LN2_HI: f32 = 0.693_145_75;
pub(super) const LN2_LO: f32 = 1.428_606_8e-6;
/// Adding and subtracting 1.5 x 2^23 rounds to the nearest integer.
pub(super) const ROUND: f32 = 12_582_912.0;
/// The input's range: `e^x` stays a normal finite float.
pub(super) const EXP_MIN: f32 = -87.0;
pub(super) const EXP_MAX: f32 = 88.0;
/// The Taylor polynomial of `e^r`, highest degree first (Horner's order).
pub(super) const EXP_POLY: [f32; 7] = [1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0];
/// Where `tanh` is clamped (as [`crate::model::layers::tanh`]).
pub(super) const TANH_LIMIT: f32 = 15.0;

#[inline(always)]
fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// `tanh` to about 1e-7 absolute error, vectorisable as [`exp`] is; clamped
/// as [`crate::model::layers::tanh`] is. The host engine's attention pooling
/// uses it too (one per frame and attention unit: 16,000 for 5 s of audio).
#[inline(always)]
pub(crate) fn tanh(x: f32) -> f32 {
    1.0 - 2.0 / (exp(2.0 * x.clamp(-TANH_LIMIT, TANH_LIMIT)) + 1.0)
}

/// The steps in the order the direction visits them. Every item of a batch
/// visits the same step at once (a reversed direction starts on the padded
/// end, where the reset keeps its state at zero until the item's last valid
/// step), so each step is one small matrix product over the whole batch.
fn order(steps: usize, reverse: bool) -> Vec<usize> {
    if reverse {
        (0..steps).rev().collect()
    } else {
        (0..steps).collect()
    }
}

/// `W_h` (`[H, 4H]`) as the step's product ([`add_hidden_product`]) reads
/// it: in place.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
type HiddenWeights<'a> = &'a [f32];

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn hidden_weights(w: &[f32], _hidden: usize) -> HiddenWeights<'_> {
    w
}

/// In the browser's modules: packed once per sequence for the panel kernel
/// ([`super::panels::Panels`]; 1.3 -> 1.0 ms for a 5 s utterance's 1,000
/// steps in the relaxed-SIMD module: the packing's gain, the fused
/// multiply-add adds none here).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
type HiddenWeights<'a> = super::panels::Panels;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn hidden_weights(w: &[f32], hidden: usize) -> HiddenWeights<'_> {
    super::panels::Panels::new(w, hidden, 4 * hidden)
}

/// `z += h W` for every item (`z [B, 4H]`, `h [B, H]`) with the panel
/// kernel.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn add_hidden_product(z: &mut [f32], h: &[f32], w: &HiddenWeights, hidden: usize) {
    w.add_product(z, h, h.len() / hidden);
}

/// `z += h W` for every item: `z [B, 4H]`, `h [B, H]`, `w [H, 4H]`, four
/// items at a time, so each row of `W` is read once per four items while
/// their rows of `z` stay in cache (no packing, unlike a general matrix
/// product, whose packing cost dominated at these sizes).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline(always)]
fn add_hidden_product(z: &mut [f32], h: &[f32], w: &HiddenWeights, hidden: usize) {
    let w: &[f32] = w;
    let g4 = 4 * hidden;
    for (zc, hc) in z.chunks_mut(4 * g4).zip(h.chunks(4 * hidden)) {
        if hc.len() == 4 * hidden {
            let (z0, rest) = zc.split_at_mut(g4);
            let (z1, rest) = rest.split_at_mut(g4);
            let (z2, z3) = rest.split_at_mut(g4);
            for (k, row) in w.chunks_exact(g4).enumerate() {
                let (a, b, c, d) = (hc[k], hc[hidden + k], hc[2 * hidden + k], hc[3 * hidden + k]);
                let rows = z0.iter_mut().zip(z1.iter_mut()).zip(z2.iter_mut()).zip(z3.iter_mut());
                for ((((y0, y1), y2), y3), &wj) in rows.zip(row) {
                    *y0 += a * wj;
                    *y1 += b * wj;
                    *y2 += c * wj;
                    *y3 += d * wj;
                }
            }
        } else {
            for (zb, hb) in zc.chunks_exact_mut(g4).zip(hc.chunks_exact(hidden)) {
                add_one_hidden_product(zb, hb, w);
            }
        }
    }
}

/// Columns of `z` one item's product keeps in registers at a time: 64
/// natively (eight AVX registers of accumulators, enough independent sums
/// to hide the add latency: 2.7 -> 2.2 ms for the shipped model's
/// utterance), 16 in wasm (x86's sixteen SIMD registers hold the 128-bit
/// accumulators and the row being read; 32 and 64 were no faster there).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
const BLOCK: usize = if cfg!(target_arch = "wasm32") { 16 } else { 64 };

/// `z += h W` for one item (`z [4H]`, `h [H]`, `w [H, 4H]`): [`BLOCK`]
/// columns of `z` at a time stay in registers while every row of `W` adds
/// into them, instead of `z` being read and written once per row (which made
/// a lone utterance's recurrence memory-bound, three times slower in wasm
/// than natively). The sums run in the same order as row by row, so the
/// result is the same to the bit.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline(always)]
fn add_one_hidden_product(z: &mut [f32], h: &[f32], w: &[f32]) {
    let g4 = z.len();
    let blocked = g4 - g4 % BLOCK;
    for j in (0..blocked).step_by(BLOCK) {
        let mut acc = [0.0f32; BLOCK];
        acc.copy_from_slice(&z[j..j + BLOCK]);
        for (&hk, row) in h.iter().zip(w.chunks_exact(g4)) {
            let row = &row[j..j + BLOCK];
            for l in 0..BLOCK {
                acc[l] += hk * row[l];
            }
        }
        z[j..j + BLOCK].copy_from_slice(&acc);
    }
    if blocked < g4 {
        for (&hk, row) in h.iter().zip(w.chunks_exact(g4)) {
            z[blocked..].iter_mut().zip(&row[blocked..]).for_each(|(y, &wj)| *y += hk * wj);
        }
    }
}

/// `sum_j a_j b_j` with eight partial sums, so that it vectorises.
#[inline(always)]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (ac, bc) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ac.remainder().iter().zip(bc.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ac.zip(bc) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// The step's share of the weight gradient and the gradient flowing to
/// the previous state: `d_w += h_prev^T dz`, `dh = dz W^T`. The first is a
/// matrix product whose operands are small to pack (`[B, H]`, `[B, 4H]`);
/// the second reads `W` row by row instead, which packing would copy once
/// per step.
#[inline(always)]
fn hidden_backward(d_w: &mut [f32], dh: &mut [f32], h_prev: &[f32], dz: &[f32], w: &[f32], hidden: usize) {
    let g4 = 4 * hidden;
    let batch = dz.len() / g4;
    assert!(h_prev.len() == batch * hidden && d_w.len() == hidden * g4 && w.len() == hidden * g4);
    // SAFETY: h_prev^T is read as [H, B] with strides (1, H) inside its
    // B x H elements, dz as [B, 4H] row-major, d_w written as [H, 4H]
    // row-major; the lengths are checked above and d_w aliases neither.
    unsafe {
        matrixmultiply::sgemm(
            hidden,
            batch,
            g4,
            1.0,
            h_prev.as_ptr(),
            1,
            hidden as isize,
            dz.as_ptr(),
            g4 as isize,
            1,
            1.0,
            d_w.as_mut_ptr(),
            g4 as isize,
            1,
        );
    }
    for (k, row) in w.chunks_exact(g4).enumerate() {
        for (b, dzb) in dz.chunks_exact(g4).enumerate() {
            dh[b * hidden + k] = dot(dzb, row);
        }
    }
}

/// `z [B, 4H]` for step `t`: the step's input gates plus `h W_h`, activated
/// in place (sigmoid on input/forget/output, tanh on the candidate).
#[inline(always)]
fn step_gates(z: &mut [f32], gates: &[f32], h: &[f32], w_hidden: &HiddenWeights, dims: Dims, t: usize) {
    let Dims { batch, steps, hidden } = dims;
    let g4 = 4 * hidden;
    for b in 0..batch {
        let at = b * steps + t;
        z[b * g4..(b + 1) * g4].copy_from_slice(&gates[at * g4..(at + 1) * g4]);
    }
    add_hidden_product(z, h, w_hidden, hidden);
    for row in z.chunks_exact_mut(g4) {
        let (sig, cand) = row.split_at_mut(3 * hidden);
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        {
            sig.iter_mut().for_each(|v| *v = sigmoid(*v));
            cand.iter_mut().for_each(|v| *v = tanh(*v));
        }
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        {
            super::simd_gates::sigmoid_in_place(sig, sigmoid);
            super::simd_gates::tanh_in_place(cand, tanh);
        }
    }
}

fn check(gates: &[f32], w_hidden: &[f32], valid: &[f32], dims: Dims) {
    let Dims { batch, steps, hidden } = dims;
    assert_eq!(gates.len(), dims.gates_len(), "gates must be [B, T, 4H]");
    assert_eq!(w_hidden.len(), hidden * 4 * hidden, "w_hidden must be [H, 4H]");
    assert_eq!(valid.len(), batch * steps, "valid must be [B, T]");
}

/// [`forward`] on one contiguous group of items.
#[inline(always)]
fn forward_items_body(gates: &[f32], w_hidden: &[f32], valid: &[f32], dims: Dims, reverse: bool) -> Vec<f32> {
    check(gates, w_hidden, valid, dims);
    let Dims { batch, steps, hidden } = dims;
    let g4 = 4 * hidden;
    let mut out = vec![0.0; batch * steps * hidden];
    let mut z = vec![0.0; batch * g4];
    let mut h = vec![0.0; batch * hidden];
    let mut c = vec![0.0; batch * hidden];
    let w = hidden_weights(w_hidden, hidden);
    for t in order(steps, reverse) {
        step_gates(&mut z, gates, &h, &w, dims, t);
        for b in 0..batch {
            let at = b * steps + t;
            let v = valid[at];
            let zb = &z[b * g4..(b + 1) * g4];
            for j in 0..hidden {
                let (i, f, o, g) = (zb[j], zb[hidden + j], zb[2 * hidden + j], zb[3 * hidden + j]);
                let cell = f * c[b * hidden + j] + i * g;
                c[b * hidden + j] = v * cell;
                h[b * hidden + j] = v * (o * tanh(cell));
            }
            out[at * hidden..(at + 1) * hidden].copy_from_slice(&h[b * hidden..(b + 1) * hidden]);
        }
    }
    out
}

/// [`backward`] on one contiguous group of items.
#[inline(always)]
fn backward_items_body(
    gates: &[f32],
    w_hidden: &[f32],
    valid: &[f32],
    grad_out: &[f32],
    dims: Dims,
    reverse: bool,
) -> (Vec<f32>, Vec<f32>) {
    check(gates, w_hidden, valid, dims);
    let Dims { batch, steps, hidden } = dims;
    assert_eq!(grad_out.len(), batch * steps * hidden, "grad_out must be [B, T, H]");
    let g4 = 4 * hidden;
    let bh = batch * hidden;
    // Per step (time-major): activated gates `[B, 4H]`, the cell before
    // masking `[B, H]`, and the states the step started from.
    let mut acts = vec![0.0; steps * batch * g4];
    let mut cells = vec![0.0; steps * bh];
    let mut h_prev = vec![0.0; steps * bh];
    let mut c_prev = vec![0.0; steps * bh];
    let mut h = vec![0.0; bh];
    let mut c = vec![0.0; bh];
    let order = order(steps, reverse);
    let w = hidden_weights(w_hidden, hidden);
    for &t in &order {
        h_prev[t * bh..(t + 1) * bh].copy_from_slice(&h);
        c_prev[t * bh..(t + 1) * bh].copy_from_slice(&c);
        let z = &mut acts[t * batch * g4..(t + 1) * batch * g4];
        step_gates(z, gates, &h, &w, dims, t);
        for b in 0..batch {
            let v = valid[b * steps + t];
            let zb = &z[b * g4..(b + 1) * g4];
            for j in 0..hidden {
                let (i, f, o, g) = (zb[j], zb[hidden + j], zb[2 * hidden + j], zb[3 * hidden + j]);
                let cell = f * c[b * hidden + j] + i * g;
                cells[t * bh + b * hidden + j] = cell;
                c[b * hidden + j] = v * cell;
                h[b * hidden + j] = v * (o * tanh(cell));
            }
        }
    }
    let mut d_gates = vec![0.0; gates.len()];
    let mut d_w = vec![0.0; w_hidden.len()];
    let mut dz = vec![0.0; batch * g4];
    let mut dh = vec![0.0; bh];
    let mut dc = vec![0.0; bh];
    for &t in order.iter().rev() {
        let a = &acts[t * batch * g4..(t + 1) * batch * g4];
        for b in 0..batch {
            let at = b * steps + t;
            let v = valid[at];
            let ab = &a[b * g4..(b + 1) * g4];
            let dzb = &mut dz[b * g4..(b + 1) * g4];
            for j in 0..hidden {
                let s = b * hidden + j;
                let (i, f, o, g) = (ab[j], ab[hidden + j], ab[2 * hidden + j], ab[3 * hidden + j]);
                let d_h = v * (grad_out[at * hidden + j] + dh[s]);
                let tc = tanh(cells[t * bh + s]);
                let d_c = v * dc[s] + d_h * o * (1.0 - tc * tc);
                let d_o = d_h * tc;
                dc[s] = d_c * f;
                dzb[j] = d_c * g * i * (1.0 - i);
                dzb[hidden + j] = d_c * c_prev[t * bh + s] * f * (1.0 - f);
                dzb[2 * hidden + j] = d_o * o * (1.0 - o);
                dzb[3 * hidden + j] = d_c * i * (1.0 - g * g);
            }
            d_gates[at * g4..(at + 1) * g4].copy_from_slice(dzb);
        }
        hidden_backward(&mut d_w, &mut dh, &h_prev[t * bh..(t + 1) * bh], &dz, w_hidden, hidden);
    }
    (d_gates, d_w)
}

/// The group functions compiled twice natively on x86-64: for the baseline
/// (SSE2) and for AVX2, chosen at run time, so the loops run 8 lanes wide
/// where the processor has them (every inner helper is inlined into both).
macro_rules! multiversion {
    ($name:ident, $avx2:ident, $body:ident, ($($arg:ident: $ty:ty),*) -> $ret:ty) => {
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2")]
        fn $avx2($($arg: $ty),*) -> $ret {
            $body($($arg),*)
        }

        fn $name($($arg: $ty),*) -> $ret {
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the processor has AVX2 (checked just above).
                return unsafe { $avx2($($arg),*) };
            }
            $body($($arg),*)
        }
    };
}

multiversion!(forward_items, forward_items_avx2, forward_items_body,
    (gates: &[f32], w_hidden: &[f32], valid: &[f32], dims: Dims, reverse: bool) -> Vec<f32>);
multiversion!(backward_items, backward_items_avx2, backward_items_body,
    (gates: &[f32], w_hidden: &[f32], valid: &[f32], grad_out: &[f32], dims: Dims, reverse: bool)
        -> (Vec<f32>, Vec<f32>));

/// Items are independent: a batch splits into groups run on separate
/// threads (natively; the browser's module has one). Below this much work
/// (multiply-adds of `h W_h` over the sequence) a thread costs more than it
/// saves.
const PARALLEL_MIN_WORK: usize = 4_000_000;

/// Contiguous item ranges, one per thread worth starting.
fn groups(dims: Dims) -> Vec<std::ops::Range<usize>> {
    let work = dims.batch * dims.steps * dims.hidden * 4 * dims.hidden;
    let threads = if cfg!(target_arch = "wasm32") || work < PARALLEL_MIN_WORK {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get()).min(dims.batch)
    };
    let per = dims.batch.div_ceil(threads.max(1)).max(1);
    (0..dims.batch).step_by(per).map(|start| start..(start + per).min(dims.batch)).collect()
}

/// Runs `f` on every group (the slices of `gates`, `valid` and, if given,
/// `grad_out` for its items), in parallel when there are several.
fn per_group<R: Send>(
    dims: Dims,
    gates: &[f32],
    valid: &[f32],
    grad_out: Option<&[f32]>,
    f: impl Fn(&[f32], &[f32], Option<&[f32]>, Dims) -> R + Sync,
) -> Vec<R> {
    let Dims { steps, hidden, .. } = dims;
    let groups = groups(dims);
    let run = |r: &std::ops::Range<usize>| {
        let g = &gates[r.start * steps * 4 * hidden..r.end * steps * 4 * hidden];
        let v = &valid[r.start * steps..r.end * steps];
        let o = grad_out.map(|o| &o[r.start * steps * hidden..r.end * steps * hidden]);
        f(g, v, o, Dims { batch: r.len(), steps, hidden })
    };
    if groups.len() <= 1 {
        return groups.iter().map(run).collect();
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = groups.iter().map(|r| scope.spawn(move || run(r))).collect();
        handles.into_iter().map(|h| h.join().expect("a recurrence thread panicked")).collect()
    })
}

/// The hidden state of every step, `[B, T, H]`.
pub fn forward(gates: &[f32], w_hidden: &[f32], valid: &[f32], dims: Dims, reverse: bool) -> Vec<f32> {
    check(gates, w_hidden, valid, dims);
    per_group(dims, gates, valid, None, |g, v, _, d| forward_items(g, w_hidden, v, d, reverse)).concat()
}

/// Gradients of a loss with respect to `gates` (`[B, T, 4H]`) and `w_hidden`
/// (`[H, 4H]`), given its gradient with respect to the output (`[B, T,
/// H]`): backpropagation through time. The forward pass is recomputed
/// first, so nothing but the inputs has to be kept between the passes.
pub fn backward(
    gates: &[f32],
    w_hidden: &[f32],
    valid: &[f32],
    grad_out: &[f32],
    dims: Dims,
    reverse: bool,
) -> (Vec<f32>, Vec<f32>) {
    check(gates, w_hidden, valid, dims);
    assert_eq!(grad_out.len(), dims.batch * dims.steps * dims.hidden, "grad_out must be [B, T, H]");
    let parts = per_group(dims, gates, valid, Some(grad_out), |g, v, o, d| {
        backward_items(g, w_hidden, v, o.expect("given"), d, reverse)
    });
    let mut d_gates = Vec::with_capacity(gates.len());
    let mut d_w = vec![0.0; w_hidden.len()];
    for (dg, dw) in parts {
        d_gates.extend_from_slice(&dg);
        d_w.iter_mut().zip(&dw).for_each(|(a, b)| *a += b);
    }
    (d_gates, d_w)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pseudo(n: usize, seed: u32, scale: f32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s as f32 / u32::MAX as f32 * 2.0 - 1.0) * scale
            })
            .collect()
    }

    fn loss(gates: &[f32], w: &[f32], valid: &[f32], dims: Dims, reverse: bool, weights: &[f32]) -> f64 {
        forward(gates, w, valid, dims, reverse).iter().zip(weights).map(|(&h, &r)| h as f64 * r as f64).sum()
    }

    /// The analytic gradients match central differences of a random linear
    /// loss, in both directions and with padding.
    #[test]
    fn backward_matches_finite_differences() {
        let dims = Dims { batch: 2, steps: 5, hidden: 3 };
        let gates = pseudo(dims.gates_len(), 1, 1.5);
        let w = pseudo(3 * 12, 2, 0.8);
        let valid = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0];
        let weights = pseudo(2 * 5 * 3, 3, 1.0);
        for reverse in [false, true] {
            let (dg, dw) = backward(&gates, &w, &valid, &weights, dims, reverse);
            let eps = 1e-2f32;
            for (idx, &analytic) in dg.iter().enumerate() {
                let mut p = gates.clone();
                p[idx] += eps;
                let mut m = gates.clone();
                m[idx] -= eps;
                let numeric = (loss(&p, &w, &valid, dims, reverse, &weights)
                    - loss(&m, &w, &valid, dims, reverse, &weights))
                    / (2.0 * eps as f64);
                assert!((numeric - analytic as f64).abs() < 2e-3, "d gates[{idx}]: {numeric} vs {analytic}");
            }
            for (idx, &analytic) in dw.iter().enumerate() {
                let mut p = w.clone();
                p[idx] += eps;
                let mut m = w.clone();
                m[idx] -= eps;
                let numeric = (loss(&gates, &p, &valid, dims, reverse, &weights)
                    - loss(&gates, &m, &valid, dims, reverse, &weights))
                    / (2.0 * eps as f64);
                assert!((numeric - analytic as f64).abs() < 2e-3, "d w[{idx}]: {numeric} vs {analytic}");
            }
        }
    }

    #[test]
    fn exp_sigmoid_and_tanh_are_accurate() {
        for i in -2000..=2000 {
            let x = i as f32 / 50.0;
            let rel = (exp(x) as f64 - (x as f64).exp()).abs() / (x as f64).exp();
            assert!(rel < 5e-7, "exp({x}): relative error {rel}");
            assert!((sigmoid(x) as f64 - 1.0 / (1.0 + (-x as f64).exp())).abs() < 1e-7, "sigmoid({x})");
            assert!((tanh(x) as f64 - (x as f64).tanh()).abs() < 3e-7, "tanh({x})");
        }
    }

    /// Padding after an item's valid steps leaves the reversed direction's
    /// states on the valid steps as they are on the item alone.
    #[test]
    fn reversed_direction_ignores_trailing_padding() {
        let h = 2;
        let short = Dims { batch: 1, steps: 3, hidden: h };
        let long = Dims { batch: 1, steps: 5, hidden: h };
        let gates_long = pseudo(long.gates_len(), 7, 1.0);
        let w = pseudo(h * 4 * h, 8, 0.7);
        let alone = forward(&gates_long[..short.gates_len()], &w, &[1.0; 3], short, true);
        let padded = forward(&gates_long, &w, &[1.0, 1.0, 1.0, 0.0, 0.0], long, true);
        for (a, b) in alone.iter().zip(&padded[..3 * h]) {
            assert!((a - b).abs() < 1e-6);
        }
        assert!(padded[3 * h..].iter().all(|&v| v == 0.0));
    }
}
