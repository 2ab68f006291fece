//! `emorec train`: one model on one split (the first fold of the protocol).

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;

use super::experiment::{Experiment, ExperimentArgs};

#[derive(Args)]
pub struct TrainArgs {
    #[command(flatten)]
    experiment: ExperimentArgs,
    /// Which fold of the protocol to train (by position; default the first).
    #[arg(long, default_value_t = 0)]
    fold: usize,
    /// Output directory: checkpoint, logs, figures and the model bundle in best/.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: TrainArgs) -> Result<()> {
    let exp = Experiment::load(&args.experiment)?;
    if exp.config.members > 1 {
        bail!(
            "members = {}: a seed ensemble is scored by `emorec cv`; `train` writes one bundle, which holds one network (set members = 1)",
            exp.config.members
        );
    }
    let Some(fold) = exp.folds.get(args.fold) else {
        bail!("fold {} does not exist: the protocol has {} fold(s)", args.fold, exp.folds.len());
    };
    let super::experiment::FoldOutcome { report, test, by_corpus, perturbed } = exp.run_fold(fold, &args.out)?;
    eprintln!(
        "trained {} epoch(s){}; best epoch {}; model in {}",
        report.epochs,
        if report.stopped_early { " (stopped early)" } else { "" },
        report.best_epoch,
        report.model_dir.display()
    );
    if let Some(t) = test {
        println!("{}", t.to_markdown(&format!("test ({})", fold.name)));
        if by_corpus.len() > 1 {
            println!("{}", super::experiment::corpus_table(&by_corpus));
        }
        if !perturbed.is_empty() {
            println!(
                "through perturbed channels (`[perturbed_test]`):\n{}",
                super::experiment::corpus_table(&perturbed)
            );
        }
    }
    Ok(())
}
