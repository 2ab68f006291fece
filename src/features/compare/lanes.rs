//! Several frames' samples side by side as one FFT sample, so that one
//! transform serves several frames.
//!
//! In wasm, rustfft has no vector code of its own (its `wasm_simd` feature
//! costs about 95 KB of page size): its scalar algorithms run one value at a
//! time. They are generic over the sample type, so [`F32x4`] (four frames'
//! f32 values in one SIMD128 vector, lane `l` from frame `l`) and [`F64x2`]
//! (two frames' f64 values) make the same scalar algorithm transform four or
//! two frames at once: every lane goes through exactly the operations a
//! lone frame's transform does (wasm's vector arithmetic is IEEE per lane,
//! never fused), so each lane's spectrum is bit for bit the one frame's.
//! Natively the sample stays `f32` / `f64`, where rustfft's own AVX/SSE
//! code is faster and gives the reference output.

use rustfft::num_complex::Complex;
use rustfft::FftNum;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use rustfft::{algorithm::Radix4, Fft};
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use std::sync::Arc;

/// An FFT sample carrying [`FrameLanes::COUNT`] frames' values (at most
/// `MAX_LANES`).
pub trait FrameLanes: FftNum {
    /// One frame's value.
    type Lane: Copy;
    /// Frames per sample.
    const COUNT: usize;
    /// The sample whose lane `l` is `f(l)`.
    fn from_lanes(f: impl FnMut(usize) -> Self::Lane) -> Self;
    /// Lane `l`'s value.
    fn lane(self, l: usize) -> Self::Lane;
    /// Sets lane `l` to `v`.
    fn set_lane(&mut self, l: usize, v: Self::Lane);
}

/// A plain float as a sample of one lane.
macro_rules! one_lane {
    ($($t:ty),*) => {$(
        impl FrameLanes for $t {
            type Lane = $t;
            const COUNT: usize = 1;
            fn from_lanes(mut f: impl FnMut(usize) -> $t) -> Self {
                f(0)
            }
            fn lane(self, _: usize) -> $t {
                self
            }
            fn set_lane(&mut self, _: usize, v: $t) {
                *self = v;
            }
        }
    )*};
}

one_lane!(f32, f64);

/// The most lanes a sample type has (four, those of the pitch frames' `F32x4`).
const MAX_LANES: usize = 4;

/// Windows whole frames into a transform's complex input, one frame per
/// lane: sample pair `k` (samples `2k` and `2k + 1`, each `windowed` with
/// its window value) goes into `out[k]`'s real and imaginary parts, lane
/// `l` from `frames[l]`. Each value is built in registers and stored whole;
/// setting one lane at a time would load and store the vector once per lane.
///
/// `frames` holds [`FrameLanes::COUNT`] frames, each at least as long as
/// the window, whose length is even; `out` past the window's pairs is left
/// as it is.
pub fn load_windowed_pairs<T: FrameLanes, W: Copy>(
    out: &mut [Complex<T>],
    frames: &[&[f32]],
    window: &[W],
    windowed: impl Fn(f32, W) -> T::Lane,
) {
    debug_assert!(frames.len() == T::COUNT && window.len().is_multiple_of(2));
    // Each frame cut to the window's length in a fixed array: with the
    // lengths known, the indexing below needs no bounds tests in the loop.
    let n = window.len();
    let mut rows: [&[f32]; MAX_LANES] = [&[]; MAX_LANES];
    for (row, frame) in rows.iter_mut().zip(frames) {
        *row = &frame[..n];
    }
    for (k, (c, w)) in out.iter_mut().zip(window.chunks_exact(2)).enumerate() {
        let i = 2 * k;
        *c = Complex::new(
            T::from_lanes(|l| windowed(rows[l][i], w[0])),
            T::from_lanes(|l| windowed(rows[l][i + 1], w[1])),
        );
    }
}

