//! `emorec cv`: every fold of a protocol, and a markdown table with the mean
//! and standard deviation over folds.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;

// Atomic as `run_fold`'s own test.json: a run killed here leaves no half-written file.
use emorec::model::io::write_atomic;
use emorec::train::Evaluation;

use super::experiment::{accuracy_cells, corpus_table, CorpusPredictions, Experiment, ExperimentArgs, FoldOutcome};

#[derive(Args)]
pub struct CvArgs {
    #[command(flatten)]
    experiment: ExperimentArgs,
    /// Output directory: one sub-directory per fold, and results.md.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: CvArgs) -> Result<()> {
    let exp = Experiment::load(&args.experiment)?;
    let members = exp.config.members;
    // Member m draws validation speakers, voices and weights from seed + m;
    // the first member's folds are the experiment's own.
    let mut member_folds = vec![exp.folds.clone()];
    for m in 1..members {
        member_folds.push(exp.folds_with_seed(exp.config.seed.wrapping_add(m as u64))?);
    }
    let mut results: Vec<(String, Evaluation, f64)> = Vec::new();
    let mut pooled: BTreeMap<String, CorpusPredictions> = BTreeMap::new();
    let mut pooled_perturbed: BTreeMap<String, CorpusPredictions> = BTreeMap::new();
    for (k, fold) in exp.folds.iter().enumerate() {
        eprintln!("== fold {}/{}: {}", k + 1, exp.folds.len(), fold.name);
        let dir = args.out.join(sanitize(&fold.name));
        let (test, by_corpus, perturbed, seconds) = if members == 1 {
            let FoldOutcome { report, test, by_corpus, perturbed } = exp.run_fold(fold, &dir)?;
            (test, by_corpus, perturbed, seconds_per_epoch(&report))
        } else {
            let mut outcomes = Vec::with_capacity(members);
            for (m, folds) in member_folds.iter().enumerate() {
                let seed = exp.config.seed.wrapping_add(m as u64);
                eprintln!("member {}/{members} (seed {seed})", m + 1);
                let member_dir = dir.join(format!("member-{}", m + 1));
                outcomes.push(exp.run_fold_seeded(&folds[k], seed, &member_dir)?);
            }
            let seconds = outcomes.iter().map(|o| seconds_per_epoch(&o.report)).sum::<f64>() / members as f64;
            let (clean, perturbed): (Vec<_>, Vec<_>) = outcomes.into_iter().map(|o| (o.by_corpus, o.perturbed)).unzip();
            let by_corpus = mean_predictions(clean)?;
            let perturbed = mean_predictions(perturbed)?;
            let (probs, labels): (Vec<_>, Vec<_>) =
                by_corpus.values().flat_map(|p| p.probs.iter().copied().zip(p.labels.iter().copied())).unzip();
            let test = (!probs.is_empty()).then(|| Evaluation::from_probabilities(&probs, &labels));
            if let Some(t) = &test {
                write_atomic(&dir.join("test.json"), serde_json::to_string_pretty(&t.to_json())?.as_bytes())?;
            }
            (test, by_corpus, perturbed, seconds)
        };
        if let Some(t) = test {
            results.push((fold.name.clone(), t, seconds));
        }
        CorpusPredictions::pool(&mut pooled, by_corpus);
        CorpusPredictions::pool(&mut pooled_perturbed, perturbed);
    }
    let mut md = table(&args, &results);
    md.push_str(&corpus_table(&pooled));
    if !pooled_perturbed.is_empty() {
        let _ = write!(
            md,
            "\nThe same through perturbed channels (`[perturbed_test]`: {} cop{} of each test recording):\n{}",
            exp.config.perturbed_test.copies,
            if exp.config.perturbed_test.copies == 1 { "y" } else { "ies" },
            corpus_table(&pooled_perturbed)
        );
    }
    std::fs::create_dir_all(&args.out)?;
    std::fs::write(args.out.join("results.md"), &md)?;
    println!("{md}");
    Ok(())
}

fn seconds_per_epoch(report: &emorec::train::TrainReport) -> f64 {
    report.history.iter().map(|e| e.seconds).sum::<f64>() / report.history.len().max(1) as f64
}

