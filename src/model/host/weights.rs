//! The host engine's weights file: every parameter of a model by its path
//! in the burn module (`acoustic.blstm.layers.0.forward.w_input`, ...), in a
//! safetensors file with `format = emorec-weights` and a version in its
//! metadata, each tensor f32 or f16.
//!
//! A second file beside `weights.bpk` rather than burn's own record: the
//! page's CPU module reads it without linking burn, and stores it in half
//! the bytes. `Bundle::save` writes it from the same model, and a test
//! checks that the shipped one still matches `weights.bpk`.
//!
//! A model with an n-gram head keeps that head in a file of its own
//! ([`NGRAM_HEAD_FILE`], the same format): it is text-only and a sixth of
//! the shipped weights, so the page fetches it with the vocabulary when
//! the first transcript comes rather than embed it in the audio-only
//! download. An older bundle with the head inside the main file still
//! loads.

use std::collections::{BTreeMap, HashMap};

use half::f16;
use safetensors::{Dtype, SafeTensors};

use crate::model::ModelError;

pub const FORMAT: &str = "emorec-weights";
pub const VERSION: &str = "1";
/// The file name in a bundle.
pub const FILE: &str = "weights-f16.safetensors";
/// The n-gram head's file in a bundle (`ModelConfig::ngram_buckets`).
pub const NGRAM_HEAD_FILE: &str = "ngram-head-f16.safetensors";

/// How parameters are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    F32,
    /// Rounded to the nearest f16: half the bytes; relative error 2^-11.
    F16,
}

/// One named parameter: shape and values.
pub type Named = (String, Vec<usize>, Vec<f32>);

/// `params` as a weights file.
pub fn to_safetensors(params: &[Named], precision: Precision) -> Vec<u8> {
    let (dtype, data): (&str, Vec<Vec<u8>>) = match precision {
        Precision::F32 => {
            ("F32", params.iter().map(|(_, _, v)| v.iter().flat_map(|x| x.to_le_bytes()).collect()).collect())
        }
        Precision::F16 => (
            "F16",
            params.iter().map(|(_, _, v)| v.iter().flat_map(|&x| f16::from_f32(x).to_le_bytes()).collect()).collect(),
        ),
    };
    let metadata: BTreeMap<&str, String> =
        [("format", FORMAT.to_string()), ("version", VERSION.to_string())].into_iter().collect();
    let tensors: Vec<crate::tensorfile::Entry<'_>> = params
        .iter()
        .zip(&data)
        .map(|((name, shape, _), d)| (name.as_str(), dtype, shape.clone(), d.as_slice()))
        .collect();
    crate::tensorfile::write(&metadata, &tensors)
}

/// A parsed weights file, handed out parameter by parameter.
pub struct Weights {
    tensors: HashMap<String, (Vec<usize>, Vec<f32>)>,
    /// The file's name in a bundle, for errors.
    file: &'static str,
}

impl Weights {
    /// Reads the main weights file ([`FILE`]): format, version, dtypes and
    /// finiteness are checked here, shapes when each parameter is taken.
    pub fn parse(bytes: &[u8]) -> Result<Self, ModelError> {
        Self::parse_file(bytes, FILE)
    }

    /// [`Weights::parse`] for the bundle's file `file` (named in errors).
    pub fn parse_file(bytes: &[u8], file: &'static str) -> Result<Self, ModelError> {
        let bad = |m: String| ModelError::Format(format!("{file}: {m}"));
        let (_, header) =
            SafeTensors::read_metadata(bytes).map_err(|e| bad(format!("not a safetensors file ({e})")))?;
        let meta = header.metadata().clone().unwrap_or_default();
        let get = |k: &str| meta.get(k).map(String::as_str).unwrap_or("(none)");
        if get("format") != FORMAT || get("version") != VERSION {
            return Err(bad(format!(
                "{} version {} (this build reads {FORMAT} version {VERSION})",
                get("format"),
                get("version")
            )));
        }
        let st = SafeTensors::deserialize(bytes).map_err(|e| bad(format!("not a safetensors file ({e})")))?;
        let mut tensors = HashMap::new();
        for (name, view) in st.tensors() {
            let data = view.data();
            let values: Vec<f32> = match view.dtype() {
                Dtype::F32 => data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
                Dtype::F16 => data.chunks_exact(2).map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
                other => return Err(bad(format!("{name} is {other:?}; weights are F32 or F16"))),
            };
            if values.iter().any(|v| !v.is_finite()) {
                return Err(bad(format!("{name} holds a value that is not finite")));
            }
            tensors.insert(name, (view.shape().to_vec(), values));
        }
        Ok(Weights { tensors, file })
    }

    /// An error in this file, naming it.
    fn bad(&self, m: String) -> ModelError {
        ModelError::Format(format!("{}: {m}", self.file))
    }

    /// Whether the file holds the parameter `name`.
    pub fn has(&self, name: &str) -> bool {
        self.tensors.contains_key(name)
    }

    /// The parameter `name`, which must have `shape`.
    pub fn take(&mut self, name: &str, shape: &[usize]) -> Result<Vec<f32>, ModelError> {
        let (found, values) = self.tensors.remove(name).ok_or_else(|| self.bad(format!("no parameter {name}")))?;
        if found != shape {
            return Err(self.bad(format!("{name} has shape {found:?}, the model config needs {shape:?}")));
        }
        Ok(values)
    }

    /// Fails when parameters are left over: a file for another config.
    pub fn finish(self) -> Result<(), ModelError> {
        let mut left: Vec<&String> = self.tensors.keys().collect();
        if left.is_empty() {
            return Ok(());
        }
        left.sort();
        Err(self.bad(format!(
            "parameters the model config has no place for: {}",
            left.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_what_does_not_fit() {
        let params: Vec<Named> = vec![("a.weight".into(), vec![2, 3], vec![0.5, -1.0, 2.0, 0.1, 0.0, 3.0])];
        for precision in [Precision::F32, Precision::F16] {
            let bytes = to_safetensors(&params, precision);
            assert_eq!(bytes, to_safetensors(&params, precision), "deterministic");
            let mut w = Weights::parse(&bytes).unwrap();
            let v = w.take("a.weight", &[2, 3]).unwrap();
            for (x, y) in v.iter().zip(&params[0].2) {
                assert!((x - y).abs() <= y.abs() * 1e-3, "{x} vs {y}");
            }
            w.finish().unwrap();
        }
        let bytes = to_safetensors(&params, Precision::F32);
        let e = Weights::parse(&bytes).unwrap().take("a.weight", &[3, 2]).unwrap_err().to_string();
        assert!(e.contains("shape [2, 3]"), "{e}");
        let e = Weights::parse(&bytes).unwrap().take("b", &[1]).unwrap_err().to_string();
        assert!(e.contains("no parameter b"), "{e}");
        let e = Weights::parse(&bytes).unwrap().finish().unwrap_err().to_string();
        assert!(e.contains("a.weight"), "{e}");
        assert!(Weights::parse(&bytes[..bytes.len() - 1]).is_err(), "truncated");
        assert!(Weights::parse(b"not safetensors").is_err());
        let nan: Vec<Named> = vec![("x".into(), vec![1], vec![f32::NAN])];
        let e = Weights::parse(&to_safetensors(&nan, Precision::F32)).err().unwrap().to_string();
        assert!(e.contains("not finite"), "{e}");
    }
}
