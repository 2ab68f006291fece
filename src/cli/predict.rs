//! `emorec predict`: one utterance, with where the model looked.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;

use emorec::data::norm::Normalization;
use emorec::pipeline::{Bundle, Input};
use emorec::report::attention_svg;
use emorec::Emotion;

use super::experiment::device;

#[derive(Args)]
pub struct PredictArgs {
    /// Model bundle (a training directory or its best/).
    #[arg(long)]
    model: PathBuf,
    /// The recording (WAV, FLAC, MP3, Ogg Vorbis).
    #[arg(long)]
    audio: Option<PathBuf>,
    /// What was said.
    #[arg(long, conflicts_with = "text_file")]
    text: Option<String>,
    /// What was said, read from a file (UTF-8; a byte-order mark is
    /// skipped). A file that is not UTF-8 is refused, naming the offset of
    /// the first bad byte: guessing its encoding would silently change words.
    #[arg(long)]
    text_file: Option<PathBuf>,
    /// Print JSON (label, probabilities, attention, modality weights, and the
    /// timeline: `segments` and `summary`).
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// Print the timeline as CSV: one row per segment (start, end, speech,
    /// label, the four probabilities, reason).
    #[arg(long)]
    csv: bool,
    /// Also draw the attention over frames and words to this SVG.
    #[arg(long)]
    plot: Option<PathBuf>,
    /// cpu (burn's flex), ndarray, wgpu (with --features wgpu), or host:
    /// the plain-loop engine the page's CPU module runs
    /// (weights-f16.safetensors).
    #[arg(long, default_value = "cpu")]
    backend: String,
    /// Other recordings of the same speaker (unlabelled, 10-20 s in all is
    /// plenty): a model trained with speaker normalisation standardises by
    /// their statistics; without them the recording stands for its speaker.
    #[arg(long, num_args = 1..)]
    speaker: Vec<PathBuf>,
}

pub fn run(mut args: PredictArgs) -> Result<()> {
    if let Some(path) = &args.text_file {
        args.text = Some(read_transcript(path)?);
    }
    if args.audio.is_none() && args.text.is_none() {
        bail!("give --audio, --text (or --text-file) or both");
    }
    let bundle = match args.backend.as_str() {
        "host" => Bundle::load_host(&args.model)?,
        other => Bundle::load(&args.model, &device(other)?)?,
    };
    let decoded = match &args.audio {
        Some(path) => Some(decode(path)?),
        None => None,
    };
    let mut extractor = bundle.extractor()?;
    let speaker = if args.speaker.is_empty() {
        if bundle.inputs.normalize == Normalization::Speaker && args.audio.is_some() {
            eprintln!(
                "note: this model standardises by the speaker's statistics; without --speaker the recording \
                 stands for its speaker, which is far less accurate (at chance on a corpus it never heard)"
            );
        }
        None
    } else {
        if bundle.inputs.normalize != Normalization::Speaker {
            eprintln!(
                "note: this model was trained with {} normalisation; --speaker changes nothing",
                bundle.inputs.normalize.name()
            );
        }
        let recordings = args.speaker.iter().map(|p| decode(p)).collect::<Result<Vec<_>>>()?;
        let refs: Vec<(&[f32], u32)> = recordings.iter().map(|a| (a.samples.as_slice(), a.sample_rate)).collect();
        Some(bundle.calibrate(&mut extractor, &refs)?)
    };
    let speaker = speaker.as_ref().map(|c| bundle.check_calibration(c)).transpose()?;
    let input = Input::new(decoded.as_ref().map(|a| (a.samples.as_slice(), a.sample_rate)), args.text.as_deref())
        .with_calibration(speaker);
    let c = bundle.classify(&mut extractor, &input).map_err(|e| match &args.audio {
        Some(path) => anyhow::Error::new(e).context(format!("classifying {}", path.display())),
        None => e.into(),
    })?;
    let label = c.label.map_or("no speech".to_string(), |l| l.to_string());
    if let Some(path) = &args.plot {
        let svg = attention_svg(
            c.frame_attention.as_deref().unwrap_or_default(),
            c.frame_hop_s,
            &c.words,
            c.word_attention.as_deref().unwrap_or_default(),
            c.modality_weights.map(|[a, t]| (a, t)),
            &format!("{label}: {}", args.text.as_deref().unwrap_or("(no transcript)")),
        );
        std::fs::write(path, svg)?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&c)?);
        return Ok(());
    }
    if args.csv {
        print!("{}", timeline_csv(&c.segments));
        return Ok(());
    }
    for note in &c.notes {
        println!("note: {note}");
    }
    if c.segments.len() > 1 {
        println!("timeline:");
        for s in &c.segments {
            let what = match (s.label, &s.reason) {
                (Some(l), _) => format!("{l} ({:.2})", s.probabilities.map_or(0.0, |p| p[l.index()])),
                (None, Some(r)) => format!("no speech: {r}"),
                (None, None) => "no speech".into(),
            };
            println!("  {:>8.2}-{:<8.2} {what}", s.start, s.end);
        }
        if let Some(shares) = c.summary.as_ref().and_then(|s| s.shares) {
            let shown: Vec<String> =
                Emotion::ALL.iter().zip(shares).map(|(e, v)| format!("{e} {:.0}%", 100.0 * v)).collect();
            println!("share of speech time: {}", shown.join(", "));
        }
    }
    println!("label: {label}");
    if let Some(reason) = &c.reason {
        println!("  ({reason})");
    }
    if let (Some(p), Some([audio, text])) = (c.probabilities, c.modality_weights) {
        for (e, prob) in Emotion::ALL.iter().zip(p) {
            println!("  {e}: {prob:.3}");
        }
        println!("modality weights: audio {audio:.2}, text {text:.2}");
        if let Some(w) = &c.word_attention {
            let shown: Vec<String> = c.words.iter().zip(w).map(|(t, a)| format!("{t} {a:.2}")).collect();
            println!("word attention: {}", shown.join(", "));
        }
    }
    Ok(())
}

