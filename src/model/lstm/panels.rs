//! `y += x W` with `W` packed into column panels: the browser modules'
//! inference products (both CPU modules: the multiply-add is
//! [`super::madd`]'s, fused in the relaxed-SIMD module, a multiply and an
//! add in the plain SIMD128 one). Natively `matrixmultiply` and the
//! recurrence's own loops run instead (8 lanes wide with AVX2).
//!
//! Both products of a layer-direction go through [`Panels`]: the input
//! projection over all steps (`[T, D] x [D, 4H]`, two thirds of the
//! multiply-adds; `matrixmultiply`'s SIMD128 kernel repacks both operands
//! on every call) and the recurrence's `h W_h` per step (`[1, H] x
//! [H, 4H]`, with `W_h` packed once per sequence). In node on x86 (Zen 4),
//! for the shipped model's sizes: the input projection 2.1 ms with
//! `matrixmultiply`, 1.7 ms here with a multiply and an add, 1.3 ms fused;
//! the recurrence's products 1.3 -> 1.0 ms (the packing's gain: the step's
//! chain of dependent sums is latency-bound, and a fused multiply-add is no
//! faster than an add at that).
//!
//! The sums run in another order than a row-by-row product, and
//! `relaxed_madd` may round once or twice: results differ from plain loops
//! by float rounding only (tests/wasm_kernels.rs holds them within 1e-5
//! relative; the model tests hold the predictions within their usual
//! tolerance).

use super::madd::madd;
use core::arch::wasm32::{f32x4_splat, v128, v128_load, v128_store};

/// Lanes of a `v128`.
const LANES: usize = 4;
/// Vectors across one panel: each row of a block keeps this many
/// accumulators.
const VECTORS: usize = 4;
/// Columns of `W` per panel.
const WIDTH: usize = VECTORS * LANES;

/// `W [d_in, d_out]` (row-major) repacked as column panels of [`WIDTH`]
/// columns, each panel `[d_in, WIDTH]` contiguous (the last padded with
/// zeros), so that a block of the product reads its part of `W` as one
/// sequential stream instead of `d_in` rows a stride apart.
#[derive(Debug, Clone)]
pub struct Panels {
    data: Vec<f32>,
    d_in: usize,
    d_out: usize,
}

impl Panels {
    /// Packs `w`, `[d_in, d_out]` row-major.
    pub fn new(w: &[f32], d_in: usize, d_out: usize) -> Self {
        assert_eq!(w.len(), d_in * d_out, "W must be [d_in, d_out]");
        let panels = d_out.div_ceil(WIDTH);
        let mut data = vec![0.0; panels * d_in * WIDTH];
        for (p, panel) in data.chunks_exact_mut(d_in * WIDTH).enumerate() {
            let (j, n) = (p * WIDTH, WIDTH.min(d_out - p * WIDTH));
            for (row, packed) in w.chunks_exact(d_out).zip(panel.chunks_exact_mut(WIDTH)) {
                copy_row(&mut packed[..n], &row[j..j + n]);
            }
        }
        Panels { data, d_in, d_out }
    }

    /// `y [rows, d_out] += x [rows, d_in] W`, row-major.
    ///
    /// Blocks of 2 rows x [`WIDTH`] columns: 8 accumulators, enough
    /// independent sums to keep two multiply-add pipes busy, within the 15
    /// registers V8 allocates on x86 with a vector of `W` and the rows'
    /// broadcasts (4 x 8 and 5 x 8 blocks, unpacked 4 x 8, and 2 x 32 were
    /// 1.2 to 2.2 times slower in node). A last odd row, and the
    /// recurrence's single row, take 1 x [`WIDTH`] blocks (two panels at a
    /// time, for 8 sums, were no faster).
    pub fn add_product(&self, y: &mut [f32], x: &[f32], rows: usize) {
        let (d_in, d_out) = (self.d_in, self.d_out);
        assert!(y.len() == rows * d_out && x.len() == rows * d_in, "add_product shapes");
        let pairs = rows - rows % 2;
        for p in 0..d_out.div_ceil(WIDTH) {
            for r in (0..pairs).step_by(2) {
                self.block::<2>(y, x, r, p);
            }
            if pairs < rows {
                self.block::<1>(y, x, pairs, p);
            }
        }
    }

