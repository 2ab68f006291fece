//! Compact storage of embedding rows, and how much it costs in accuracy.
//!
//! Two codings, both decoded back to f32 row by row on lookup so the table
//! stays compact in a browser's memory:
//! - `Int8`: per row a scale `s = max|v| / 127` (f32) and `round(v / s)` as
//!   i8: 50 + 4 bytes a 50-d row. Error per value is at most `s / 2`.
//! - `F16`: IEEE half precision, 100 bytes a 50-d row; relative error about
//!   2^-11 per value.

use half::f16;

/// How the embedding rows are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// i8 codes with one f32 scale per row.
    Int8,
    /// IEEE 754 half precision.
    F16,
}

impl Storage {
    pub fn name(self) -> &'static str {
        match self {
            Storage::Int8 => "int8",
            Storage::F16 => "f16",
        }
    }

    pub fn from_name(name: &str) -> Option<Storage> {
        match name {
            "int8" | "i8" => Some(Storage::Int8),
            "f16" | "half" => Some(Storage::F16),
            _ => None,
        }
    }

    /// Bytes one row of `dim` values takes, scale included.
    pub fn row_bytes(self, dim: usize) -> usize {
        match self {
            Storage::Int8 => dim + 4,
            Storage::F16 => 2 * dim,
        }
    }
}

/// Appends the code of `row` to `codes` (and its scale to `scales` for int8).
pub(crate) fn encode_row(storage: Storage, row: &[f32], codes: &mut Vec<u8>, scales: &mut Vec<f32>) {
    match storage {
        Storage::Int8 => {
            let max = row.iter().fold(0f32, |m, v| m.max(v.abs()));
            let scale = if max > 0.0 { max / 127.0 } else { 0.0 };
            for &v in row {
                let q = if scale > 0.0 { (v / scale).round().clamp(-127.0, 127.0) as i8 } else { 0 };
                codes.push(q as u8);
            }
            scales.push(scale);
        }
        Storage::F16 => {
            for &v in row {
                codes.extend_from_slice(&f16::from_f32(v).to_le_bytes());
            }
        }
    }
}

/// Decodes row `i` into `out` (`out.len()` is the dimension).
pub(crate) fn decode_row(storage: Storage, codes: &[u8], scales: &[f32], i: usize, out: &mut [f32]) {
    let dim = out.len();
    match storage {
        Storage::Int8 => {
            let scale = scales[i];
            for (o, &c) in out.iter_mut().zip(&codes[i * dim..(i + 1) * dim]) {
                *o = (c as i8) as f32 * scale;
            }
        }
        Storage::F16 => {
            let bytes = &codes[2 * i * dim..2 * (i + 1) * dim];
            for (o, b) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                *o = f16::from_le_bytes([b[0], b[1]]).to_f32();
            }
        }
    }
}

/// Reconstruction error of stored rows against the original f32 rows.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct QuantError {
    /// Rows compared.
    pub rows: usize,
    /// Root mean square of (decoded - original) over all values.
    pub rms: f32,
    /// RMS error divided by the RMS of the original values.
    pub relative_rms: f32,
    /// Largest absolute error of any value.
    pub max_abs: f32,
    /// Smallest cosine similarity between a decoded row and its original.
    pub min_cosine: f32,
    /// Mean of 1 - cosine over rows.
    pub mean_cosine_loss: f32,
}

/// Accumulates [`QuantError`] row by row.
#[derive(Default)]
pub(crate) struct ErrorMeter {
    rows: usize,
    sq_err: f64,
    sq_val: f64,
    values: usize,
    max_abs: f32,
    min_cos: f64,
    cos_loss: f64,
}

impl ErrorMeter {
    pub(crate) fn new() -> Self {
        ErrorMeter { min_cos: 1.0, ..Default::default() }
    }

    pub(crate) fn add(&mut self, original: &[f32], decoded: &[f32]) {
        let (mut dot, mut na, mut nb) = (0f64, 0f64, 0f64);
        for (&a, &b) in original.iter().zip(decoded) {
            let d = (b - a) as f64;
            self.sq_err += d * d;
            self.sq_val += (a as f64) * (a as f64);
            self.max_abs = self.max_abs.max(d.abs() as f32);
            dot += a as f64 * b as f64;
            na += a as f64 * a as f64;
            nb += b as f64 * b as f64;
        }
        self.values += original.len();
        let cos = if na > 0.0 && nb > 0.0 { dot / (na.sqrt() * nb.sqrt()) } else { 1.0 };
        self.min_cos = self.min_cos.min(cos);
        self.cos_loss += 1.0 - cos;
        self.rows += 1;
    }

    pub(crate) fn finish(&self) -> QuantError {
        if self.rows == 0 {
            return QuantError { min_cosine: 1.0, ..Default::default() };
        }
        let rms = (self.sq_err / self.values as f64).sqrt();
        let val_rms = (self.sq_val / self.values as f64).sqrt();
        QuantError {
            rows: self.rows,
            rms: rms as f32,
            relative_rms: if val_rms > 0.0 { (rms / val_rms) as f32 } else { 0.0 },
            max_abs: self.max_abs,
            min_cosine: self.min_cos as f32,
            mean_cosine_loss: (self.cos_loss / self.rows as f64) as f32,
        }
    }
}
