//! `emorec bench features`: the real-time factor of feature extraction,
//! natively on one thread and on all; `emorec bench model`: inference and
//! training speed on the CPU backends, fused against composite recurrence.
//! (The browser's numbers come from `scripts/bench-wasm.sh`.)

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};

use burn::tensor::Device;
use emorec::bench::{bench_features, bench_model, collect_inputs, reference_dir, reference_recordings, BenchOptions};
use emorec::pipeline::Bundle;

#[derive(Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    what: BenchWhat,
}

#[derive(Subcommand)]
enum BenchWhat {
    /// ComParE_2016 descriptors, with and without deltas, 1 thread and all threads.
    Features {
        /// Audio files or directories (default: the 32 real recordings in ../shared/reference/opensmile).
        inputs: Vec<PathBuf>,
        /// Timed passes per setting (the median is reported).
        #[arg(long, default_value_t = 3)]
        passes: usize,
        /// Threads for the "all threads" rows (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// The model on flex and ndarray: inference on one 5 s utterance with the shipped model, and a
    /// training step at the reference size, each with the fused and the composite recurrence.
    Model {
        /// The model directory to time (default: the shipped model, www/model).
        #[arg(long)]
        model: Option<PathBuf>,
        /// Timed runs per inference setting (the median is reported; training takes up to 5).
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
}

pub fn run(args: BenchArgs) -> Result<()> {
    match args.what {
        BenchWhat::Features { inputs, passes, threads } => {
            let files =
                if inputs.is_empty() { reference_recordings(&reference_dir())? } else { collect_inputs(&inputs)? };
            eprintln!("benchmarking {} file(s), {passes} timed pass(es) per setting...", files.len());
            let report = bench_features(&files, &BenchOptions { passes, threads })?;
            println!("{report}");
            Ok(())
        }
        BenchWhat::Model { model, runs } => {
            let dir = model.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("www").join("model"));
            let bundle = Bundle::load(&dir, &Device::flex())?;
            let report = bench_model(bundle.model.burn()?, runs, &mut |what| eprintln!("timing {what}..."));
            println!("{report}");
            Ok(())
        }
    }
}
