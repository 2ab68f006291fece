//! Parity with openSMILE: Pearson's r between our ComParE_2016 descriptors and
//! openSMILE 2.6's own output over all frames of the 32 real reference files,
//! aligned by time. Prints the table (r and mean absolute error per column).
//!
//! Bars (issue 2): r >= 0.95 for each of the 59 energy, spectral and MFCC
//! descriptors, r >= 0.85 for each of the 6 voicing descriptors.

mod common;

use common::*;
use emorec::features::{compare, extract, FeatureSet};

const VOICING_COLUMNS: usize = 6;

struct Pooled {
    ours: Vec<Vec<f64>>,
    theirs: Vec<Vec<f64>>,
}

fn pool(suffix: &str, deltas: bool) -> (Vec<String>, Pooled) {
    let files: Vec<_> = reference_files().into_iter().filter(|f| !f.generated).collect();
    assert_eq!(files.len(), 32, "expected 32 real reference files");
    let mut names = Vec::new();
    let mut pooled = Pooled { ours: Vec::new(), theirs: Vec::new() };
    for f in &files {
        let x = emorec::audio::load_16k(&reference_dir().join(format!("{}.wav", f.name))).unwrap();
        let ours = extract(FeatureSet::Compare2016, &x, deltas).unwrap();
        let reference = if deltas {
            read_delta_reference(&f.name, suffix, "compare2016_lld")
        } else {
            read_reference(&f.name, suffix)
        };
        let offset = if deltas { compare::col::COUNT } else { 0 };
        let n_cols = compare::col::COUNT;
        assert_eq!(&ours.names[offset..offset + n_cols], &reference.names[..], "column names differ");
        if names.is_empty() {
            names = reference.names.clone();
            pooled.ours = vec![Vec::new(); n_cols];
            pooled.theirs = vec![Vec::new(); n_cols];
        }
        let n = ours.n_frames().min(reference.rows.len());
        assert!(
            ours.n_frames().abs_diff(reference.rows.len()) <= 1,
            "{}: {} frames here, {} in openSMILE",
            f.name,
            ours.n_frames(),
            reference.rows.len()
        );
        for t in 0..n {
            let row = ours.row(t);
            for j in 0..n_cols {
                pooled.ours[j].push(row[offset + j] as f64);
                pooled.theirs[j].push(reference.rows[t][j]);
            }
        }
    }
    (names, pooled)
}

/// Returns the markdown table and the columns under their bar.
fn table(names: &[String], p: &Pooled, voicing_bar: f64, other_bar: f64) -> (String, Vec<String>) {
    let mut md = String::from("| # | descriptor | r | MAE | openSMILE mean abs | bar |\n|---|---|---|---|---|---|\n");
    let mut failures = Vec::new();
    for (j, name) in names.iter().enumerate() {
        let bar = if j < VOICING_COLUMNS { voicing_bar } else { other_bar };
        let r = pearson(&p.ours[j], &p.theirs[j]);
        let n = p.ours[j].len() as f64;
        let mae = p.ours[j].iter().zip(&p.theirs[j]).map(|(a, b)| (a - b).abs()).sum::<f64>() / n;
        let scale = p.theirs[j].iter().map(|v| v.abs()).sum::<f64>() / n;
        let r_text = r.map_or("const".to_string(), |r| format!("{r:.4}"));
        let ok = r.is_some_and(|r| r >= bar);
        if !ok {
            failures.push(format!("{name} (r = {r_text})"));
        }
        md.push_str(&format!(
            "| {j} | {name} | {r_text} | {mae:.4e} | {scale:.4e} | {}{bar} |\n",
            if ok { "" } else { "FAIL < " }
        ));
    }
    (md, failures)
}

fn report(title: &str, md: &str) {
    println!("\n## {title}\n\n{md}");
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{}.md", title.replace(' ', "_")));
    std::fs::write(&out, md).unwrap();
    println!("(table written to {})", out.display());
}

#[test]
fn compare2016_lld_parity_with_opensmile() {
    let (names, pooled) = pool("compare2016_lld", false);
    let (md, failures) = table(&names, &pooled, 0.85, 0.95);
    report("parity compare2016_lld", &md);
    assert!(failures.is_empty(), "{} descriptors under their bar: {}", failures.len(), failures.join(", "));
}

#[test]
fn compare2016_delta_parity_with_opensmile() {
    let (names, pooled) = pool("compare2016_lld_de", true);
    let (md, failures) = table(&names, &pooled, 0.85, 0.95);
    report("parity compare2016_lld_de", &md);
    assert!(failures.is_empty(), "{} deltas under their bar: {}", failures.len(), failures.join(", "));
}
