//! Several frames' f32 samples side by side as one FFT sample, so that one
//! transform serves several frames.
//!
//! In wasm, rustfft has no vector code of its own (its `wasm_simd` feature
//! costs about 95 KB of page size): its scalar algorithms run one f32 at a
//! time. They are generic over the sample type, so [`F32x4`] (four frames'
//! values in one SIMD128 vector, lane `l` from frame `l`) makes the same
//! scalar algorithm transform four frames at once: the planner chooses by
//! length alone, and every lane goes through exactly the f32 operations a
//! lone frame's transform does (wasm's vector arithmetic is IEEE per lane,
//! never fused), so each lane's spectrum is bit for bit the one frame's.
//! Natively the sample stays `f32`, where rustfft's own AVX/SSE code is
//! faster and gives the reference output.

use rustfft::FftNum;

/// An FFT sample carrying [`FrameLanes::COUNT`] frames' values.
pub trait FrameLanes: FftNum {
    /// Frames per sample.
    const COUNT: usize;
    /// The sample whose lane `l` is `f(l)`.
    fn from_lanes(f: impl FnMut(usize) -> f32) -> Self;
    /// Lane `l`'s value.
    fn lane(self, l: usize) -> f32;
    /// Sets lane `l` to `v`.
    fn set_lane(&mut self, l: usize, v: f32);
}

impl FrameLanes for f32 {
    const COUNT: usize = 1;
    fn from_lanes(mut f: impl FnMut(usize) -> f32) -> Self {
        f(0)
    }
    fn lane(self, _: usize) -> f32 {
        self
    }
    fn set_lane(&mut self, _: usize, v: f32) {
        *self = v;
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use simd::F32x4;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use super::FrameLanes;
    use core::arch::wasm32::*;
    use rustfft::num_traits::{FromPrimitive, Num, One, Signed, Zero};
    use std::ops::{Add, Div, Mul, Neg, Rem, Sub};

    /// Four f32 lanes in a SIMD128 vector. Only what rustfft's scalar
    /// algorithms use is vector code (add, sub, mul, neg, constants);
    /// the rest of the numeric traits, which they require but never call
    /// in a transform, work lane by lane.
    #[derive(Clone, Copy)]
    pub struct F32x4(v128);

    impl F32x4 {
        fn splat(v: f32) -> Self {
            F32x4(f32x4_splat(v))
        }

        fn lanes(self) -> [f32; 4] {
            std::array::from_fn(|l| self.lane(l))
        }

        /// `f` applied lane by lane.
        fn map(self, other: Self, f: impl Fn(f32, f32) -> f32) -> Self {
            let (a, b) = (self.lanes(), other.lanes());
            Self::from_lanes(|l| f(a[l], b[l]))
        }
    }

    impl FrameLanes for F32x4 {
        const COUNT: usize = 4;
        fn from_lanes(mut f: impl FnMut(usize) -> f32) -> Self {
            F32x4(f32x4(f(0), f(1), f(2), f(3)))
        }
        fn lane(self, l: usize) -> f32 {
            match l {
                0 => f32x4_extract_lane::<0>(self.0),
                1 => f32x4_extract_lane::<1>(self.0),
                2 => f32x4_extract_lane::<2>(self.0),
                _ => f32x4_extract_lane::<3>(self.0),
            }
        }
        fn set_lane(&mut self, l: usize, v: f32) {
            self.0 = match l {
                0 => f32x4_replace_lane::<0>(self.0, v),
                1 => f32x4_replace_lane::<1>(self.0, v),
                2 => f32x4_replace_lane::<2>(self.0, v),
                _ => f32x4_replace_lane::<3>(self.0, v),
            };
        }
    }

    impl std::fmt::Debug for F32x4 {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            self.lanes().fmt(f)
        }
    }

    impl PartialEq for F32x4 {
        fn eq(&self, other: &Self) -> bool {
            u32x4_all_true(f32x4_eq(self.0, other.0))
        }
    }

    /// `impl $op for F32x4` as the SIMD128 instruction `$simd`, lane-wise.
    macro_rules! lane_wise {
        ($($op:ident, $method:ident, $simd:ident;)*) => {$(
            impl $op for F32x4 {
                type Output = Self;
                fn $method(self, o: Self) -> Self {
                    F32x4($simd(self.0, o.0))
                }
            }
        )*};
    }

    lane_wise! {
        Add, add, f32x4_add;
        Sub, sub, f32x4_sub;
        Mul, mul, f32x4_mul;
        Div, div, f32x4_div;
    }

    impl Rem for F32x4 {
        type Output = Self;
        fn rem(self, o: Self) -> Self {
            self.map(o, |a, b| a % b)
        }
    }

    impl Neg for F32x4 {
        type Output = Self;
        fn neg(self) -> Self {
            F32x4(f32x4_neg(self.0))
        }
    }

    impl Zero for F32x4 {
        fn zero() -> Self {
            Self::splat(0.0)
        }
        fn is_zero(&self) -> bool {
            *self == Self::zero()
        }
    }

    impl One for F32x4 {
        fn one() -> Self {
            Self::splat(1.0)
        }
    }

    impl Num for F32x4 {
        type FromStrRadixErr = <f32 as Num>::FromStrRadixErr;
        fn from_str_radix(s: &str, radix: u32) -> Result<Self, Self::FromStrRadixErr> {
            f32::from_str_radix(s, radix).map(Self::splat)
        }
    }

    impl Signed for F32x4 {
        fn abs(&self) -> Self {
            F32x4(f32x4_abs(self.0))
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

    /// Conversions as f32's own (`n as f32`), in every lane: rustfft builds
    /// its twiddle factors in f64 and converts them with `from_f64`.
    impl FromPrimitive for F32x4 {
        fn from_i64(n: i64) -> Option<Self> {
            Some(Self::splat(n as f32))
        }
        fn from_u64(n: u64) -> Option<Self> {
            Some(Self::splat(n as f32))
        }
        fn from_f32(n: f32) -> Option<Self> {
            Some(Self::splat(n))
        }
        fn from_f64(n: f64) -> Option<Self> {
            Some(Self::splat(n as f32))
        }
    }
}
