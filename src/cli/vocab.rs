//! `emorec vocab`: build the pruned word-vector table the model ships, and
//! check how well a table covers some transcripts.
//!
//! Transcripts come from plain text files (one utterance a line) or CSV
//! manifests (a `transcript` column as in the shared TESS/RAVDESS manifests,
//! or MELD's `Utterance`); `--column` picks another.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use emorec::text::{BuildOptions, Coverage, Glove, QuantError, Storage, Vocabulary};

#[derive(Args)]
pub struct VocabArgs {
    #[command(subcommand)]
    command: VocabCommand,
}

#[derive(Subcommand)]
enum VocabCommand {
    /// Build a vocabulary file from GloVe and training transcripts.
    Build(BuildArgs),
    /// Report a vocabulary file's size and its coverage of transcripts.
    Check(CheckArgs),
}

/// Where transcripts come from.
#[derive(Args)]
struct TextSources {
    /// Plain text files, one utterance a line (files ending in .csv are read
    /// as manifests).
    #[arg(long, num_args = 1..)]
    texts: Vec<PathBuf>,
    /// CSV manifests with a transcript column.
    #[arg(long, num_args = 1..)]
    manifest: Vec<PathBuf>,
    /// Column holding the transcript (default: transcript, then Utterance, then text).
    #[arg(long)]
    column: Option<String>,
}

