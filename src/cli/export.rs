//! `emorec export-weights`: a model directory's weights for the host engine
//! (`weights-f16.safetensors`, what the page's CPU module reads), made from
//! its `weights.bpk`. Training writes the file itself; this is for a
//! directory that predates it, and `--check` says whether one is stale.

use std::path::PathBuf;

use anyhow::{bail, Result};
use burn::tensor::Device;
use clap::Args;

use emorec::model::host::weights::{Precision, FILE};
use emorec::model::io::write_atomic;
use emorec::pipeline::Bundle;

#[derive(Args)]
pub struct ExportArgs {
    /// Model directories (bundles written by `emorec train`).
    #[arg(required = true)]
    models: Vec<PathBuf>,
    /// Only check that each directory's file matches its weights.bpk.
    #[arg(long)]
    check: bool,
}

pub fn run(args: ExportArgs) -> Result<()> {
    for dir in &args.models {
        // Beside the weights.bpk Bundle::load reads (a training directory's best/).
        let dir = &Bundle::dir_in(dir);
        let bundle = Bundle::load(dir, &Device::flex())?;
        let bytes = bundle.model.burn()?.host_weights(Precision::F16);
        let path = dir.join(FILE);
        if args.check {
            if std::fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
                bail!(
                    "{} is missing or does not match weights.bpk: run `emorec export-weights {}`",
                    path.display(),
                    dir.display()
                );
            }
            println!("{}: matches weights.bpk", path.display());
        } else {
            write_atomic(&path, &bytes)?;
            println!("wrote {} ({} bytes)", path.display(), bytes.len());
        }
    }
    Ok(())
}
