//! The browser modules' own kernels against plain loops, in headless
//! Chromium: the panel product (`model::lstm::panels`) on shapes with
//! leftover rows and columns (odd rows, widths not a multiple of a panel,
//! one row with an odd number of panels), and the LSTM recurrence that runs
//! on it and on the vector gates against the cell written out in f64, with
//! gate inputs far outside the clamps too. Both within 1e-5 relative.
//!
//! The same tests cover both CPU modules, each with its own multiply-add:
//! the plain SIMD128 one (`cargo test --release --target
//! wasm32-unknown-unknown --no-default-features --test wasm_kernels`) and
//! the relaxed-SIMD one (the same with `RUSTFLAGS="-C
//! target-feature=+simd128,+relaxed-simd"` in its own target directory), as
//! scripts/test.sh runs them. Natively this file is empty.
#![cfg(all(target_arch = "wasm32", target_feature = "simd128"))]

use emorec::model::lstm::panels::Panels;
use emorec::model::lstm::recurrence::{self, Dims};
use emorec::rng::Rng;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const TOL: f64 = 1e-5;

/// `n` values uniform in `[-scale, scale)`, the same for a seed.
fn pseudo(n: usize, seed: u32, scale: f32) -> Vec<f32> {
    let mut rng = Rng::new(u64::from(seed));
    (0..n).map(|_| (rng.next_f64() * 2.0 - 1.0) as f32 * scale).collect()
}

#[wasm_bindgen_test]
fn product_matches_plain_loops() {
    // (rows, d_in, d_out): the shipped model's input projection and
    // recurrence step, then leftovers of every kind.
    let shapes = [(500, 130, 256), (1, 64, 256), (7, 13, 37), (1, 5, 48), (2, 1, 16), (3, 20, 3), (0, 4, 16)];
    for (n, &(rows, d_in, d_out)) in shapes.iter().enumerate() {
        let x = pseudo(rows * d_in, 3 * n as u32 + 1, 1.0);
        let w = pseudo(d_in * d_out, 3 * n as u32 + 2, 0.5);
        let y0 = pseudo(rows * d_out, 3 * n as u32 + 3, 0.25);
        let mut packed = y0.clone();
        Panels::new(&w, d_in, d_out).add_product(&mut packed, &x, rows);
        for r in 0..rows {
            for j in 0..d_out {
                // The plain product (f32, row by row) and the exact one's
                // scale, the sum of the terms' magnitudes.
                let (mut plain, mut scale) = (y0[r * d_out + j], y0[r * d_out + j].abs() as f64);
                for k in 0..d_in {
                    let t = x[r * d_in + k] * w[k * d_out + j];
                    plain += t;
                    scale += t.abs() as f64;
                }
                let got = packed[r * d_out + j];
                let err = (got as f64 - plain as f64).abs() / scale.max(f64::MIN_POSITIVE);
                assert!(
                    err <= TOL,
                    "{rows}x{d_in}x{d_out} [{r}, {j}]: packed {got} vs plain {plain} (relative {err:e})"
                );
            }
        }
    }
}

/// One LSTM layer-direction in f64, as `recurrence` defines it (gate order
/// input, forget, output, candidate; all steps valid).
fn lstm_f64(gates: &[f32], w: &[f32], steps: usize, hidden: usize, reverse: bool) -> Vec<f64> {
    let g4 = 4 * hidden;
    let sigmoid = |v: f64| 1.0 / (1.0 + (-v).exp());
    let (mut h, mut c) = (vec![0.0f64; hidden], vec![0.0f64; hidden]);
    let mut out = vec![0.0f64; steps * hidden];
    let order: Vec<usize> = if reverse { (0..steps).rev().collect() } else { (0..steps).collect() };
    for t in order {
        let mut z: Vec<f64> = gates[t * g4..(t + 1) * g4].iter().map(|&v| v as f64).collect();
        for (k, &hk) in h.iter().enumerate() {
            for (zj, &wj) in z.iter_mut().zip(&w[k * g4..(k + 1) * g4]) {
                *zj += hk * wj as f64;
            }
        }
        for j in 0..hidden {
            let (i, f, o, g) =
                (sigmoid(z[j]), sigmoid(z[hidden + j]), sigmoid(z[2 * hidden + j]), z[3 * hidden + j].tanh());
            c[j] = f * c[j] + i * g;
            h[j] = o * c[j].tanh();
        }
        out[t * hidden..(t + 1) * hidden].copy_from_slice(&h);
    }
    out
}

#[wasm_bindgen_test]
fn recurrence_matches_the_cell_in_f64() {
    // The shipped model's hidden size, one whose 4H is not a multiple of a
    // panel, and gate inputs beyond exp's and tanh's clamps.
    for (hidden, steps, scale) in [(64, 40, 1.5), (5, 9, 1.5), (16, 20, 200.0)] {
        let dims = Dims { batch: 1, steps, hidden };
        let gates = pseudo(steps * 4 * hidden, hidden as u32, scale);
        let w = pseudo(hidden * 4 * hidden, hidden as u32 + 1, 0.3);
        for reverse in [false, true] {
            let got = recurrence::forward(&gates, &w, &vec![1.0; steps], dims, reverse);
            let want = lstm_f64(&gates, &w, steps, hidden, reverse);
            for (n, (&g, &e)) in got.iter().zip(&want).enumerate() {
                assert!(
                    (g as f64 - e).abs() <= TOL * e.abs().max(1.0),
                    "H={hidden} reverse={reverse} [{n}]: {g} vs {e}"
                );
            }
        }
    }
}
