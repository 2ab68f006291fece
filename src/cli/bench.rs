//! `emorec bench features`: the real-time factor of feature extraction,
//! natively on one thread and on all. (The browser's number comes from
//! `scripts/bench-wasm.sh`.)

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};

use emorec::bench::{bench_features, collect_inputs, reference_dir, reference_recordings, BenchOptions};

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
    }
}
