//! A RIFF/WAVE writer for tests that need a file in a given sample format,
//! shared by the native bad-input tests and their wasm twin (which includes
//! this file alone: the rest of `common` reads ../shared from disk).
#![allow(dead_code)]

#[derive(Clone, Copy, Debug)]
pub enum Fmt {
    U8,
    I16,
    I24,
    I32,
    F32,
}

/// `interleaved` samples as a WAV: integers clamped to [-1, 1] and scaled to
/// the format's largest value, floats written as they are.
pub fn wav(interleaved: &[f32], channels: u16, rate: u32, fmt: Fmt) -> Vec<u8> {
    let (bytes, tag): (u16, u16) = match fmt {
        Fmt::U8 => (1, 1),
        Fmt::I16 => (2, 1),
        Fmt::I24 => (3, 1),
        Fmt::I32 => (4, 1),
        Fmt::F32 => (4, 3),
    };
    let data_len = (interleaved.len() * bytes as usize) as u32;
    let mut b = Vec::with_capacity(44 + data_len as usize);
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data_len).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&tag.to_le_bytes());
    b.extend_from_slice(&channels.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * u32::from(channels * bytes)).to_le_bytes());
    b.extend_from_slice(&(channels * bytes).to_le_bytes());
    b.extend_from_slice(&(bytes * 8).to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data_len.to_le_bytes());
    for &x in interleaved {
        let c = f64::from(x).clamp(-1.0, 1.0);
        match fmt {
            Fmt::U8 => b.push((c * 127.0 + 128.0).round() as u8),
            Fmt::I16 => b.extend_from_slice(&((c * 32767.0).round() as i16).to_le_bytes()),
            Fmt::I24 => b.extend_from_slice(&((c * 8_388_607.0).round() as i32).to_le_bytes()[..3]),
            Fmt::I32 => b.extend_from_slice(&((c * 2_147_483_647.0).round() as i32).to_le_bytes()),
            Fmt::F32 => b.extend_from_slice(&x.to_le_bytes()),
        }
    }
    b
}
