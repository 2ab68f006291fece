//! `emorec prepare`: corpora in, manifests and cached features out.
//!
//! * `prepare iemocap ROOT --out manifest.csv`: builds the 4-class IEMOCAP
//!   manifest from a user's release and says what it left out and why.
//! * `prepare manifest M...`: reads manifests of any supported format (the
//!   text corpora's own files too), prints counts per label and group, what
//!   was skipped or left out and why, and optionally writes them combined.
//! * `prepare cache M...`: extracts (or finds) every recording's features in
//!   the feature cache, and reports its size and the time taken.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};

use emorec::data::cache::FeatureCache;
use emorec::data::iemocap::{read_iemocap, IemocapOptions};
use emorec::data::manifest::{combine, save_manifest, Manifest};
use emorec::data::{LabelCounts, Utterance};

use super::extraction::ExtractionArgs;

#[derive(Args)]
pub struct PrepareArgs {
    #[command(subcommand)]
    what: What,
}

#[derive(Subcommand)]
enum What {
    /// Build a manifest from an IEMOCAP release (the IEMOCAP_full_release folder).
    Iemocap {
        root: PathBuf,
        /// Manifest CSV to write (audio paths relative to its folder).
        #[arg(long)]
        out: PathBuf,
        /// Keep utterances whose transcript is only markup such as [LAUGHTER].
        #[arg(long)]
        keep_wordless: bool,
        /// List every line that could not be parsed (default: the first 10).
        #[arg(long)]
        verbose: bool,
    },
    /// Read manifests (emorec, TESS/RAVDESS/EMOVO, MELD, EmoryNLP, GoEmotions
    /// *.tsv, DailyDialog dialogues_*.txt), print counts, optionally combine them.
    Manifest {
        #[arg(required = true)]
        manifests: Vec<PathBuf>,
        /// Write the combined manifest here.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Fill the feature cache for every recording of the manifests (or of
    /// folders, searched recursively for wav/flac/mp3/ogg, labelled or not).
    Cache {
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        #[command(flatten)]
        extraction: ExtractionArgs,
        /// Cache folder (default: $EMOREC_CACHE or .cache/emorec).
        #[arg(long)]
        cache: Option<PathBuf>,
    },
}

pub fn run(args: PrepareArgs) -> Result<()> {
    match args.what {
        What::Iemocap { root, out, keep_wordless, verbose } => iemocap(root, out, keep_wordless, verbose),
        What::Manifest { manifests, out } => manifest(&manifests, out),
        What::Cache { inputs, extraction, cache } => cache_fill(&inputs, &extraction, cache),
    }
}

fn iemocap(root: PathBuf, out: PathBuf, keep_wordless: bool, verbose: bool) -> Result<()> {
    let r = read_iemocap(&root, IemocapOptions { keep_wordless })?;
    for (session, counts) in &r.per_session {
        println!("{session}: {counts}");
    }
    println!("all: {}", r.counts());
    if !r.dropped_labels.is_empty() {
        let parts: Vec<String> = r.dropped_labels.iter().map(|(l, n)| format!("{l} {n}")).collect();
        println!("left out (not ang/hap/exc/neu/sad): {}", parts.join(", "));
    }
    if r.dropped_wordless > 0 {
        println!("left out (transcript has no words): {}", r.dropped_wordless);
    }
    if !r.bad_lines.is_empty() {
        eprintln!("warning: {} line(s) could not be parsed:", r.bad_lines.len());
        let shown = if verbose { r.bad_lines.len() } else { 10 };
        for l in r.bad_lines.iter().take(shown) {
            eprintln!("  {l}");
        }
        if r.bad_lines.len() > shown {
            eprintln!("  ... {} more (--verbose lists all)", r.bad_lines.len() - shown);
        }
    }
    if r.missing_wav > 0 {
        eprintln!("warning: {} utterance(s) have no wav (kept, text only)", r.missing_wav);
    }
    if r.missing_transcript > 0 {
        eprintln!("warning: {} utterance(s) have no transcript (kept, audio only)", r.missing_transcript);
    }
    if r.duplicates > 0 {
        eprintln!("warning: {} utterance id(s) labelled twice (first kept)", r.duplicates);
    }
    if r.ignored_transcript_lines > 0 {
        println!(
            "ignored {} transcript line(s) that are not utterances (M:/F: lines, XX ids)",
            r.ignored_transcript_lines
        );
    }
    if r.utterances.is_empty() {
        bail!("no 4-class utterances found under {}", root.display());
    }
    save_manifest(&out, &r.utterances).with_context(|| format!("cannot write {}", out.display()))?;
    println!("wrote {} utterances to {}", r.utterances.len(), out.display());
    Ok(())
}

fn read_all(paths: &[PathBuf]) -> Result<Vec<Utterance>> {
    let mut manifests = Vec::new();
    for p in paths {
        let m = Manifest::load(p)?;
        let mut line = format!("{} ({} format, corpus {}): {}", p.display(), m.format.name(), m.corpus, m.counts());
        if m.skipped_total() > 0 {
            let parts: Vec<String> = m.skipped.iter().map(|(l, n)| format!("{l} {n}")).collect();
            line += &format!("; skipped {} ({})", m.skipped_total(), parts.join(", "));
        }
        if m.left_out_total() > 0 {
            let parts: Vec<String> = m.left_out.iter().map(|(r, n)| format!("{r}: {n}")).collect();
            line += &format!("; left out {} ({})", m.left_out_total(), parts.join(", "));
        }
        println!("{line}");
        for note in &m.notes {
            println!("  note: {note}");
        }
        manifests.push(m);
    }
    Ok(combine(manifests)?)
}

fn manifest(paths: &[PathBuf], out: Option<PathBuf>) -> Result<()> {
    let utts = read_all(paths)?;
    let mut groups: BTreeMap<&str, Vec<&Utterance>> = BTreeMap::new();
    for u in &utts {
        groups.entry(&u.group).or_default().push(u);
    }
    for (g, us) in &groups {
        println!("  group {g}: {}", LabelCounts::of(us.iter().copied()));
    }
    let mut corpora: BTreeMap<&str, Vec<&Utterance>> = BTreeMap::new();
    for u in &utts {
        corpora.entry(u.corpus.as_deref().unwrap_or("(unknown)")).or_default().push(u);
    }
    if corpora.len() > 1 {
        for (c, us) in &corpora {
            println!("  corpus {c}: {}", LabelCounts::of(us.iter().copied()));
        }
    }
    println!("all: {}", LabelCounts::of(&utts));
    if let Some(out) = out {
        save_manifest(&out, &utts).with_context(|| format!("cannot write {}", out.display()))?;
        println!("wrote {} utterances to {}", utts.len(), out.display());
    }
    Ok(())
}

fn cache_fill(inputs: &[PathBuf], extraction: &ExtractionArgs, dir: Option<PathBuf>) -> Result<()> {
    let settings = extraction.apply()?;
    let (folders, manifests): (Vec<PathBuf>, Vec<PathBuf>) = inputs.iter().cloned().partition(|p| p.is_dir());
    let mut audio: Vec<PathBuf> = Vec::new();
    if !manifests.is_empty() {
        audio.extend(read_all(&manifests)?.into_iter().filter_map(|u| u.audio));
    }
    for folder in &folders {
        let before = audio.len();
        audio.extend(
            emorec::audio::find_audio_files(folder).with_context(|| format!("cannot list {}", folder.display()))?,
        );
        audio[before..].sort();
        println!("{}: {} audio file(s)", folder.display(), audio.len() - before);
    }
    if audio.is_empty() {
        bail!("no audio in the inputs");
    }
    let cache = dir.map(FeatureCache::new).unwrap_or_else(FeatureCache::open_default);
    let t = Instant::now();
    let report = cache.fill(&audio, settings, true);
    let secs = t.elapsed().as_secs_f64();
    for (p, e) in &report.failed {
        eprintln!("error: {}: {e}", p.display());
    }
    let (files, bytes) = cache.size_on_disk();
    println!(
        "{} recording(s) in {secs:.1} s: {} from the cache, {} extracted, {} failed",
        audio.len(),
        report.hits,
        report.computed,
        report.failed.len()
    );
    println!("cache {}: {files} entries, {:.1} MiB", cache.dir().display(), bytes as f64 / (1024.0 * 1024.0));
    if !report.failed.is_empty() {
        bail!("{} of {} recording(s) failed", report.failed.len(), audio.len());
    }
    Ok(())
}
