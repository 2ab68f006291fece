//! `emorec features`: audio files in, openSMILE-style CSV out.
//!
//! One input file writes one CSV at `--out`. Several inputs, or a directory,
//! write one CSV per audio file under the `--out` directory, mirroring the
//! input's sub-folders so that equal file names in different folders (RAVDESS
//! actors, TESS speakers) do not collide. Files are processed in parallel, one
//! extractor per thread, with a progress bar; a file that fails is reported
//! and the rest go on, and the exit status says whether any failed.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{bail, Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use emorec::features::Extractor;

use emorec::audio::{find_audio_files, AUDIO_EXTENSIONS};

use super::extraction::ExtractionArgs;

#[derive(Args)]
pub struct FeaturesArgs {
    /// Audio files or directories (searched recursively for wav, flac, mp3, ogg).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    extraction: ExtractionArgs,
    /// Output CSV (one input file) or directory (several inputs or a directory).
    #[arg(long)]
    out: PathBuf,
}

/// One unit of work: where the audio is and where its CSV goes.
struct Job {
    input: PathBuf,
    output: PathBuf,
}

pub fn run(args: FeaturesArgs) -> Result<()> {
    let settings = args.extraction.apply()?;
    let single_file = args.inputs.len() == 1 && args.inputs[0].is_file();
    let jobs = if single_file {
        vec![Job { input: args.inputs[0].clone(), output: args.out.clone() }]
    } else {
        plan_jobs(&args.inputs, &args.out)?
    };
    if jobs.is_empty() {
        bail!("no audio files ({}) found in {}", AUDIO_EXTENSIONS.join(", "), show(&args.inputs));
    }
    let bar = if single_file { ProgressBar::hidden() } else { progress_bar(jobs.len() as u64) };
    let failures = AtomicUsize::new(0);
    jobs.par_iter().for_each_init(
        || Extractor::from(settings),
        |extractor, job| {
            match extract_one(extractor, settings.deltas, job) {
                Ok(warnings) => {
                    for w in warnings {
                        bar.suspend(|| eprintln!("warning: {}: {w}", job.input.display()));
                    }
                }
                Err(e) => {
                    failures.fetch_add(1, Ordering::Relaxed);
                    bar.suspend(|| eprintln!("error: {}: {e:#}", job.input.display()));
                }
            }
            bar.inc(1);
        },
    );
    bar.finish_and_clear();

    let failed = failures.into_inner();
    let done = jobs.len() - failed;
    if !single_file {
        eprintln!("wrote {done} CSV file(s) to {}", args.out.display());
    }
    if failed > 0 {
        bail!("{failed} of {} file(s) failed", jobs.len());
    }
    Ok(())
}

/// Writes one CSV; returns the decoder's warnings (a file that stops early:
/// its CSV covers the decoded part).
fn extract_one(extractor: &mut Extractor, deltas: bool, job: &Job) -> Result<Vec<String>> {
    let audio = emorec::audio::decode_file(&job.input)?;
    let samples = emorec::audio::prepare(&audio.samples, audio.sample_rate)
        .map_err(|e| e.with_path(&job.input.display().to_string()))?;
    let features = extractor.extract(&samples, deltas)?;
    if let Some(dir) = job.output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    // Write to a temporary name and rename, so an interrupted run never leaves
    // a truncated CSV that looks complete.
    let tmp = job.output.with_extension("csv.partial");
    let file = std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    features.write_csv(std::io::BufWriter::new(file)).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &job.output).with_context(|| format!("cannot write {}", job.output.display()))?;
    Ok(audio.warnings)
}

/// Expands directories and maps every input to its CSV under `out`.
fn plan_jobs(inputs: &[PathBuf], out: &Path) -> Result<Vec<Job>> {
    let mut jobs = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let files = find_audio_files(input).with_context(|| format!("cannot list {}", input.display()))?;
            for f in files {
                let rel = f.strip_prefix(input).unwrap_or(&f).with_extension("csv");
                jobs.push(Job { output: out.join(rel), input: f });
            }
        } else if input.is_file() {
            let name = input.file_stem().context("input has no file name")?;
            jobs.push(Job { output: out.join(name).with_extension("csv"), input: input.clone() });
        } else {
            bail!("{} does not exist", input.display());
        }
    }
    let mut outputs: Vec<&Path> = jobs.iter().map(|j| j.output.as_path()).collect();
    outputs.sort();
    if let Some(w) = outputs.windows(2).find(|w| w[0] == w[1]) {
        bail!("two inputs would both write {}; pass them from different folders or one at a time", w[0].display());
    }
    Ok(jobs)
}

fn progress_bar(n: u64) -> ProgressBar {
    let bar = ProgressBar::new(n);
    bar.set_style(
        ProgressStyle::with_template("{spinner} features [{bar:40}] {pos}/{len} files, {per_sec}, eta {eta}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar
}

fn show(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}
