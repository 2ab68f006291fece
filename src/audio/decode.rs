//! Container and codec decoding through symphonia (WAV, FLAC, MP3, Ogg Vorbis),
//! down-mixed to mono by averaging the channels.

use std::io::Cursor;
use std::path::Path;

use symphonia::core::audio::{AudioBufferRef, SampleBuffer, SignalSpec};
use symphonia::core::codecs::{Decoder, DecoderOptions, CODEC_TYPE_NULL};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::{FormatOptions, FormatReader, Track};
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use super::{Audio, MAX_DURATION_S};
use super::{AudioError, AudioResult};

/// Decodes an audio file; the extension is only a hint, the content decides.
pub fn decode_file(path: &Path) -> AudioResult<Audio> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| AudioError::Io { path: name.clone(), source })?;
    let ext = path.extension().and_then(|e| e.to_str());
    decode_bytes(bytes, ext).map_err(|e| e.with_path(&name))
}

/// Decodes an in-memory file (WAV 8/16/24/32-bit integer or 32/64-bit float,
/// FLAC, MP3 or Ogg Vorbis) to mono samples at the file's own sample rate.
///
/// `extension_hint` only speeds up the probe; a FLAC named `.wav` decodes as
/// FLAC. Sample values are returned as the codec delivers them: integer PCM
/// lies in [-1, 1), float PCM may exceed ±1 and is *not* clipped or
/// normalised (nor checked for NaN: that is [`super::prepare`]'s job, so the
/// browser path gets the same checks). MP3 and Vorbis are decoded gaplessly
/// where the file records its encoder delay and padding, so they line up in
/// time with the original.
///
/// Multi-channel audio is averaged to mono. Why the mean: the features are
/// defined on mono speech, and in recorded speech every channel carries the
/// same voice. The mean keeps the level of a dual-mono file unchanged (a sum
/// would double it and push it past full scale) and never clips when the
/// inputs do not; picking one channel would lose the voice on a file where it
/// was panned to the other. (Channels in opposite phase cancel; that is rare
/// enough in speech recordings to accept.)
///
/// Policy for damaged input (the same for every format, so callers can rely on it):
///
/// * **Empty input** or bytes that do not *start* like a supported file
///   → [`AudioError::Decode`]. Symphonia's probe would otherwise scan up to 1 MiB
///   for anything resembling a marker, and random bytes often contain an MP3
///   frame-sync pattern; "decoding" such noise would hand garbage to the
///   extractor instead of an error.
/// * **Header only** (a valid container with no audio data) → `Ok` with zero
///   samples; [`super::prepare`] then refuses it as "no samples", so
///   [`super::load_16k`] reports an [`AudioError::InvalidAudio`].
/// * **Truncated data** (a file cut mid-stream) → what was decodable up to the
///   cut is returned, exactly as media players do; at most the one packet that
///   the cut went through is lost. Speech datasets are full of slightly
///   truncated files and refusing them would gain nothing. It is not silent
///   though: [`Audio::warnings`] says that the file stops early and at how
///   many seconds, wherever the file lets us tell. A cut is detected when the
///   header announces more frames than decode (WAV's data chunk, FLAC's
///   STREAMINFO, an MP3 Xing/Info/VBRI frame count), when the last Ogg page is
///   cut or not marked as the end of its stream, or when the container is
///   damaged after some audio. An MP3 without a frame count cannot be told
///   from a shorter file (its length is only estimated from its size).
/// * **Damaged packets** in the middle are skipped (the decoder is reset), the
///   rest still decodes, with a warning counting them. If *no* packet
///   decodes, that is a [`AudioError::Decode`].
/// * A stream longer than [`super::MAX_DURATION_S`] is refused while decoding,
///   so a huge file cannot exhaust memory before [`super::prepare`] sees it.
pub fn decode_bytes(bytes: Vec<u8>, extension_hint: Option<&str>) -> AudioResult<Audio> {
    if bytes.is_empty() {
        return Err(AudioError::decode("the file is empty"));
    }
    if !looks_like_audio(&bytes) {
        return Err(AudioError::decode(
            "not a supported audio format (expected WAV, FLAC, MP3 or Ogg Vorbis data at the start of the file)",
        ));
    }
    let hint = extension_hint.map(str::to_owned);
    // Symphonia is robust, but a panic deep inside a codec on hostile input
    // must still end as an error for the caller, not a crash of the CLI or a
    // poisoned worker. (On wasm32 panics abort, so this is native-only help.)
    std::panic::catch_unwind(move || decode_inner(bytes, hint.as_deref()))
        .unwrap_or_else(|_| Err(AudioError::decode("the decoder failed on malformed data")))
}

