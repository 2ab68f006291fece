//! `emorec predict`: one utterance, with where the model looked.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;

use emorec::features::{compare::Compare2016, extract_deltas};
use emorec::pipeline::Bundle;
use emorec::report::attention_svg;

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
    /// Print JSON (label, probabilities, attention, modality weights).
    #[arg(long)]
    json: bool,
    /// Also draw the attention over frames and words to this SVG.
    #[arg(long)]
    plot: Option<PathBuf>,
    #[arg(long, default_value = "cpu")]
    backend: String,
}

pub fn run(args: PredictArgs) -> Result<()> {
    if args.audio.is_none() && args.text.is_none() {
        bail!("give --audio, --text or both");
    }
    let bundle = Bundle::load(&args.model, &device(&args.backend)?)?;
    let features = match &args.audio {
        Some(path) => {
            let x = emorec::audio::load_16k(path)?;
            let m = Compare2016::new().extract(&x)?;
            let set = bundle.inputs.set()?;
            Some(if bundle.inputs.deltas { extract_deltas(set, &m) } else { m })
        }
        None => None,
    };
    let (example, tokens) = bundle.example(features.as_ref(), args.text.as_deref())?;
    if !example.has_audio() && !example.has_text() {
        bail!("this model has nothing to go on: it needs {}", needs(&bundle));
    }
    let p = bundle.model.predict(&example)?;
    if let Some(path) = &args.plot {
        let frames = p.frame_attention.clone().unwrap_or_default();
        let words = p.word_attention.clone().unwrap_or_default();
        let svg = attention_svg(
            &frames,
            0.01,
            &tokens,
            &words,
            Some((p.modality_weights[0], p.modality_weights[1])),
            &format!("{}: {}", p.label, args.text.as_deref().unwrap_or("(no transcript)")),
        );
        std::fs::write(path, svg)?;
    }
    if args.json {
        let mut v = serde_json::to_value(&p)?;
        v["words"] = serde_json::json!(tokens);
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!("label: {}", p.label);
        for (e, prob) in emorec::data::Emotion::ALL.iter().zip(p.probabilities) {
            println!("  {e}: {prob:.3}");
        }
        println!("modality weights: audio {:.2}, text {:.2}", p.modality_weights[0], p.modality_weights[1]);
        if let Some(w) = &p.word_attention {
            let shown: Vec<String> = tokens.iter().zip(w).map(|(t, a)| format!("{t} {a:.2}")).collect();
            println!("word attention: {}", shown.join(", "));
        }
    }
    Ok(())
}

fn needs(bundle: &Bundle) -> &'static str {
    match (bundle.norm.is_some(), bundle.vocab.is_some()) {
        (true, true) => "audio or a transcript with words",
        (true, false) => "audio",
        _ => "a transcript with words",
    }
}