    /// Rows `r..r + R` of `y`, panel `p`'s columns. A whole panel's
    /// accumulators load from `y` and store back in place; the last,
    /// narrower one goes through a zero-padded copy (not on the hot path:
    /// the shipped model's widths are all multiples of [`WIDTH`]).
    #[inline(always)]
    fn block<const R: usize>(&self, y: &mut [f32], x: &[f32], r: usize, p: usize) {
        let (d_in, d_out) = (self.d_in, self.d_out);
        let (j, n) = (p * WIDTH, WIDTH.min(d_out - p * WIDTH));
        let panel = &self.data[p * d_in * WIDTH..(p + 1) * d_in * WIDTH];
        let x = &x[r * d_in..(r + R) * d_in];
        let y = &mut y[r * d_out + j..(r + R - 1) * d_out + j + n];
        if n == WIDTH {
            // SAFETY: `y` holds R rows a stride `d_out` apart, each with
            // WIDTH floats from its start (sliced just above).
            unsafe { sum_into::<R>(y.as_mut_ptr(), d_out, panel, x) };
        } else {
            let mut out = [[0.0f32; WIDTH]; R];
            for (i, o) in out.iter_mut().enumerate() {
                o[..n].copy_from_slice(&y[i * d_out..i * d_out + n]);
            }
            // SAFETY: `out` holds R rows of WIDTH floats, contiguous.
            unsafe { sum_into::<R>(out.as_mut_ptr() as *mut f32, WIDTH, panel, x) };
            for (i, o) in out.iter().enumerate() {
                y[i * d_out..i * d_out + n].copy_from_slice(&o[..n]);
            }
        }
    }
}

/// `y[i, ..WIDTH] += x[i, :] panel` for the `R` rows of `x` (`[R, d_in]`;
/// `panel [d_in, WIDTH]`), `y`'s rows `stride` floats apart: `R x VECTORS`
/// accumulators held in registers over the whole sum. Each vector of `W` is
/// used by every row as soon as it is loaded, so that only it, the
/// accumulators and the rows' broadcasts are live (11 registers for R = 2).
///
/// # Safety
/// `y` must point to `R` rows of at least [`WIDTH`] floats, `stride` floats
/// apart, that alias neither `panel` nor `x`.
#[inline(always)]
unsafe fn sum_into<const R: usize>(y: *mut f32, stride: usize, panel: &[f32], x: &[f32]) {
    let d_in = x.len() / R;
    assert!(x.len() == R * d_in && panel.len() == d_in * WIDTH);
    let mut acc = [[f32x4_splat(0.0); VECTORS]; R];
    for (i, a) in acc.iter_mut().enumerate() {
        for (c, v) in a.iter_mut().enumerate() {
            *v = v128_load(y.add(i * stride + c * LANES) as *const v128);
        }
    }
    // The loads below stay within `panel` and `x` (lengths checked above);
    // v128_load needs no alignment.
    let (pp, xp) = (panel.as_ptr(), x.as_ptr());
    for k in 0..d_in {
        let mut xk = [f32x4_splat(0.0); R];
        for (i, v) in xk.iter_mut().enumerate() {
            *v = f32x4_splat(*xp.add(i * d_in + k));
        }
        let wk = pp.add(k * WIDTH);
        for c in 0..VECTORS {
            let w = v128_load(wk.add(c * LANES) as *const v128);
            for (a, &xv) in acc.iter_mut().zip(&xk) {
                a[c] = madd(xv, w, a[c]);
            }
        }
    }
    for (i, a) in acc.iter().enumerate() {
        for (c, &v) in a.iter().enumerate() {
            v128_store(y.add(i * stride + c * LANES) as *mut v128, v);
        }
    }
}

/// `dst = src` for at most [`WIDTH`] floats, as vector moves when whole:
/// `copy_from_slice` becomes a `memory.copy`, which costs V8 a call out of
/// the compiled code each time (the packing and the per-block copies, 16 and
/// 64 bytes each, took longer than the products they fed).
#[inline(always)]
fn copy_row(dst: &mut [f32], src: &[f32]) {
    assert!(dst.len() == src.len() && src.len() <= WIDTH);
    if src.len() == WIDTH {
        // SAFETY: both slices hold WIDTH floats (checked just above).
        unsafe {
            for c in 0..VECTORS {
                let v = v128_load(src.as_ptr().add(c * LANES) as *const v128);
                v128_store(dst.as_mut_ptr().add(c * LANES) as *mut v128, v);
            }
        }
    } else {
        for (d, &s) in dst.iter_mut().zip(src) {
            *d = s;
        }
    }
}