/// Each test utterance's calibrated probabilities averaged over a seed
/// ensemble's members (who test the same utterances in the same order).
fn mean_predictions(members: Vec<BTreeMap<String, CorpusPredictions>>) -> Result<BTreeMap<String, CorpusPredictions>> {
    let n = members.len() as f32;
    let mut members = members.into_iter();
    let mut mean = members.next().unwrap_or_default();
    for other in members {
        for (corpus, p) in &mut mean {
            match other.get(corpus) {
                Some(q) if q.labels == p.labels => {
                    for (a, b) in p.probs.iter_mut().zip(&q.probs) {
                        for (x, y) in a.iter_mut().zip(b) {
                            *x += y;
                        }
                    }
                }
                _ => bail!("the members of a seed ensemble tested different {corpus} utterances"),
            }
        }
    }
    for p in mean.values_mut() {
        for a in &mut p.probs {
            *a = a.map(|x| x / n);
        }
    }
    Ok(mean)
}

fn sanitize(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len().max(1) as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n;
    (m, var.sqrt())
}

/// The validation options where they are not the defaults.
fn validation_policy(e: &super::experiment::ExperimentArgs) -> String {
    let default = emorec::data::split::ValidationPolicy::default().fraction;
    let mut parts = Vec::new();
    if e.validation_fraction != default {
        parts.push(format!("validation fraction {}", e.validation_fraction));
    }
    if e.validation_spread {
        parts.push("validation speakers spread over the corpora".to_string());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

fn table(args: &CvArgs, results: &[(String, Evaluation, f64)]) -> String {
    let e = &args.experiment;
    let mut md = String::new();
    let _ = writeln!(
        md,
        "Config `{}`, protocol `{}`{}{}, manifests {}\n",
        e.config.display(),
        e.protocol,
        e.speaker_folds.map(|k| format!(" ({k} speaker folds)")).unwrap_or_default(),
        validation_policy(e),
        e.manifest.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", ")
    );
    md.push_str("| fold | n | loss | WA | UA | ang | hap | neu | sad | ECE | s/epoch |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (name, t, s) in results {
        let _ = writeln!(md, "| {name} | {} | {:.4} | {} | {:.3} | {s:.1} |", t.n, t.loss, accuracy_cells(t), t.ece);
    }
    let col = |f: &dyn Fn(&Evaluation) -> f64| mean_std(&results.iter().map(|(_, t, _)| f(t)).collect::<Vec<_>>());
    let ms = |(m, s): (f64, f64)| format!("{:.1} ± {:.1}%", m * 100.0, s * 100.0);
    let (loss, _) = col(&|t| t.loss);
    let secs = mean_std(&results.iter().map(|r| r.2).collect::<Vec<_>>()).0;
    let _ = writeln!(
        md,
        "| **mean ± std** | {} | {loss:.4} | {} | {} | {} | {} | {} | {} | {:.3} ± {:.3} | {secs:.1} |",
        results.iter().map(|r| r.1.n).sum::<usize>(),
        ms(col(&|t| t.wa)),
        ms(col(&|t| t.ua)),
        ms(col(&|t| t.per_class[0])),
        ms(col(&|t| t.per_class[1])),
        ms(col(&|t| t.per_class[2])),
        ms(col(&|t| t.per_class[3])),
        col(&|t| t.ece).0,
        col(&|t| t.ece).1
    );
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use emorec::Emotion;

    fn member(probs: Vec<[f32; 4]>, labels: Vec<Emotion>) -> BTreeMap<String, CorpusPredictions> {
        BTreeMap::from([("ravdess".to_string(), CorpusPredictions { probs, labels })])
    }

    #[test]
    fn a_seed_ensemble_averages_each_utterance() {
        let labels = vec![Emotion::Angry, Emotion::Sad];
        let a = member(vec![[1.0, 0.0, 0.0, 0.0], [0.1, 0.2, 0.3, 0.4]], labels.clone());
        let b = member(vec![[0.0, 1.0, 0.0, 0.0], [0.3, 0.2, 0.1, 0.4]], labels.clone());
        let mean = mean_predictions(vec![a, b]).unwrap();
        let p = &mean["ravdess"];
        assert_eq!(p.labels, labels);
        let want = [[0.5, 0.5, 0.0, 0.0], [0.2, 0.2, 0.2, 0.4]];
        for (got, want) in p.probs.iter().zip(want) {
            assert!(got.iter().zip(want).all(|(g, w)| (g - w).abs() < 1e-6), "{got:?} {want:?}");
        }
        assert_eq!(p.probs.len(), 2);
        // Members that tested other utterances are refused.
        let c = member(vec![[1.0, 0.0, 0.0, 0.0]], vec![Emotion::Angry]);
        let d = member(vec![[1.0, 0.0, 0.0, 0.0]], vec![Emotion::Happy]);
        assert!(mean_predictions(vec![c, d]).is_err());
    }
}
