//! The crate's pseudo-random generators, in one place because both data
//! splits and models draw from them. Both are written out here rather than
//! taken from a crate: a seed must give the same split and the same weights
//! forever, whatever a dependency update does.
//!
//! * [`SplitMix64`]: splits and folds (their output for a seed is part of
//!   every reported result, so it never changes);
//! * [`Rng`] (xoshiro256**): weight initialisation, dropout, shuffling,
//!   sampling and augmentation; its state fits in a checkpoint.

mod splitmix;
mod xoshiro;

pub use splitmix::SplitMix64;
pub use xoshiro::Rng;