#[derive(Args)]
struct BuildArgs {
    /// GloVe vectors in GloVe's text format, optionally gzipped.
    #[arg(long)]
    glove: PathBuf,
    #[command(flatten)]
    sources: TextSources,
    /// Also keep this many of GloVe's most frequent words.
    #[arg(long, default_value_t = 20_000)]
    top: usize,
    /// Row storage: int8 (with a scale per row) or f16.
    #[arg(long, default_value = "int8")]
    storage: String,
    /// Output file (.safetensors).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
struct CheckArgs {
    /// A vocabulary file written by `emorec vocab build`.
    #[arg(long)]
    vocab: PathBuf,
    #[command(flatten)]
    sources: TextSources,
    /// GloVe file to measure the quantisation error against.
    #[arg(long)]
    glove: Option<PathBuf>,
}

pub fn run(args: VocabArgs) -> Result<()> {
    match args.command {
        VocabCommand::Build(a) => build(a),
        VocabCommand::Check(a) => check(a),
    }
}

fn build(args: BuildArgs) -> Result<()> {
    let storage = Storage::from_name(&args.storage)
        .with_context(|| format!("unknown storage {:?} (int8 or f16)", args.storage))?;
    let texts = read_sources(&args.sources)?;
    if texts.is_empty() {
        eprintln!("warning: no training transcripts given: keeping only the top {} GloVe words", args.top);
    }
    let glove = load_glove(&args.glove)?;
    let source = format!(
        "{} (top {} words + training words)",
        args.glove.file_name().map_or("glove".into(), |n| n.to_string_lossy()),
        args.top
    );
    let options = BuildOptions { top: args.top, storage, source };
    let (vocab, report) = Vocabulary::build(&glove, texts.iter().map(String::as_str), &options);
    let bytes = vocab.to_bytes();
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(&args.out, &bytes).with_context(|| format!("cannot write {}", args.out.display()))?;

    println!("wrote {}", args.out.display());
    println!(
        "vocabulary: {} entries (<unk> + top {} + {} training words beyond the top; {} distinct training words known), dim {}",
        report.size,
        args.top.min(glove.len()),
        report.beyond_top,
        report.from_texts,
        vocab.dim()
    );
    println!(
        "size on disk: {} bytes ({:.2} MiB), {} storage",
        bytes.len(),
        bytes.len() as f64 / 1048576.0,
        storage.name()
    );
    print_coverage("training", texts.len(), report.coverage);
    if !report.unknown.is_empty() {
        let shown: Vec<String> = report.unknown.iter().take(20).map(|(w, n)| format!("{w} ({n})")).collect();
        println!("unknown training tokens ({} distinct), most frequent: {}", report.unknown.len(), shown.join(", "));
    }
    print_error(&report.error);
    Ok(())
}

fn check(args: CheckArgs) -> Result<()> {
    let bytes = std::fs::read(&args.vocab).with_context(|| format!("cannot read {}", args.vocab.display()))?;
    let vocab = Vocabulary::from_bytes(&bytes).with_context(|| format!("{}", args.vocab.display()))?;
    println!(
        "{}: {} entries, dim {}, {} storage, {} bytes; source: {}",
        args.vocab.display(),
        vocab.len(),
        vocab.dim(),
        vocab.storage().name(),
        bytes.len(),
        vocab.source()
    );
    let texts = read_sources(&args.sources)?;
    if !texts.is_empty() {
        print_coverage("given", texts.len(), vocab.coverage(texts.iter().map(String::as_str)));
    }
    if let Some(path) = &args.glove {
        let glove = load_glove(path)?;
        print_error(&vocab.quantization_error(&glove));
    }
    Ok(())
}

fn print_coverage(what: &str, utterances: usize, c: Coverage) {
    println!(
        "coverage of {what} transcripts: {:.2}% of {} tokens have a vector ({} unknown) in {} utterances",
        100.0 * c.ratio(),
        c.tokens,
        c.tokens - c.known,
        utterances
    );
}

fn print_error(e: &QuantError) {
    println!(
        "quantisation error over {} rows: RMS {:.2e} ({:.3}% of the RMS value), max |error| {:.2e}, \
         cosine to f32 min {:.6}, mean 1-cos {:.2e}",
        e.rows,
        e.rms,
        100.0 * e.relative_rms,
        e.max_abs,
        e.min_cosine,
        e.mean_cosine_loss
    );
}

fn load_glove(path: &Path) -> Result<Glove> {
    let spinner = ProgressBar::new_spinner();
    spinner.set_style(ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("valid template"));
    spinner.set_message(format!("reading {}", path.display()));
    spinner.enable_steady_tick(Duration::from_millis(120));
    let t0 = Instant::now();
    let glove = Glove::open(path, None);
    spinner.finish_and_clear();
    let glove = glove?;
    eprintln!("read {} GloVe vectors of dim {} in {:.1} s", glove.len(), glove.dim(), t0.elapsed().as_secs_f64());
    Ok(glove)
}

/// Every transcript of every source, in order; empty lines are skipped.
fn read_sources(s: &TextSources) -> Result<Vec<String>> {
    let mut texts = Vec::new();
    for path in &s.texts {
        if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) {
            texts.extend(read_manifest(path, s.column.as_deref())?);
        } else {
            let raw = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            // Invalid UTF-8 is replaced (U+FFFD) rather than refused: one
            // bad byte should not cost a whole corpus.
            let text = String::from_utf8_lossy(&raw);
            texts.extend(text.lines().filter(|l| !l.trim().is_empty()).map(str::to_string));
        }
    }
    for path in &s.manifest {
        texts.extend(read_manifest(path, s.column.as_deref())?);
    }
    Ok(texts)
}

fn read_manifest(path: &Path, column: Option<&str>) -> Result<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let headers = reader.byte_headers().with_context(|| format!("{}: no header row", path.display()))?.clone();
    let names: Vec<String> =
        headers.iter().map(|h| String::from_utf8_lossy(h).trim_start_matches('\u{feff}').to_string()).collect();
    let wanted: Vec<&str> = match column {
        Some(c) => vec![c],
        None => vec!["transcript", "Utterance", "utterance", "text"],
    };
    let Some(col) = wanted.iter().find_map(|w| names.iter().position(|n| n == w)) else {
        bail!("{}: no column {} (columns: {})", path.display(), wanted.join(" or "), names.join(", "));
    };
    let mut texts = Vec::new();
    for (i, record) in reader.byte_records().enumerate() {
        let record = record.with_context(|| format!("{}: row {}", path.display(), i + 2))?;
        if let Some(field) = record.get(col) {
            let text = String::from_utf8_lossy(field);
            if !text.trim().is_empty() {
                texts.push(text.into_owned());
            }
        }
    }
    Ok(texts)
}
