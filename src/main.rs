//! The `emorec` command line.

mod cli;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "emorec",
    version,
    about = "Speech emotion recognition: openSMILE-compatible features, models, and a browser demo"
)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Extract frame-level acoustic descriptors to openSMILE-style CSV.
    Features(cli::features::FeaturesArgs),
    /// Measure speed (real-time factors).
    Bench(cli::bench::BenchArgs),
    /// Build manifests from corpora, combine them, fill the feature cache.
    Prepare(cli::prepare::PrepareArgs),
    /// Build or check the pruned word-vector vocabulary (GloVe) the model ships.
    Vocab(cli::vocab::VocabArgs),
    /// Train one model (first fold of a protocol) and test it.
    Train(cli::train::TrainArgs),
    /// Evaluate a trained model on labelled manifests (WA, UA, per class, confusion).
    Evaluate(cli::evaluate::EvaluateArgs),
    /// Classify one utterance (audio, transcript or both), with attention weights.
    Predict(cli::predict::PredictArgs),
    /// Cross-validate: every fold of a protocol, mean ± std over folds.
    Cv(cli::cv::CvArgs),
    /// Write (or --check) a model directory's weights for the page's CPU engine (weights-f16.safetensors).
    ExportWeights(cli::export::ExportArgs),
}

fn main() {
    let args = Args::parse();
    let result = match args.command {
        Command::Features(a) => cli::features::run(a),
        Command::Bench(a) => cli::bench::run(a),
        Command::Prepare(a) => cli::prepare::run(a),
        Command::Vocab(a) => cli::vocab::run(a),
        Command::Train(a) => cli::train::run(a),
        Command::Evaluate(a) => cli::evaluate::run(a),
        Command::Predict(a) => cli::predict::run(a),
        Command::Cv(a) => cli::cv::run(a),
        Command::ExportWeights(a) => cli::export::run(a),
    };
    if let Err(e) = result {
        let e: &(dyn std::error::Error + 'static) = e.as_ref();
        eprintln!("error: {}", emorec::error::report(e));
        std::process::exit(1);
    }
}
