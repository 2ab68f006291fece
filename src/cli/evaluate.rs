//! `emorec evaluate`: a trained model on labelled manifests.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;

use emorec::data::cache::FeatureCache;
use emorec::data::load_manifests;
use emorec::data::norm::Normalization;
use emorec::pipeline::{compute_features, examples_for, prenormalize_features, Bundle};
use emorec::train::evaluate_with_probabilities;

use super::experiment::{device, write_predictions};

#[derive(Args)]
pub struct EvaluateArgs {
    /// Model bundle (a training directory or its best/).
    #[arg(long)]
    model: PathBuf,
    /// Labelled manifests to evaluate on.
    #[arg(long, required = true, num_args = 1..)]
    manifest: Vec<PathBuf>,
    /// Print JSON (keys wa, ua, per_class, confusion, loss, n) instead of a table.
    #[arg(long)]
    json: bool,
    #[arg(long, default_value = "cpu")]
    backend: String,
    #[arg(long)]
    cache: Option<PathBuf>,
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// global, utterance or speaker: how the descriptors are standardised
    /// before the model's statistics (speaker: by each speaker's own
    /// recordings in the manifests, unlabelled). Default: as the model was
    /// trained.
    #[arg(long)]
    normalize: Option<String>,
    /// Also write each utterance's calibrated probabilities to this CSV
    /// (id, corpus, speaker, label, predicted, then one column per class):
    /// what significance tests, error analysis or an ensemble of models
    /// need, which the summary table cannot give.
    #[arg(long)]
    predictions: Option<PathBuf>,
}

pub fn run(args: EvaluateArgs) -> Result<()> {
    let device = device(&args.backend)?;
    let bundle = Bundle::load(&args.model, &device)?;
    let utts = load_manifests(&args.manifest)?;
    let trained = bundle.inputs.normalize;
    let mode = args.normalize.as_deref().map(Normalization::from_name).transpose()?.unwrap_or(trained);
    if mode != trained {
        eprintln!(
            "warning: the model was trained with {} normalisation; evaluating with {}",
            trained.name(),
            mode.name()
        );
    }
    let features = if bundle.norm.is_some() {
        let cache = args.cache.map(FeatureCache::new).unwrap_or_else(FeatureCache::open_default);
        let mut f = compute_features(&utts, &cache, bundle.inputs.settings()?);
        prenormalize_features(&utts, &mut f, &bundle.inputs, mode)?;
        f
    } else {
        vec![None; utts.len()]
    };
    let all: Vec<usize> = (0..utts.len()).collect();
    let centre = bundle.centring();
    let (examples, kept) = examples_for(&utts, &all, &features, bundle.norm.as_ref(), bundle.vocab.as_ref(), centre)?;
    if examples.is_empty() {
        bail!("none of the {} utterances has audio or words this model uses", utts.len());
    }
    if kept.len() < utts.len() {
        eprintln!("{} utterance(s) had nothing this model uses and were left out", utts.len() - kept.len());
    }
    let temperature = bundle.inputs.temperature.unwrap_or(1.0);
    let (e, probs) = evaluate_with_probabilities(bundle.model.burn()?, &examples, args.batch_size, temperature)?;
    if let Some(path) = &args.predictions {
        write_predictions(path, kept.iter().zip(probs).map(|(&i, p)| (&utts[i], p)))?;
        eprintln!("wrote {} predictions to {}", kept.len(), path.display());
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&e.to_json())?);
    } else {
        println!("{}", e.to_markdown(&args.model.display().to_string()));
    }
    Ok(())
}
