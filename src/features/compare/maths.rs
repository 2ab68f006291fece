//! Branch-free `ln` and `exp` for f64 (and `ln` for f32), for the per-bin
//! and per-band loops of the front end.
//!
//! In wasm every `f64::ln`/`exp`/`powf` (and `f32::ln`) is a call into the
//! bundled libm (musl's algorithms, ported by the `libm` crate): a few
//! hundred calls per frame, each with its special-case branches, and none
//! of them can be vectorised. These are the same algorithms, constants
//! and operation order as that libm, minus the branches for inputs the
//! callers never pass (zero, negative, subnormal, infinite or NaN
//! arguments; `exp` arguments beyond ±708): so in wasm they return the very
//! bits the library calls did, and on native targets they stay within an
//! ulp or so of the platform's libm. Being straight-line code, loops over
//! them vectorise (f64x2 in wasm's SIMD128).
//!
//! Integer exponents are moved in and out of f64 through the 2^52 "magic
//! number" (exact for small integers) rather than int-float conversions,
//! which wasm's SIMD128 lacks for 64-bit lanes.

// The constants are musl's decimal spellings, kept verbatim (they round to
// the intended bits; INVLN2 is 1/ln 2 to the bit, so it is LOG2_E).
#![allow(clippy::excessive_precision, clippy::approx_constant)]

/// 2^52: adding it to a small non-negative integer-valued f64 puts the
/// integer in the low mantissa bits.
const TWO_52: f64 = 4503599627370496.0;
/// The bits of 2^52.
const TWO_52_BITS: u64 = 0x4330_0000_0000_0000;

const LG1: f64 = 6.666666666666735130e-01;
const LG2: f64 = 3.999999999940941908e-01;
const LG3: f64 = 2.857142874366239149e-01;
const LG4: f64 = 2.222219843214978396e-01;
const LG5: f64 = 1.818357216161805012e-01;
const LG6: f64 = 1.531383769920937332e-01;
const LG7: f64 = 1.479819860511658591e-01;
const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;

/// Splits a positive normal `x` into `2^k * (1 + f)` with `1 + f` in
/// [√2/2, √2), and returns `(k, f, s, hfsq, r)` of musl's log kernel:
/// `s = f / (2 + f)`, `hfsq = f² / 2` and its polynomial `r`, where
/// `ln(1 + f) = f - hfsq + s * (hfsq + r)`.
#[inline(always)]
fn log_kernel(x: f64) -> (f64, f64, f64, f64, f64) {
    let ui = x.to_bits();
    // Reduce x into [√2/2, √2): bias the high word so that the exponent
    // rolls over at √2 rather than 2.
    let hx = (ui >> 32) + (0x3ff0_0000 - 0x3fe6_a09e);
    let k = f64::from_bits(TWO_52_BITS | (hx >> 20)) - (TWO_52 + 1023.0);
    let hx = (hx & 0x000f_ffff) + 0x3fe6_a09e;
    let f = f64::from_bits((hx << 32) | (ui & 0xffff_ffff)) - 1.0;
    let hfsq = 0.5 * f * f;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    (k, f, s, hfsq, t2 + t1)
}

/// Natural logarithm of a positive normal finite `x` (musl's `log`).
#[inline(always)]
pub fn ln(x: f64) -> f64 {
    let (k, f, s, hfsq, r) = log_kernel(x);
    s * (hfsq + r) + k * LN2_LO - hfsq + f + k * LN2_HI
}

