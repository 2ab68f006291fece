//! Subcommands of the `emorec` binary, one module each.

pub mod features;
pub mod vocab;
