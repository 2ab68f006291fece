//! Audio in: decode a file, mix down to mono, resample to the 16 kHz that the
//! features are defined at, and refuse samples the extractor cannot use.
//!
//! Two entry points share the same checks:
//! * native: [`load_16k`] = [`decode_file`] + [`prepare`];
//! * browser: the package's `decode` runs [`decode_bytes`] in wasm (Web Audio
//!   only for formats symphonia lacks) and the classifier hands the samples,
//!   at the file's own rate, to [`prepare`].
//!
//! What [`prepare`] accepts and refuses (and why) is documented there; what
//! the decoder does with empty, header-only, truncated or damaged files is
//! documented on [`decode_bytes`].

mod decode;
mod error;
#[cfg(not(target_arch = "wasm32"))]
mod files;
pub mod level;
mod resample;
pub mod segment;

pub use decode::{decode_bytes, decode_file};
#[cfg(not(target_arch = "wasm32"))]
pub use files::{find_audio_files, is_audio_file, AUDIO_EXTENSIONS};
pub use level::{loud_level_dbfs, normalize_level, LevelChange};
pub use resample::{check_rate, resample, resampled_len, MAX_RATE, MIN_RATE};

pub use error::{AudioError, AudioResult};

/// The sample rate every feature set in this crate is defined at.
pub const TARGET_RATE: u32 = 16_000;

/// Longest accepted input, in seconds (one hour).
///
/// Why a cap at all: the whole signal is held in memory, several times over
/// while it is resampled and analysed, and in the browser all of it must fit
/// in a 32-bit wasm heap (at most 4 GiB). One hour at 48 kHz is 691 MB of f32
/// input plus 230 MB at 16 kHz — still workable — whereas an unbounded file
/// would first freeze the tab and then crash it. Emotion recognition works
/// on utterances and conversations, so an hour is far beyond any real use;
/// longer recordings should be cut into segments first.
pub const MAX_DURATION_S: u64 = 3_600;

/// Mono samples at `sample_rate`.
///
/// Integer PCM lies in [-1, 1); float PCM is kept as stored and may exceed ±1.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    pub samples: Vec<f32>,
    pub sample_rate: u32,
    /// What the decoder had to put up with, one sentence each, for the
    /// caller to show (the CLI prints them on stderr): the file stops early
    /// (truncated, and at how many seconds), damaged packets were skipped.
    /// Empty for a sound file. Why not an error: the decoded part is usable
    /// audio, and speech corpora hold many slightly cut files.
    pub warnings: Vec<String>,
}

impl Audio {
    /// Duration in seconds.
    pub fn duration_s(&self) -> f64 {
        if self.sample_rate == 0 {
            0.0
        } else {
            self.samples.len() as f64 / f64::from(self.sample_rate)
        }
    }
}

/// Decodes `path` and returns mono samples at [`TARGET_RATE`], ready for the extractor.
pub fn load_16k(path: &std::path::Path) -> AudioResult<Vec<f32>> {
    let audio = decode_file(path)?;
    prepare(&audio.samples, audio.sample_rate).map_err(|e| e.with_path(&path.display().to_string()))
}

/// Decodes an in-memory file and returns mono samples at [`TARGET_RATE`].
pub fn load_16k_bytes(bytes: Vec<u8>, extension_hint: Option<&str>) -> AudioResult<Vec<f32>> {
    let audio = decode_bytes(bytes, extension_hint)?;
    prepare(&audio.samples, audio.sample_rate)
}