/// Cheap content sniffing at offset 0: RIFF/WAVE, fLaC, OggS, an ID3v2 tag
/// (MP3) or a plausible MPEG audio frame header.
fn looks_like_audio(b: &[u8]) -> bool {
    let starts = |m: &[u8]| b.len() >= m.len() && &b[..m.len()] == m;
    if starts(b"RIFF") {
        return b.len() >= 12 && &b[8..12] == b"WAVE";
    }
    if starts(b"fLaC") || starts(b"OggS") || starts(b"ID3") {
        return true;
    }
    // MPEG audio frame header: 11 sync bits, version != reserved, layer !=
    // reserved, bitrate index != 15 ("bad"), sample-rate index != 3.
    if b.len() >= 4 && b[0] == 0xFF && b[1] & 0xE0 == 0xE0 {
        let version = (b[1] >> 3) & 0b11;
        let layer = (b[1] >> 1) & 0b11;
        let bitrate = b[2] >> 4;
        let rate = (b[2] >> 2) & 0b11;
        return version != 0b01 && layer != 0b00 && bitrate != 0b1111 && rate != 0b11;
    }
    false
}

/// The first decodable audio track (the default one if it is decodable).
fn pick_track(format: &dyn FormatReader) -> Option<Track> {
    let default = format.default_track().filter(|t| t.codec_params.codec != CODEC_TYPE_NULL);
    default.or_else(|| format.tracks().iter().find(|t| t.codec_params.codec != CODEC_TYPE_NULL)).cloned()
}

fn make_decoder(track: &Track) -> AudioResult<Box<dyn Decoder>> {
    symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|e| AudioError::decode(format!("unsupported codec ({e})")))
}

fn too_long(rate: u32) -> AudioError {
    AudioError::invalid_audio(format!(
        "the audio is longer than the maximum of {MAX_DURATION_S} s ({} min) at {rate} Hz",
        MAX_DURATION_S / 60
    ))
}

