//! Container and codec decoding through symphonia (WAV, FLAC, MP3, Ogg Vorbis),
//! down-mixed to mono by averaging the channels.

use std::io::Cursor;
use std::path::Path;

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::DecoderOptions;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use super::Audio;
use crate::{Error, Result};

/// Decodes an audio file; the extension is only a hint, the content decides.
pub fn decode_file(path: &Path) -> Result<Audio> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| Error::Io { path: name.clone(), source })?;
    let ext = path.extension().and_then(|e| e.to_str());
    decode_bytes(bytes, ext).map_err(|e| e.with_path(&name))
}

/// Decodes an in-memory file (any supported container).
pub fn decode_bytes(bytes: Vec<u8>, extension_hint: Option<&str>) -> Result<Audio> {
    if bytes.is_empty() {
        return Err(Error::decode("the file is empty"));
    }
    let mss = MediaSourceStream::new(Box::new(Cursor::new(bytes)), MediaSourceStreamOptions::default());
    let mut hint = Hint::new();
    if let Some(ext) = extension_hint {
        hint.with_extension(ext);
    }
    let probed = symphonia::default::get_probe()
        .format(&hint, mss, &FormatOptions::default(), &MetadataOptions::default())
        .map_err(|e| Error::decode(format!("not a supported audio format ({e})")))?;
    let mut format = probed.format;
    let track = format
        .default_track()
        .ok_or_else(|| Error::decode("the file has no audio track"))?
        .clone();
    let sample_rate = track
        .codec_params
        .sample_rate
        .ok_or_else(|| Error::decode("the file does not state its sample rate"))?;
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|e| Error::decode(format!("unsupported codec ({e})")))?;

    let mut mono = Vec::new();
    let mut buf: Option<SampleBuffer<f32>> = None;
    loop {
        let packet = match format.next_packet() {
            Ok(p) => p,
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(SymError::ResetRequired) => break,
            Err(e) => return Err(Error::decode(e)),
        };
        if packet.track_id() != track.id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(d) => d,
            // A damaged packet is skipped, as players do; the rest still decodes.
            Err(SymError::DecodeError(_)) => continue,
            Err(e) => return Err(Error::decode(e)),
        };
        let spec = *decoded.spec();
        let channels = spec.channels.count().max(1);
        let sb = buf.get_or_insert_with(|| SampleBuffer::new(decoded.capacity() as u64, spec));
        if sb.capacity() < decoded.capacity() * channels {
            *sb = SampleBuffer::new(decoded.capacity() as u64, spec);
        }
        sb.copy_interleaved_ref(decoded);
        let scale = 1.0 / channels as f32;
        mono.extend(sb.samples().chunks_exact(channels).map(|f| f.iter().sum::<f32>() * scale));
    }
    Ok(Audio { samples: mono, sample_rate })
}