/// The transform rustfft's scalar planner builds for a power of two `len`
/// above 64: radix 4 over `base` (a size-8 butterfly for an odd power of
/// two, size 16 for an even one), built directly. Planning for a lane type
/// would compile every algorithm the planner can choose (some 70 KB of
/// gzipped wasm); this compiles the two used, and gives the planner's very
/// transform.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub fn radix4<T: FftNum>(len: usize, base: Arc<dyn Fft<T>>) -> Radix4<T> {
    let bits = len.trailing_zeros();
    let base_len = if bits % 2 == 1 { 8 } else { 16 };
    assert!(len.is_power_of_two() && bits > 6 && base.len() == base_len, "not the planner's plan for {len} samples");
    Radix4::new_with_base((bits - base_len.trailing_zeros()) / 2, base)
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use simd::{F32x4, F64x2};

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use super::FrameLanes;
    use core::arch::wasm32::*;
    use rustfft::num_traits::{FromPrimitive, Num, One, Signed, Zero};
    use std::ops::{Add, Div, Mul, Neg, Rem, Sub};

    /// `$name`: `$t` lanes (numbered `$l`) in a SIMD128 vector, with the
    /// vector instructions named. Only what rustfft's scalar algorithms use
    /// is vector code (add, sub, mul, neg, constants); the rest of the
    /// numeric traits, which they require but never call in a transform,
    /// work lane by lane.
    macro_rules! simd_lanes {
        ($(#[$doc:meta])* $name:ident($t:ty; $($l:literal),*) {
            $splat:ident, $extract:ident, $replace:ident, $eq:ident, $all_true:ident,
            $add:ident, $sub:ident, $mul:ident, $div:ident, $neg:ident, $abs:ident
        }) => {
            $(#[$doc])*
            #[derive(Clone, Copy)]
            pub struct $name(v128);

            impl $name {
                fn splat(v: $t) -> Self {
                    $name($splat(v))
                }

                fn lanes(self) -> [$t; <Self as FrameLanes>::COUNT] {
                    std::array::from_fn(|l| self.lane(l))
                }

                /// `f` applied lane by lane.
                fn map(self, other: Self, f: impl Fn($t, $t) -> $t) -> Self {
                    let (a, b) = (self.lanes(), other.lanes());
                    Self::from_lanes(|l| f(a[l], b[l]))
                }
            }

            impl FrameLanes for $name {
                type Lane = $t;
                const COUNT: usize = [$($l),*].len();
                // Inlined so that a constant lane index and the closure's
                // values become one vector build in the caller's loop.
                #[inline(always)]
                fn from_lanes(mut f: impl FnMut(usize) -> $t) -> Self {
                    let v = [$(f($l)),*];
                    let mut s = $splat(0.0);
                    $(s = $replace::<$l>(s, v[$l]);)*
                    $name(s)
                }
                fn lane(self, l: usize) -> $t {
                    match l {
                        $($l => $extract::<$l>(self.0),)*
                        _ => unreachable!("no lane {l}"),
                    }
                }
                fn set_lane(&mut self, l: usize, v: $t) {
                    self.0 = match l {
                        $($l => $replace::<$l>(self.0, v),)*
                        _ => unreachable!("no lane {l}"),
                    };
                }
            }

            impl std::fmt::Debug for $name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    self.lanes().fmt(f)
                }
            }

            impl PartialEq for $name {
                fn eq(&self, other: &Self) -> bool {
                    $all_true($eq(self.0, other.0))
                }
            }

            impl Add for $name {
                type Output = Self;
                fn add(self, o: Self) -> Self {
                    $name($add(self.0, o.0))
                }
            }

            impl Sub for $name {
                type Output = Self;
                fn sub(self, o: Self) -> Self {
                    $name($sub(self.0, o.0))
                }
            }

            impl Mul for $name {
                type Output = Self;
                fn mul(self, o: Self) -> Self {
                    $name($mul(self.0, o.0))
                }
            }

            impl Div for $name {
                type Output = Self;
                fn div(self, o: Self) -> Self {
                    $name($div(self.0, o.0))
                }
            }

            impl Rem for $name {
                type Output = Self;
                fn rem(self, o: Self) -> Self {
                    self.map(o, |a, b| a % b)
                }
            }

            impl Neg for $name {
                type Output = Self;
                fn neg(self) -> Self {
                    $name($neg(self.0))
                }
            }

            impl Zero for $name {
                fn zero() -> Self {
                    Self::splat(0.0)
                }
                fn is_zero(&self) -> bool {
                    *self == Self::zero()
                }
            }

            impl One for $name {
                fn one() -> Self {
                    Self::splat(1.0)
                }
            }

            impl Num for $name {
                type FromStrRadixErr = <$t as Num>::FromStrRadixErr;
                fn from_str_radix(s: &str, radix: u32) -> Result<Self, Self::FromStrRadixErr> {
                    <$t>::from_str_radix(s, radix).map(Self::splat)
                }
            }

            impl Signed for $name {
                fn abs(&self) -> Self {
                    $name($abs(self.0))
                }
                fn abs_sub(&self, other: &Self) -> Self {
                    self.map(*other, |a, b| Signed::abs_sub(&a, &b))
                }
                fn signum(&self) -> Self {
                    self.map(*self, |a, _| Signed::signum(&a))
                }
                fn is_positive(&self) -> bool {
                    self.lanes().iter().all(|v| v.is_positive())
                }
                fn is_negative(&self) -> bool {
                    self.lanes().iter().all(|v| v.is_negative())
                }
            }

            /// Conversions as the lane type's own (`n as f32`), in every
            /// lane: rustfft builds its twiddle factors in f64 and converts
            /// them with `from_f64`.
            impl FromPrimitive for $name {
                fn from_i64(n: i64) -> Option<Self> {
                    Some(Self::splat(n as $t))
                }
                fn from_u64(n: u64) -> Option<Self> {
                    Some(Self::splat(n as $t))
                }
                fn from_f32(n: f32) -> Option<Self> {
                    Some(Self::splat(n as $t))
                }
                fn from_f64(n: f64) -> Option<Self> {
                    Some(Self::splat(n as $t))
                }
            }
        };
    }

    simd_lanes! {
        /// Four f32 lanes in a SIMD128 vector (the pitch frames' transform).
        F32x4(f32; 0, 1, 2, 3) {
            f32x4_splat, f32x4_extract_lane, f32x4_replace_lane, f32x4_eq, u32x4_all_true,
            f32x4_add, f32x4_sub, f32x4_mul, f32x4_div, f32x4_neg, f32x4_abs
        }
    }

    simd_lanes! {
        /// Two f64 lanes in a SIMD128 vector (the short frames' transform).
        F64x2(f64; 0, 1) {
            f64x2_splat, f64x2_extract_lane, f64x2_replace_lane, f64x2_eq, u64x2_all_true,
            f64x2_add, f64x2_sub, f64x2_mul, f64x2_div, f64x2_neg, f64x2_abs
        }
    }
}