fn decode_inner(bytes: Vec<u8>, extension_hint: Option<&str>) -> AudioResult<Audio> {
    // An Ogg stream's end is checked on its last pages, kept before the
    // bytes move into the reader.
    let is_ogg = bytes.starts_with(b"OggS");
    let ogg_tail = if is_ogg { bytes[bytes.len().saturating_sub(OGG_TAIL)..].to_vec() } else { Vec::new() };
    let mss = MediaSourceStream::new(Box::new(Cursor::new(bytes)), MediaSourceStreamOptions::default());
    let mut hint = Hint::new();
    if let Some(ext) = extension_hint {
        hint.with_extension(ext);
    }
    let probed = symphonia::default::get_probe()
        .format(
            &hint,
            mss,
            &FormatOptions { enable_gapless: true, ..FormatOptions::default() },
            &MetadataOptions::default(),
        )
        .map_err(|e| AudioError::decode(format!("not a supported audio format ({e})")))?;
    let ogg_cut = is_ogg.then(|| ogg_end_problem(&ogg_tail)).flatten();
    let mut format = probed.format;
    let mut track = pick_track(format.as_ref()).ok_or_else(|| AudioError::decode("the file has no audio track"))?;
    let mut decoder = make_decoder(&track)?;
    // The container's rate if it states one; otherwise the first decoded buffer's.
    let mut sample_rate: Option<u32> = track.codec_params.sample_rate.filter(|&r| r > 0);
    let mut max_samples = sample_rate.map(|r| u64::from(r) * MAX_DURATION_S);
    // Frames the header announces, if plausible (a streaming WAV states
    // 0xFFFFFFFF bytes: that is "unknown", not a cut).
    let announced = track.codec_params.n_frames.filter(|&n| n > 0 && max_samples.is_some_and(|m| n <= m));

    let mut mono: Vec<f32> = Vec::new();
    if let Some(frames) = track.codec_params.n_frames {
        // Reserve up front when the header is plausible; never trust it blindly.
        if max_samples.is_some_and(|m| frames <= m) {
            mono.reserve(usize::try_from(frames).unwrap_or(0).min(1 << 26));
        }
    }
    let mut buf: Option<(SignalSpec, SampleBuffer<f32>)> = None;
    let mut decoded_packets = 0usize;
    let mut damaged_packets = 0usize;
    let mut last_damage: Option<String> = None;
    let mut container_damage: Option<String> = None;

    loop {
        let packet = match format.next_packet() {
            Ok(p) => p,
            // End of stream, or a file cut mid-packet: keep what we have.
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            // The track list changed (e.g. chained Ogg streams): continue with
            // the new track if it has the same rate, since mixing rates in one
            // buffer would silently distort time.
            Err(SymError::ResetRequired) => {
                let Some(next) = pick_track(format.as_ref()) else { break };
                let next_rate = next.codec_params.sample_rate;
                if let (Some(a), Some(b)) = (sample_rate, next_rate) {
                    if a != b {
                        return Err(AudioError::decode(format!(
                            "the sample rate changes mid-stream ({a} Hz to {b} Hz)"
                        )));
                    }
                }
                decoder = make_decoder(&next)?;
                track = next;
                continue;
            }
            // A damaged container after some audio: stop there (like EOF).
            Err(e) if decoded_packets > 0 => {
                container_damage = Some(e.to_string());
                break;
            }
            Err(e) => return Err(AudioError::decode(e)),
        };
        if packet.track_id() != track.id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(d) => d,
            // A damaged or cut packet is skipped, as players do; the rest still decodes.
            Err(e @ (SymError::DecodeError(_) | SymError::IoError(_))) => {
                damaged_packets += 1;
                last_damage = Some(e.to_string());
                decoder.reset();
                continue;
            }
            Err(SymError::ResetRequired) => {
                decoder.reset();
                continue;
            }
            Err(e) => return Err(AudioError::decode(e)),
        };
        decoded_packets += 1;
        let spec = *decoded.spec();
        match sample_rate {
            None if spec.rate > 0 => {
                sample_rate = Some(spec.rate);
                max_samples = Some(u64::from(spec.rate) * MAX_DURATION_S);
            }
            Some(r) if spec.rate != r && spec.rate > 0 => {
                return Err(AudioError::decode(format!(
                    "the sample rate changes mid-stream ({r} Hz to {} Hz)",
                    spec.rate
                )));
            }
            _ => {}
        }
        downmix_into(decoded, &mut buf, &mut mono);
        if let (Some(rate), Some(max)) = (sample_rate, max_samples) {
            if mono.len() as u64 > max {
                return Err(too_long(rate));
            }
        }
    }

    if decoded_packets == 0 && damaged_packets > 0 {
        return Err(AudioError::decode(format!(
            "no packet could be decoded ({})",
            last_damage.unwrap_or_else(|| "damaged data".into())
        )));
    }
    let sample_rate = sample_rate.ok_or_else(|| AudioError::decode("the file does not state its sample rate"))?;
    let mut warnings = Vec::new();
    let at = mono.len() as f64 / f64::from(sample_rate);
    let cut = match (announced, container_damage) {
        (_, Some(e)) => Some(format!("the data after it is damaged ({e})")),
        (Some(n), None) if (mono.len() as u64) + SLACK_FRAMES < n => {
            Some(format!("the header announces {:.2} s", n as f64 / f64::from(sample_rate)))
        }
        _ => ogg_cut.map(str::to_string),
    };
    if let Some(why) = cut {
        warnings.push(format!("the file stops early, at {at:.2} s: {why}; only that part was decoded"));
    }
    if damaged_packets > 0 {
        warnings.push(format!(
            "{damaged_packets} damaged packet(s) skipped ({})",
            last_damage.unwrap_or_else(|| "damaged data".into())
        ));
    }
    Ok(Audio { samples: mono, sample_rate, warnings })
}

