//! `emorec predict`: one utterance, with where the model looked.

use std::path::PathBuf;

use anyhow::{bail, Result};
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
    #[arg(long)]
    text: Option<String>,
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
    #[arg(long, default_value = "cpu")]
    backend: String,
    /// Other recordings of the same speaker (unlabelled, 10-20 s in all is
    /// plenty): a model trained with speaker normalisation standardises by
    /// their statistics; without them the recording stands for its speaker.
    #[arg(long, num_args = 1..)]
    speaker: Vec<PathBuf>,
}

pub fn run(args: PredictArgs) -> Result<()> {
    if args.audio.is_none() && args.text.is_none() {
        bail!("give --audio, --text or both");
    }
    let bundle = Bundle::load(&args.model, &device(&args.backend)?)?;
    let decoded = match &args.audio {
        Some(path) => Some(emorec::audio::decode_file(path)?),
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
        let recordings =
            args.speaker.iter().map(|p| emorec::audio::decode_file(p)).collect::<std::result::Result<Vec<_>, _>>()?;
        let refs: Vec<(&[f32], u32)> = recordings.iter().map(|a| (a.samples.as_slice(), a.sample_rate)).collect();
        Some(bundle.speaker_stats(&mut extractor, &refs)?)
    };
    let input = Input::new(decoded.as_ref().map(|a| (a.samples.as_slice(), a.sample_rate)), args.text.as_deref())
        .with_speaker(speaker.as_ref());
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
