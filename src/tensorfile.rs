//! Writing safetensors files byte for byte the same on every run (names in
//! order, the header padded to 8 bytes), for the vocabulary and the page's
//! weights: a file regenerated from the same data is the same file, so a
//! test can tell a stale one. Reading goes through the `safetensors` crate.

use std::collections::BTreeMap;

/// One tensor to write: name, dtype as safetensors spells it (`"F32"`,
/// `"F16"`, `"I8"`, `"U8"`), shape and little-endian data.
pub(crate) type Entry<'a> = (&'a str, &'a str, Vec<usize>, &'a [u8]);

/// A safetensors file with `metadata` (string pairs) and `tensors`, whose
/// data is laid out in the order given (largest alignment first, as
/// safetensors writers do, is the caller's to choose).
pub(crate) fn write(metadata: &BTreeMap<&str, String>, tensors: &[Entry<'_>]) -> Vec<u8> {
    let mut header = BTreeMap::new();
    header.insert("__metadata__".to_string(), serde_json::json!(metadata));
    let mut offset = 0;
    for (name, dtype, shape, data) in tensors {
        header.insert(
            name.to_string(),
            serde_json::json!({ "dtype": dtype, "shape": shape, "data_offsets": [offset, offset + data.len()] }),
        );
        offset += data.len();
    }
    let mut header = serde_json::to_string(&header).expect("a JSON map always serialises").into_bytes();
    header.resize(header.len().next_multiple_of(8), b' ');
    let mut out = Vec::with_capacity(8 + header.len() + offset);
    out.extend_from_slice(&(header.len() as u64).to_le_bytes());
    out.extend_from_slice(&header);
    for (_, _, _, data) in tensors {
        out.extend_from_slice(data);
    }
    out
}
