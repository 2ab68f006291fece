//! The burn model's parameters under the names the host engine reads, for
//! writing its weights file and for checking the two engines against each
//! other.

use burn::module::Param;
use burn::tensor::Tensor;

use super::weights::{to_safetensors, Named, Precision};
use super::HostModel;
use crate::model::layers::Dense;
use crate::model::net::Encoder;
use crate::model::{Model, ModelError};

fn values<const D: usize>(p: &Param<Tensor<D>>) -> (Vec<usize>, Vec<f32>) {
    let t = p.val();
    let shape = t.dims().to_vec();
    let v = t.into_data().convert::<f32>().try_into_vec::<f32>().expect("f32 parameters");
    (shape, v)
}

struct Out(Vec<Named>);

impl Out {
    fn param<const D: usize>(&mut self, name: String, p: &Param<Tensor<D>>) {
        let (shape, v) = values(p);
        self.0.push((name, shape, v));
    }

    fn dense(&mut self, name: &str, d: &Dense) {
        self.param(format!("{name}.weight"), &d.weight);
        self.param(format!("{name}.bias"), &d.bias);
    }

    fn encoder(&mut self, name: &str, e: &Encoder) {
        for (l, layer) in e.blstm.layers.iter().enumerate() {
            for (dir, cell) in [("forward", &layer.forward), ("backward", &layer.backward)] {
                let p = format!("{name}.blstm.layers.{l}.{dir}");
                self.param(format!("{p}.w_input"), &cell.w_input);
                self.param(format!("{p}.w_hidden"), &cell.w_hidden);
                self.param(format!("{p}.bias"), &cell.bias);
            }
        }
        if let Some(a) = &e.pool.attention {
            self.dense(&format!("{name}.pool.attention.projection"), &a.projection);
            self.param(format!("{name}.pool.attention.context"), &a.context);
        }
        if let Some(cls) = &e.cls {
            self.param(format!("{name}.cls"), cls);
        }
    }
}

impl Model {
    /// Every parameter by its path in the module (the n-gram head's last).
    pub fn named_parameters(&self) -> Vec<Named> {
        let mut out = Out(Vec::new());
        if let Some(e) = &self.acoustic {
            out.encoder("acoustic", e);
        }
        if let Some(e) = &self.lexical {
            out.encoder("lexical", e);
        }
        if let Some(f) = &self.fusion {
            out.dense("fusion.audio", &f.audio);
            out.dense("fusion.text", &f.text);
            out.param("fusion.context".into(), &f.context);
        }
        out.dense("output", &self.output);
        if let Some(s) = &self.stats {
            out.dense("stats", s);
        }
        if let Some(s) = &self.stats_head {
            out.dense("stats_head", s);
        }
        if let Some(s) = &self.ngram_head {
            out.dense("ngram_head", s);
        }
        out.0
    }

    /// The host engine's weights files for this model: every parameter but
    /// the n-gram head ([`super::weights::FILE`]), and that head in its own
    /// file ([`super::weights::NGRAM_HEAD_FILE`]) when the model has one.
    pub fn host_weights(&self, precision: Precision) -> HostWeights {
        let (head, network): (Vec<Named>, Vec<Named>) =
            self.named_parameters().into_iter().partition(|(name, ..)| name.starts_with("ngram_head."));
        HostWeights {
            network: to_safetensors(&network, precision),
            ngram_head: (!head.is_empty()).then(|| to_safetensors(&head, precision)),
        }
    }
}

/// The host engine's weights files of one model (see
/// [`Model::host_weights`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostWeights {
    pub network: Vec<u8>,
    pub ngram_head: Option<Vec<u8>>,
}

impl HostModel {
    /// The same network as `model`, with its weights unrounded (f32).
    pub fn from_model(model: &Model) -> Result<Self, ModelError> {
        let files = model.host_weights(Precision::F32);
        let mut host = HostModel::from_safetensors(model.config(), &files.network)?;
        if let Some(head) = &files.ngram_head {
            host.set_ngram_head(head)?;
        }
        Ok(host)
    }
}
