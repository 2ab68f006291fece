//! Helpers shared by the integration tests: where the shared data is
//! (`$EMOREC_SHARED`, else ../shared), and readers
//! for openSMILE's reference CSVs.
#![allow(dead_code)]

pub mod wav;

use std::io::Read;
use std::path::PathBuf;

/// The shared data's root: `$EMOREC_SHARED` when set (a worktree or CI
/// checkout that does not sit beside it), else `../shared` beside the
/// repository. Not checked; [`shared_dir`] and [`shared_path`] check.
pub fn shared_root() -> PathBuf {
    match std::env::var_os("EMOREC_SHARED") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("shared"),
    }
}

/// The shared data's root, checked to hold the openSMILE reference. Tests
/// that need it fail with this message when it is missing, rather than
/// passing vacuously.
pub fn shared_dir() -> PathBuf {
    let dir = shared_root();
    assert!(
        dir.join("reference/opensmile/index.csv").is_file(),
        "this test needs the shared data at {} ($EMOREC_SHARED, else ../shared beside the repository); it was not found",
        dir.display()
    );
    dir
}

/// `rel` under the shared data's root (e.g. `data/emovo/manifest.csv`),
/// checked to exist: a test that needs it fails naming the path and how to
/// point at the data.
pub fn shared_path(rel: &str) -> PathBuf {
    let root = shared_root();
    let path = root.join(rel);
    assert!(
        path.exists(),
        "this test needs {} from the shared data (root {}: $EMOREC_SHARED, else ../shared beside the \
         repository); it was not found",
        path.display(),
        root.display()
    );
    path
}

pub fn reference_dir() -> PathBuf {
    shared_dir().join("reference/opensmile")
}

/// One row of reference/opensmile/index.csv.
pub struct ReferenceFile {
    pub name: String,
    pub generated: bool,
}

pub fn reference_files() -> Vec<ReferenceFile> {
    let text = std::fs::read_to_string(reference_dir().join("index.csv")).expect("read index.csv");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut f = l.split(',');
            let name = f.next().unwrap().to_string();
            let source = f.next().unwrap_or("");
            ReferenceFile { name, generated: source == "generated" }
        })
        .collect()
}

/// An openSMILE CSV: column names (after start, end) and rows. openSMILE
/// repeats the last timestamp for a few extra rows at the end of a file; only
/// the first row of each start time is kept, so rows align with our frames.
pub struct ReferenceTable {
    pub names: Vec<String>,
    pub rows: Vec<Vec<f64>>,
}

pub fn read_reference(name: &str, suffix: &str) -> ReferenceTable {
    read_reference_rows(name, suffix, true)
}

/// openSMILE's delta CSVs carry garbled timestamps in their last rows while
/// the rows themselves stay in frame order: read those without de-duplication
/// and align them by index (see `read_delta_reference`).
pub fn read_delta_reference(name: &str, suffix: &str, lld_suffix: &str) -> ReferenceTable {
    let n = read_reference(name, lld_suffix).rows.len();
    let mut t = read_reference_rows(name, suffix, false);
    t.rows.truncate(n);
    t
}

fn read_reference_rows(name: &str, suffix: &str, dedupe: bool) -> ReferenceTable {
    let path = reference_dir().join(format!("{name}.{suffix}.csv.gz"));
    let gz = std::fs::read(&path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    parse_gz(&gz, dedupe)
}

/// [`read_reference`] on the gzipped bytes (the wasm tests embed theirs).
pub fn parse_reference_gz(gz: &[u8]) -> ReferenceTable {
    parse_gz(gz, true)
}

fn parse_gz(gz: &[u8], dedupe: bool) -> ReferenceTable {
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz).read_to_string(&mut text).expect("gunzip reference");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let names = header[2..].iter().map(|s| s.to_string()).collect();
    let mut rows: Vec<Vec<f64>> = Vec::new();
    let mut last_start = f64::NEG_INFINITY;
    for line in lines {
        let vals: Vec<f64> = line.split(',').map(|v| v.parse().expect("number")).collect();
        if dedupe && vals[0] <= last_start + 1e-9 {
            continue;
        }
        last_start = vals[0];
        rows.push(vals[2..].to_vec());
    }
    ReferenceTable { names, rows }
}

/// Pearson's correlation; `None` when either side is constant.
pub fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    if saa == 0.0 || sbb == 0.0 {
        None
    } else {
        Some(sab / (saa * sbb).sqrt())
    }
}
