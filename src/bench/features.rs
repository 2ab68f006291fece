//! How fast the descriptors are: the real-time factor (RTF, seconds of audio
//! per second of wall time) of ComParE_2016 low-level descriptor extraction,
//! with and without deltas, on one thread and on all threads.
//!
//! Audio is decoded once, before any timing; each configuration runs one
//! untimed warm-up pass over all files, then `passes` timed passes, and the
//! median pass is reported. One thread reuses one extractor; all threads
//! process files in parallel with one extractor per rayon job (a few per
//! thread at most). Nothing here asserts a speed: the numbers are for reading
//! (openSMILE 2.6 runs these LLDs at about 88x real time per core on the
//! 2-core CI machine).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use crate::audio::{self, TARGET_RATE};
use crate::audio::{AudioError, AudioResult};
use crate::features::{Extractor, FeatureSet};

/// `../shared/reference/opensmile` beside the repository.
pub fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("shared").join("reference").join("opensmile")
}

/// The real recordings of `dir`'s `index.csv` (rows whose source is not
/// `generated`), as `<name>.wav` paths: the 32 reference files by default.
pub fn reference_recordings(dir: &Path) -> AudioResult<Vec<PathBuf>> {
    let index = dir.join("index.csv");
    let text = std::fs::read_to_string(&index).map_err(|source| AudioError::Io {
        path: format!("{} (the shared data, ../shared beside the repository)", index.display()),
        source,
    })?;
    Ok(text
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut fields = line.split(',');
            let name = fields.next()?.trim();
            let generated = fields.next() == Some("generated");
            (!name.is_empty() && !generated).then(|| dir.join(format!("{name}.wav")))
        })
        .collect())
}

/// Files as given; each directory replaced by its audio files (recursively),
/// sorted by path.
pub fn collect_inputs(paths: &[PathBuf]) -> AudioResult<Vec<PathBuf>> {
    let mut files = Vec::new();
    for p in paths {
        if !p.is_dir() {
            files.push(p.clone());
            continue;
        }
        let found = crate::audio::find_audio_files(p)
            .map_err(|source| AudioError::Io { path: p.display().to_string(), source })?;
        files.extend(found);
    }
    Ok(files)
}

#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Timed passes over all files per configuration; the median is reported.
    pub passes: usize,
    /// Threads for the parallel rows; `None`: every core
    /// (`std::thread::available_parallelism`).
    pub threads: Option<usize>,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions { passes: 3, threads: None }
    }
}

/// One configuration's median pass.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchRow {
    pub deltas: bool,
    pub threads: usize,
    pub wall_s: f64,
    /// Audio seconds per wall second.
    pub rtf: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BenchReport {
    pub files: usize,
    pub audio_s: f64,
    pub passes: usize,
    pub rows: Vec<BenchRow>,
}

/// Loads `files` once, then times ComParE_2016 LLD extraction, without and
/// with deltas, on one thread and on `options.threads`.
pub fn bench_features(files: &[PathBuf], options: &BenchOptions) -> AudioResult<BenchReport> {
    if files.is_empty() {
        return Err(AudioError::InvalidArgument("no audio files to benchmark".into()));
    }
    let passes = options.passes.max(1);
    let audio = files.iter().map(|f| audio::load_16k(f)).collect::<AudioResult<Vec<_>>>()?;
    let audio_s = audio.iter().map(|x| x.len()).sum::<usize>() as f64 / TARGET_RATE as f64;

    let threads = match options.threads {
        Some(n) => n.max(1),
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| AudioError::InvalidArgument(format!("cannot start {threads} threads: {e}")))?;

    let mut single = Extractor::new(FeatureSet::Compare2016);
    let mut rows = Vec::new();
    let configurations: &[usize] = if threads > 1 { &[1, threads] } else { &[1] };
    for &n_threads in configurations {
        for deltas in [false, true] {
            let mut pass = || -> AudioResult<usize> {
                if n_threads == 1 {
                    audio.iter().map(|x| frames(&mut single, x, deltas)).sum()
                } else {
                    pool.install(|| {
                        audio
                            .par_iter()
                            .map_init(|| Extractor::new(FeatureSet::Compare2016), |fx, x| frames(fx, x, deltas))
                            .sum()
                    })
                }
            };
            std::hint::black_box(pass()?); // warm-up
            let mut walls = Vec::with_capacity(passes);
            for _ in 0..passes {
                let start = Instant::now();
                std::hint::black_box(pass()?);
                walls.push(start.elapsed().as_secs_f64());
            }
            walls.sort_by(f64::total_cmp);
            let wall_s = walls[walls.len() / 2];
            rows.push(BenchRow { deltas, threads: n_threads, wall_s, rtf: audio_s / wall_s });
        }
    }
    Ok(BenchReport { files: files.len(), audio_s, passes, rows })
}

/// Extracts one file and returns its frame count (so the work is observable).
fn frames(fx: &mut Extractor, x: &[f32], deltas: bool) -> AudioResult<usize> {
    Ok(std::hint::black_box(fx.extract(x, deltas)?).n_frames())
}

/// A markdown table: one row per configuration.
impl fmt::Display for BenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "ComParE_2016 LLD extraction, native: {} files, {:.1} s of audio, median of {} timed passes after 1 warm-up\n",
            self.files, self.audio_s, self.passes
        )?;
        writeln!(f, "| deltas | threads | audio s | wall s | RTF | RTF per thread |")?;
        writeln!(f, "|---|---|---|---|---|---|")?;
        for r in &self.rows {
            writeln!(
                f,
                "| {} | {} | {:.1} | {:.3} | {:.0}x | {:.0}x |",
                if r.deltas { "yes" } else { "no" },
                r.threads,
                self.audio_s,
                r.wall_s,
                r.rtf,
                r.rtf / r.threads as f64
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The report's shape only: speed is never asserted.
    #[test]
    fn reports_every_configuration_for_real_audio() {
        let files = reference_recordings(&reference_dir()).expect("../shared beside the repository");
        assert_eq!(files.len(), 32, "the 32 real reference recordings");
        let report = bench_features(&files[..2], &BenchOptions { passes: 1, threads: Some(2) }).unwrap();
        let samples: usize = files[..2].iter().map(|f| audio::load_16k(f).unwrap().len()).sum();
        assert_eq!(report.audio_s, samples as f64 / TARGET_RATE as f64);
        let configurations: Vec<_> = report.rows.iter().map(|r| (r.deltas, r.threads)).collect();
        assert_eq!(configurations, [(false, 1), (true, 1), (false, 2), (true, 2)]);
        assert!(report.rows.iter().all(|r| r.wall_s > 0.0 && r.rtf.is_finite()));
        assert_eq!(report.to_string().lines().filter(|l| l.starts_with("| ")).count(), 1 + 4);
    }

    #[test]
    fn no_files_is_an_error() {
        assert!(bench_features(&[], &BenchOptions::default()).is_err());
    }
}
