//! Subcommands of the `emorec` binary, one module each.

pub mod bench;
pub mod extraction;
pub mod features;
pub mod prepare;
pub mod vocab;