/// Natural logarithm of a positive normal finite f32 `x` (musl's `logf`,
/// the same reduction as [`ln`]'s with a shorter polynomial), for loops
/// that need no more than f32 precision. Its exponent becomes a float by a
/// plain conversion, which SIMD128 has for 32-bit lanes.
#[inline(always)]
pub fn ln_f32(x: f32) -> f32 {
    const LN2_HI: f32 = 6.9313812256e-01;
    const LN2_LO: f32 = 9.0580006145e-06;
    const LG1: f32 = 0.66666662693;
    const LG2: f32 = 0.40000972152;
    const LG3: f32 = 0.28498786688;
    const LG4: f32 = 0.24279078841;
    let ix = x.to_bits().wrapping_add(0x3f80_0000 - 0x3f35_04f3);
    let k = ((ix >> 23) as i32 - 0x7f) as f32;
    let f = f32::from_bits((ix & 0x007f_ffff) + 0x3f35_04f3) - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * LG4);
    let t2 = z * (LG1 + w * LG3);
    let r = t2 + t1;
    let hfsq = 0.5 * f * f;
    s * (hfsq + r) + k * LN2_LO - hfsq + f + k * LN2_HI
}

/// e^x for |x| < 708 (musl's `exp`).
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    const INVLN2: f64 = 1.44269504088896338700e+00;
    const P1: f64 = 1.66666666666666019037e-01;
    const P2: f64 = -2.77777777770155933842e-03;
    const P3: f64 = 6.61375632143793436117e-05;
    const P4: f64 = -1.65339022054652515390e-06;
    const P5: f64 = 4.13813679705723846039e-08;
    // k = round(x / ln 2), halves away from zero; musl branches to k = 0
    // for |x| <= ln2 / 2 and to k = ±1 below 1.5 ln 2, which this gives too.
    let k = (INVLN2 * x + 0.5f64.copysign(x)).trunc();
    let hi = x - k * LN2_HI;
    let lo = k * LN2_LO;
    let r = hi - lo;
    let rr = r * r;
    let c = r - rr * (P1 + rr * (P2 + rr * (P3 + rr * (P4 + rr * P5))));
    let y = 1.0 + (r * c / (2.0 - c) - lo + hi);
    // y * 2^k, the power of two built from k's bits (musl's scalbn in range).
    y * f64::from_bits(((k + (TWO_52 + 1023.0)).to_bits()) << 52)
}

/// `x^p` for positive normal `x` as e^(p ln x): within a few ulps of `powf`
/// when |p ln x| is small, as for the loudness compression.
#[inline(always)]
pub fn pow(x: f64, p: f64) -> f64 {
    exp(p * ln(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative difference in units of f64 epsilon.
    fn ulps(a: f64, b: f64) -> f64 {
        if a == b {
            0.0
        } else {
            ((a - b) / b).abs() / f64::EPSILON
        }
    }

    #[test]
    /// Against the platform's libm (musl's port in wasm, where they agree to
    /// the bit; glibc's natively, which rounds differently now and then).
    fn agree_with_libm_over_the_working_range() {
        let mut worst = [0.0f64; 4];
        let mut x = 1e-300f64;
        while x < 1e300 {
            for t in [x, x * 1.37, x * 0.71] {
                worst[0] = worst[0].max(ulps(ln(t), t.ln()));
            }
            x *= 1.093;
        }
        let mut x = 1e-37f32;
        while x < 1e38 {
            for t in [x, x * 1.37, x * 0.71] {
                let (a, b) = (ln_f32(t), t.ln());
                let f32_ulps = if a == b { 0.0 } else { ((a - b) / b).abs() / f32::EPSILON };
                worst[1] = worst[1].max(f64::from(f32_ulps));
            }
            x *= 1.093;
        }
        let mut x = -700.0f64;
        while x < 700.0 {
            worst[2] = worst[2].max(ulps(exp(x), x.exp()));
            x += 0.0137;
        }
        for x in [1e-12, 1e-5, 0.3, 1.0, 7.5, 1e4, 1e9] {
            worst[3] = worst[3].max(ulps(pow(x, 0.33), x.powf(0.33)));
        }
        assert!(worst[..3].iter().all(|&w| w <= 1.0), "ln, ln_f32 (f32 ulps), exp: {worst:?} ulps");
        assert!(worst[3] < 8.0, "pow: {} ulps", worst[3]);
        assert_eq!((ln(1.0), ln_f32(1.0), exp(0.0)), (0.0, 0.0, 1.0));
    }
}
