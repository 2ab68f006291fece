//! `emorec export-weights`: a model directory's weights for the host engine
//! (`weights-f16.safetensors`, what the page's CPU module reads, and
//! `ngram-head-f16.safetensors` for a model with an n-gram head), made from
//! its `weights.bpk`. Training writes the file itself; this is for a
//! directory that predates it, and `--check` says whether one is stale.

use std::path::PathBuf;

use anyhow::{bail, Result};
use burn::tensor::Device;
use clap::Args;

use emorec::model::host::weights::{Precision, FILE, NGRAM_HEAD_FILE};
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
        let files = bundle.model.burn()?.host_weights(Precision::F16);
        // The n-gram head's file exists exactly when the model has that head.
        for (name, bytes) in [(FILE, Some(files.network)), (NGRAM_HEAD_FILE, files.ngram_head)] {
            let path = dir.join(name);
            if args.check {
                if std::fs::read(&path).ok() != bytes {
                    bail!(
                        "{} does not match weights.bpk (missing, stale or left over): run `emorec export-weights {}`",
                        path.display(),
                        dir.display()
                    );
                }
                if bytes.is_some() {
                    println!("{}: matches weights.bpk", path.display());
                }
            } else if let Some(bytes) = bytes {
                write_atomic(&path, &bytes)?;
                println!("wrote {} ({} bytes)", path.display(), bytes.len());
            } else if path.exists() {
                std::fs::remove_file(&path)?;
                println!("removed {} (the model has no n-gram head)", path.display());
            }
        }
    }
    Ok(())
}
