//! Model bundles as the page and the CLI load them: `Bundle::from_files` on
//! the six files' bytes (the web facade's `Classifier.fromFiles` calls the
//! same function), on the CPU (ndarray) device. Random bytes as all six files
//! would stop at the first JSON parse, so the input changes one file of the
//! shipped bundle (`www/model`) at a time. The first byte picks what:
//! 0..=5 replace model.json, config.toml, weights.bpk, inputs.toml,
//! norm.json or vocab.safetensors (in the host engine:
//! ngram-head-f16.safetensors, its n-gram head) with the rest of the
//! input; 6 patches the
//! weights (each 4 bytes: a 3-byte offset, a byte to XOR in); 7 cuts the
//! weights at a length read from the input. Bit 3 of the first byte loads
//! into the host engine (`Bundle::from_files_host`, what the page's CPU
//! module runs) with its weights, `weights-f16.safetensors`, instead of
//! burn's. The vocabulary (a quarter of a load's time) is only given when it
//! is the file being fuzzed.
#![no_main]

use std::sync::OnceLock;

use burn::tensor::Device;
use emorec::pipeline::{Bundle, BundleFiles};
use libfuzzer_sys::fuzz_target;

struct Shipped {
    meta: &'static [u8],
    config: &'static [u8],
    weights: &'static [u8],
    host_weights: &'static [u8],
    ngram_head: &'static [u8],
    inputs: &'static [u8],
    norm: &'static [u8],
}

const SHIPPED: Shipped = Shipped {
    meta: include_bytes!("../../www/model/model.json"),
    config: include_bytes!("../../www/model/config.toml"),
    weights: include_bytes!("../../www/model/weights.bpk"),
    host_weights: include_bytes!("../../www/model/weights-f16.safetensors"),
    ngram_head: include_bytes!("../../www/model/ngram-head-f16.safetensors"),
    inputs: include_bytes!("../../www/model/inputs.toml"),
    norm: include_bytes!("../../www/model/norm.json"),
};

#[allow(deprecated)] // ndarray: the CPU backend this build has (flex is native-only in emorec's features).
fn device() -> &'static Device {
    static D: OnceLock<Device> = OnceLock::new();
    D.get_or_init(Device::ndarray)
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let host = selector & 8 != 0;
    let mut files = BundleFiles {
        meta: SHIPPED.meta.to_vec(),
        config: SHIPPED.config.to_vec(),
        weights: if host { SHIPPED.host_weights } else { SHIPPED.weights }.to_vec(),
        inputs: SHIPPED.inputs.to_vec(),
        norm: Some(SHIPPED.norm.to_vec()),
        vocab: None,
        ngram_head: None,
    };
    match selector % 8 {
        0 => files.meta = rest.to_vec(),
        1 => files.config = rest.to_vec(),
        2 => files.weights = rest.to_vec(),
        3 => files.inputs = rest.to_vec(),
        4 => files.norm = Some(rest.to_vec()),
        5 if host => files.ngram_head = Some(rest.to_vec()),
        5 => files.vocab = Some(rest.to_vec()),
        6 => {
            for patch in rest.chunks_exact(4) {
                let at = usize::from(patch[0]) | usize::from(patch[1]) << 8 | usize::from(patch[2]) << 16;
                let n = files.weights.len();
                files.weights[at % n] ^= patch[3];
            }
        }
        _ => {
            let mut len = 0usize;
            for &b in rest.iter().take(3) {
                len = len << 8 | usize::from(b);
            }
            let n = files.weights.len();
            files.weights.truncate(len % (n + 1));
        }
    }
    let loaded = if host {
        Bundle::from_files_host(&files, files.vocab.is_none())
    } else if files.vocab.is_some() {
        Bundle::from_files(&files, device())
    } else {
        Bundle::from_files_deferring_vocabulary(&files, device())
    };
    if let Ok(bundle) = loaded {
        let _ = bundle.extractor();
        let _ = bundle.needs_vocabulary();
        let _ = bundle.needs_ngram_head();
    }
});
