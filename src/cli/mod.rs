//! Subcommands of the `emorec` binary, one module each.

pub mod bench;
pub mod cv;
pub mod evaluate;
pub mod experiment;
pub mod export;
pub mod extraction;
pub mod features;
pub mod predict;
pub mod prepare;
pub mod train;
pub mod vocab;
