//! `emorec cv`: every fold of a protocol, and a markdown table with the mean
//! and standard deviation over folds.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

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
    let mut results: Vec<(String, Evaluation, f64)> = Vec::new();
    let mut pooled: BTreeMap<String, CorpusPredictions> = BTreeMap::new();
    for (k, fold) in exp.folds.iter().enumerate() {
        eprintln!("== fold {}/{}: {}", k + 1, exp.folds.len(), fold.name);
        let dir = args.out.join(sanitize(&fold.name));
        let FoldOutcome { report, test, by_corpus } = exp.run_fold(fold, &dir)?;
        let seconds: f64 = report.history.iter().map(|e| e.seconds).sum::<f64>() / report.history.len().max(1) as f64;
        if let Some(t) = test {
            results.push((fold.name.clone(), t, seconds));
        }
        for (corpus, p) in by_corpus {
            let all = pooled.entry(corpus).or_default();
            all.probs.extend(p.probs);
            all.labels.extend(p.labels);
        }
    }
    let mut md = table(&args, &results);
    md.push_str(&corpus_table(&pooled));
    std::fs::create_dir_all(&args.out)?;
    std::fs::write(args.out.join("results.md"), &md)?;
    println!("{md}");
    Ok(())
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

fn table(args: &CvArgs, results: &[(String, Evaluation, f64)]) -> String {
    let e = &args.experiment;
    let mut md = String::new();
    let _ = writeln!(
        md,
        "Config `{}`, protocol `{}`{}, manifests {}\n",
        e.config.display(),
        e.protocol,
        e.speaker_folds.map(|k| format!(" ({k} speaker folds)")).unwrap_or_default(),
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