/// Checks mono samples at any rate and brings them to [`TARGET_RATE`].
///
/// This is the one gate both the native path and the browser path go
/// through, so both refuse the same things:
///
/// * `sample_rate` outside [`MIN_RATE`]..=[`MAX_RATE`] → [`AudioError::InvalidArgument`];
/// * no samples, or too few to make one 16 kHz sample → [`AudioError::InvalidAudio`];
/// * a NaN or ±Inf sample → [`AudioError::InvalidAudio`] naming the first bad
///   index (one NaN would poison every feature frame the filter touches);
/// * longer than [`MAX_DURATION_S`] → [`AudioError::InvalidAudio`].
///
/// Removed: a DC offset (the mean of the samples) beyond [`DC_OFFSET_LIMIT`],
/// in audio of at least [`DC_MIN_DURATION_S`] (in a shorter piece, a click,
/// the mean is the sound itself rather than an offset).
/// A constant offset is not sound (no microphone hears 0 Hz); it comes from
/// the recording chain (a cheap converter, a bias voltage), yet it enters
/// every energy and loudness descriptor and hides the rhythm of syllables
/// that the speech gate looks for: an offset of 0.2 made a real utterance
/// "no speech" before. Offsets within the limit are left alone, so such
/// recordings stay bit for bit.
///
/// Deliberately accepted:
///
/// * clipped audio and float samples beyond ±1 are kept as they are, not
///   clamped or normalised: the loudness and energy features are defined on
///   the raw amplitude, and clamping would add distortion that was not in
///   the recording (resampling may overshoot ±1 slightly near clipping; that
///   is kept too);
/// * digital silence (all zeros) is valid audio: it resamples to zeros and the
///   extractor then yields its silence values.
///
/// At exactly [`TARGET_RATE`] (and without an offset to remove) the samples
/// are returned bit for bit; otherwise
/// they are resampled with [`resample`] to `round(n * 16000 / sample_rate)`
/// samples, time-aligned with the input.
pub fn prepare(samples: &[f32], sample_rate: u32) -> AudioResult<Vec<f32>> {
    check_rate(sample_rate)?;
    if samples.is_empty() {
        return Err(AudioError::invalid_audio("the audio has no samples"));
    }
    if let Some(i) = samples.iter().position(|x| !x.is_finite()) {
        let what = if samples[i].is_nan() { "NaN" } else { "infinite" };
        return Err(AudioError::invalid_audio(format!(
            "sample {i} (at {:.3} s) is {what}; the audio must contain finite values only",
            i as f64 / f64::from(sample_rate)
        )));
    }
    let max = MAX_DURATION_S * u64::from(sample_rate);
    if samples.len() as u64 > max {
        return Err(AudioError::invalid_audio(format!(
            "the audio lasts {:.1} s, more than the maximum of {MAX_DURATION_S} s ({} min); cut it into segments",
            samples.len() as f64 / f64::from(sample_rate),
            MAX_DURATION_S / 60
        )));
    }
    if resampled_len(samples.len(), sample_rate, TARGET_RATE) == 0 {
        return Err(AudioError::invalid_audio(format!(
            "{} samples at {sample_rate} Hz are too short to make one sample at {TARGET_RATE} Hz",
            samples.len()
        )));
    }
    let mean = samples.iter().map(|&x| f64::from(x)).sum::<f64>() / samples.len() as f64;
    let long_enough = samples.len() as f64 >= DC_MIN_DURATION_S * f64::from(sample_rate);
    if long_enough && mean.abs() > DC_OFFSET_LIMIT {
        let centred: Vec<f32> = samples.iter().map(|&x| (f64::from(x) - mean) as f32).collect();
        return resample(&centred, sample_rate, TARGET_RATE);
    }
    resample(samples, sample_rate, TARGET_RATE)
}

/// Largest DC offset [`prepare`] leaves in place: 2e-3 of full scale
/// (-54 dBFS), above what a working recording chain leaves (the largest in
/// the shared corpora is 1.3e-3, one RAVDESS file; so every shared recording
/// is analysed as before) and far below the level speech is analysed at.
pub const DC_OFFSET_LIMIT: f64 = 2e-3;

/// Shortest audio whose offset [`prepare`] removes: 0.1 s, five periods of
/// the lowest voice pitch, over which any sound averages out.
pub const DC_MIN_DURATION_S: f64 = 0.1;