/// A transcript file as text: UTF-8 only (see `--text-file`).
fn read_transcript(path: &std::path::Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read the transcript {}", path.display()))?;
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    match std::str::from_utf8(body) {
        Ok(text) => Ok(text.to_string()),
        Err(e) => {
            let at = e.valid_up_to() + (bytes.len() - body.len());
            let what = if e.error_len().is_some() {
                "cannot start or continue a character"
            } else {
                "starts a character that the file cuts off"
            };
            bail!(
                "the transcript {} is not UTF-8: byte 0x{:02X} at offset {at} {what}; save it as UTF-8",
                path.display(),
                bytes[at]
            )
        }
    }
}

/// Decodes a recording and prints what the decoder warns about (a file that
/// stops early, damaged packets) on stderr, naming the file: the result is
/// still computed on what could be decoded. A file without samples (a header
/// only) is an error here: the library takes empty audio for "no audio", but
/// a file that was named and holds none is a mistake to report.
fn decode(path: &std::path::Path) -> Result<emorec::audio::Audio> {
    let audio = emorec::audio::decode_file(path)?;
    if audio.samples.is_empty() {
        bail!("unusable audio in {}: the file holds no samples (a header only)", path.display());
    }
    for w in &audio.warnings {
        eprintln!("warning: {}: {w}", path.display());
    }
    Ok(audio)
}

/// The segments as CSV (RFC 4180: a reason with a comma or a quote is quoted).
fn timeline_csv(segments: &[emorec::pipeline::Segment]) -> String {
    let mut out = String::from("start,end,speech,label,ang,hap,neu,sad,reason\n");
    for s in segments {
        let p = s.probabilities.map_or(vec![String::new(); 4], |p| p.iter().map(|v| format!("{v:.4}")).collect());
        let reason = s.reason.as_deref().unwrap_or("");
        let reason = if reason.contains([',', '"', '\n']) {
            format!("\"{}\"", reason.replace('"', "\"\""))
        } else {
            reason.into()
        };
        out += &format!(
            "{:.2},{:.2},{},{},{},{reason}\n",
            s.start,
            s.end,
            s.speech,
            s.label.map_or("", |l| l.code()),
            p.join(",")
        );
    }
    out
}