/// Frames a complete file may decode short of what its header announces
/// without being called cut (gapless trimming rounds to whole packets in
/// some encoders).
const SLACK_FRAMES: u64 = 64;

/// How many bytes at the end of an Ogg file are searched for its last page
/// (a page is at most 65,307 bytes).
const OGG_TAIL: usize = 3 * 65_536;

/// Why an Ogg stream ends early, judged on the last bytes of the file: its
/// last page is cut, or the last whole page is not marked as the end of the
/// stream. `None` when it ends cleanly (bytes after the last page that do
/// not start another, such as a tag, are ignored) or when no page is found
/// (the decoder then reports what is wrong).
fn ogg_end_problem(tail: &[u8]) -> Option<&'static str> {
    // Walk back over capture patterns to the last one that starts a whole
    // page; one after it that does not is a page the cut went through.
    let mut end = tail.len();
    let mut cut_page = false;
    while let Some(p) = tail[..end].windows(4).rposition(|w| w == b"OggS") {
        let page = &tail[p..];
        let whole = page.len() >= 27 && page[4] == 0 && {
            let segments = usize::from(page[26]);
            page.len() >= 27 + segments
                && page.len() >= 27 + segments + page[27..27 + segments].iter().map(|&l| usize::from(l)).sum::<usize>()
        };
        if whole {
            return if cut_page {
                Some("its last Ogg page is cut")
            } else if page[5] & 0x04 == 0 {
                Some("its last Ogg page is not marked as the end of the stream")
            } else {
                None
            };
        }
        // Version 0 (or too short to tell): the start of a page, not a
        // capture pattern that happens to occur in a page's data.
        cut_page |= page.len() < 5 || page[4] == 0;
        end = p + 3;
    }
    None
}

/// Appends one decoded buffer to `mono`, averaging its channels (see
/// [`decode_bytes`] for why the mean).
///
/// The sample buffer is reused across packets and rebuilt only when the
/// signal layout changes or a packet is larger than any before (decoders may
/// deliver the first packet smaller than later ones).
fn downmix_into(decoded: AudioBufferRef<'_>, buf: &mut Option<(SignalSpec, SampleBuffer<f32>)>, mono: &mut Vec<f32>) {
    let spec = *decoded.spec();
    let channels = spec.channels.count();
    let frames = decoded.frames();
    if channels == 0 || frames == 0 {
        return;
    }
    let needed = decoded.capacity().max(frames);
    let rebuild = match buf {
        Some((s, sb)) => *s != spec || sb.capacity() < needed * channels,
        None => true,
    };
    if rebuild {
        *buf = Some((spec, SampleBuffer::new(needed as u64, spec)));
    }
    let Some((_, sb)) = buf.as_mut() else { return };
    sb.copy_interleaved_ref(decoded);
    let samples = sb.samples();
    if channels == 1 {
        mono.extend_from_slice(samples);
    } else {
        let scale = 1.0 / channels as f32;
        mono.extend(samples.chunks_exact(channels).map(|f| f.iter().sum::<f32>() * scale));
    }
}
