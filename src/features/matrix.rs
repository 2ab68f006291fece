//! The feature matrix every extractor returns: named columns, one row per hop.

use super::contour::{delta_regression, delta_regression_in_segments};

/// Row-major frames x columns, with openSMILE's column names and timing.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureMatrix {
    pub names: Vec<String>,
    /// `n_frames * names.len()` values, frame after frame.
    pub data: Vec<f32>,
    /// Seconds between frame starts.
    pub hop_s: f64,
    /// Seconds each row spans in the `end` column (the longest analysis window).
    pub frame_s: f64,
}

impl FeatureMatrix {
    pub fn n_frames(&self) -> usize {
        if self.names.is_empty() {
            0
        } else {
            self.data.len() / self.names.len()
        }
    }

    pub fn n_columns(&self) -> usize {
        self.names.len()
    }

    pub fn row(&self, i: usize) -> &[f32] {
        let c = self.names.len();
        &self.data[i * c..(i + 1) * c]
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// One column as a contiguous vector.
    pub fn column(&self, j: usize) -> Vec<f32> {
        (0..self.n_frames()).map(|i| self.data[i * self.names.len() + j]).collect()
    }

    /// Appends the delta regression (window 2, openSMILE's default) of every
    /// column, named `<name>_de` as openSMILE names them. Columns in
    /// `segmented` (where 0 means "unvoiced") take deltas only inside segments.
    pub fn with_deltas(&self, segmented: std::ops::Range<usize>) -> FeatureMatrix {
        let (n, c) = (self.n_frames(), self.n_columns());
        let mut out = vec![0.0f32; n * 2 * c];
        let mut col = Vec::with_capacity(n);
        let mut de = vec![0.0f32; n];
        for j in 0..c {
            col.clear();
            col.extend((0..n).map(|i| self.data[i * c + j]));
            if segmented.contains(&j) {
                delta_regression_in_segments(&col, 2, &mut de);
            } else {
                delta_regression(&col, 2, &mut de);
            }
            for i in 0..n {
                out[i * 2 * c + j] = col[i];
                out[i * 2 * c + c + j] = de[i];
            }
        }
        let mut names = self.names.clone();
        names.extend(self.names.iter().map(|n| delta_name(n)));
        FeatureMatrix { names, data: out, hop_s: self.hop_s, frame_s: self.frame_s }
    }

    /// openSMILE-style CSV: `start,end,<names...>`, one row per frame.
    pub fn write_csv<W: std::io::Write>(&self, mut w: W) -> std::io::Result<()> {
        write!(w, "start,end")?;
        for n in &self.names {
            write!(w, ",{n}")?;
        }
        writeln!(w)?;
        for i in 0..self.n_frames() {
            let start = i as f64 * self.hop_s;
            write!(w, "{},{}", fmt_time(start), fmt_time(start + self.frame_s))?;
            for v in self.row(i) {
                write!(w, ",{v}")?;
            }
            writeln!(w)?;
        }
        Ok(())
    }
}

/// `mfcc_sma[3]` → `mfcc_sma_de[3]`, `pcm_zcr_sma` → `pcm_zcr_sma_de`.
fn delta_name(name: &str) -> String {
    match name.find('[') {
        Some(i) => format!("{}_de{}", &name[..i], &name[i..]),
        None => format!("{name}_de"),
    }
}

/// Times to the microsecond, without float noise such as 0.30000000000000004.
fn fmt_time(t: f64) -> String {
    let s = format!("{:.6}", t);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() {
        "0".into()
    } else {
        s.to_string()
    }
}
