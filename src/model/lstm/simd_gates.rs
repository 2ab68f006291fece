//! The LSTM gates' nonlinearities in the browser's modules: the same `exp`
//! as [`super::recurrence`]'s (range reduction to `2^n e^r`, a degree-6
//! Taylor polynomial) written with explicit vectors. What the compiler
//! makes of the scalar loop costs V8 on x86 more than the arithmetic: wasm's
//! `f32x4.min`/`max` (NaN-propagating, several instructions each) for the
//! clamps and the saturating `i32x4.trunc_sat_f32x4_s` for the exponent.
//! Here the clamps are `pmin`/`pmax` (one `minps`/`maxps`), and the
//! exponent's bits come from the rounding sum itself, with no conversion.
//! The polynomial and the reduction take [`super::madd`]'s multiply-adds
//! (fused in the relaxed-SIMD module).
//!
//! Values agree with the scalar code's to float rounding (to the bit in the
//! plain module, whose multiply-adds round twice as the scalar code's do);
//! the clamps keep every finite input in range.

use super::madd::{madd, nmadd};
use super::recurrence::{EXP_MAX, EXP_MIN, EXP_POLY, LN2_HI, LN2_LO, LOG2E, ROUND, TANH_LIMIT};
use core::arch::wasm32::{
    f32x4_add, f32x4_div, f32x4_mul, f32x4_pmax, f32x4_pmin, f32x4_splat, f32x4_sub, i32x4_add, i32x4_shl, i32x4_splat,
    v128, v128_load, v128_store,
};

/// `e^x`, 4 lanes, to about 1e-7 relative error (as `recurrence::exp`).
#[inline(always)]
fn exp(x: v128) -> v128 {
    let s = f32x4_splat;
    // pmin/pmax take their first operand when the comparison fails: a NaN
    // stays NaN, as in the scalar clamp.
    let x = f32x4_pmax(f32x4_pmin(x, s(EXP_MAX)), s(EXP_MIN));
    let t = madd(x, s(LOG2E), s(ROUND));
    let n = f32x4_sub(t, s(ROUND));
    let r = nmadd(n, s(LN2_LO), nmadd(n, s(LN2_HI), x));
    let mut p = s(EXP_POLY[0]);
    for &c in &EXP_POLY[1..] {
        p = madd(p, r, s(c));
    }
    // `t`'s low mantissa bits hold 2^22 + n (n within [-126, 127] after
    // the clamp):
    // shifted by 23, `t + 127` leaves exactly n + 127 in the exponent
    // field, as converting `n` would.
    let scale = i32x4_shl(i32x4_add(t, i32x4_splat(127)), 23);
    f32x4_mul(p, scale)
}

#[inline(always)]
fn sigmoid(x: v128) -> v128 {
    let one = f32x4_splat(1.0);
    f32x4_div(one, f32x4_add(one, exp(f32x4_sub(f32x4_splat(0.0), x))))
}

/// Clamped to ±15 first, as `recurrence::tanh`.
#[inline(always)]
fn tanh(x: v128) -> v128 {
    let x = f32x4_pmax(f32x4_pmin(x, f32x4_splat(TANH_LIMIT)), f32x4_splat(-TANH_LIMIT));
    let e = exp(f32x4_add(x, x));
    f32x4_sub(f32x4_splat(1.0), f32x4_div(f32x4_splat(2.0), f32x4_add(e, f32x4_splat(1.0))))
}

/// `v = f(v)` over `values`, 4 at a time; a last 1 to 3 through `scalar`.
#[inline(always)]
fn map(values: &mut [f32], f: impl Fn(v128) -> v128, scalar: impl Fn(f32) -> f32) {
    let mut chunks = values.chunks_exact_mut(4);
    for c in &mut chunks {
        // SAFETY: `c` holds 4 floats; v128_load/store need no alignment.
        unsafe {
            let v = v128_load(c.as_ptr() as *const v128);
            v128_store(c.as_mut_ptr() as *mut v128, f(v));
        }
    }
    chunks.into_remainder().iter_mut().for_each(|v| *v = scalar(*v));
}

/// Sigmoid over `values` (`scalar` for a last 1 to 3).
#[inline(always)]
pub fn sigmoid_in_place(values: &mut [f32], scalar: impl Fn(f32) -> f32) {
    map(values, sigmoid, scalar);
}

/// Clamped tanh over `values` (`scalar` for a last 1 to 3).
#[inline(always)]
pub fn tanh_in_place(values: &mut [f32], scalar: impl Fn(f32) -> f32) {
    map(values, tanh, scalar);
}
