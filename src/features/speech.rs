//! Speech presence: is there speech in a recording at all?
//!
//! An emotion model trained on acted speech answers confidently for anything
//! (silence came out "angry 93 %", white noise "neutral 71 %", a 200 Hz tone
//! "sad 99.9 %"). [`speech_presence`] decides, from the ComParE_2016
//! low-level descriptors the pipeline computes anyway, whether the input
//! looks like speech; one pass over the frames (O(frames); the quantiles use
//! linear-time selection), no model.
//!
//! # The decision
//!
//! Speech is loud enough, its level rises and falls with the syllables, and
//! its spectrum keeps moving with the sounds being made. A recording is
//! speech when all three hold:
//!
//! 1. **Level.** The loudest 5 % of frames (95th percentile of
//!    `pcm_RMSenergy_sma`) reach [`LEVEL_FLOOR_DBFS`] (−80 dBFS, an RMS of
//!    1e-4: about 3 LSB of 16-bit audio). Below that it is silence, or a
//!    signal at the quantisation floor whose descriptors mean nothing.
//! 2. **Syllable rhythm.** Over the *active* frames (those within
//!    [`ACTIVE_RANGE_DB`] = 35 dB of that loud level), the frame level
//!    spreads by at least [`MIN_LEVEL_SPREAD_DB`] = 8 dB between its 10th and
//!    90th percentile. Steady sounds (noise, tones, hum) stay within 5 dB.
//! 3. **Moving spectrum.** Over the active frames, the spectral centroid
//!    (`pcm_fftMag_spectralCentroid_sma`) spreads by at least
//!    [`MIN_CENTROID_SPREAD_OCT`] = 0.6 octave between its 10th and 90th
//!    percentile. A tone, hum, a tone with vibrato or tremolo, and white
//!    noise keep their centroid within 0.3 octave; speech alternates vowels,
//!    fricatives and pauses (0.9 to 7 octaves measured).
//!
//! Every statistic except the floor in (1) is relative to the recording's own
//! level, so the decision does not change when real speech is made 20 dB
//! quieter or louder (tested on every shared file).
//!
//! # Why not voicing
//!
//! Voicing (F0 > 0) is the obvious cue, but it is not a usable *requirement*
//! here: openSMILE (and so this crate) forces every frame whose windowed
//! energy is at most 0.001 (about −57 dBFS) unvoiced, so quiet speech has no
//! F0 at all (234 of the 956 RAVDESS files have no voiced frame 20 dB
//! down), and some real speech has next to none at any level (EMOVO's speaker
//! m1, sad: `tri-m1-d1` and `tri-m1-d2` have no voiced frame, at −38 and −44
//! dBFS). Voicing statistics ([`SpeechPresence::voiced_s`], F0
//! median and spread) are reported, and voicing and spectral entropy pick the
//! *reason* given for a rejection, but they do not decide it.
//!
//! # Reasons
//!
//! A rejection says which test failed, in words for a person:
//!
//! * level → `"silence or too little signal"` (digital silence is named);
//! * static spectrum and high spectral entropy (≥ [`NOISE_ENTROPY_BITS`]) →
//!   `"no voicing: noise"`;
//! * static spectrum with 90 % of the energy below [`HUM_ROLLOFF_HZ`] →
//!   `"mains hum"` (50/60 Hz and harmonics; a pure 50–120 Hz tone reads the
//!   same from these descriptors and is reported so);
//! * any other static spectrum → `"a steady tone, not speech"` with its
//!   frequency;
//! * a moving spectrum without the level changes of syllables → `"no voicing:
//!   noise"` when under 10 % of the active frames are voiced (pink noise),
//!   otherwise `"a steady sound without the rhythm of syllables"`.
//!
//! # What the thresholds were measured on
//!
//! All 2,892 files of the shared corpora (TESS 1,600, RAVDESS 956, EMOVO 336)
//! and the 32 real reference recordings, each at −20, 0 and +20 dB, against
//! generated signals (digital silence; near silence with peak 1e-4; white and
//! pink noise, pure tones from 50 Hz to 4 kHz at −60, −40, −20 and −6 dBFS;
//! 50 and 60 Hz hum with harmonics; a 200 Hz tone with vibrato or 4 Hz
//! tremolo). Each threshold sits between the two groups:
//!
//! | statistic | speech (min over all files and levels) | generated signals (max) | threshold |
//! |---|---|---|---|
//! | loud level | −76 dBFS (quietest RAVDESS file at −20 dB) | −83 dBFS (near silence) | −80 dBFS |
//! | level spread | 10.7 dB | 4.9 dB (pink noise), tremolo 20 dB | 8 dB |
//! | centroid spread | 0.89 octave | 0.30 octave (50 Hz hum), pink noise 1.07 | 0.6 octave |
//!
//! Each generated signal fails at least one test (the tremolo tone fails the
//! centroid test, pink noise the level test). Two TESS files
//! (`OAF_back_angry`, `YAF_beg_sad`, 16-bit, 44.1 kHz) hold speech recorded
//! about 70 dB below the rest of the corpus: loud level −95 and −99 dBFS
//! against a TESS median of −24, peak 6.6e-5, i.e. samples within ±2 LSB.
//! Amplified by 60 dB they show 0.4 and 0.8 s voiced at 145 and 286 Hz. At
//! their own level they are rejected as "too little signal", which is the
//! defined result: a waveform of five quantisation steps carries no usable
//! prosody. (20 dB up they reach −75 and −79 dBFS and pass.)
//!
//! Not covered: other sounds with a syllable-like rhythm and a moving
//! spectrum (music, several speakers, a dog) pass as speech; this is a gate
//! against empty and synthetic input, not a voice-activity detector.

use super::FeatureMatrix;

/// Speech must reach this level (dBFS) in its loudest 5 % of frames. Speech
/// from the shared corpora is at −56 dBFS or louder at its own level and at
/// −76 dBFS or louder 20 dB down; generated near silence (peak 1e-4) is at
/// −83 dBFS and the two near-silent TESS files at −95 and −99 dBFS.
pub const LEVEL_FLOOR_DBFS: f64 = -80.0;

/// Frames within this many dB of the loud level count as active: speech,
/// its softer consonants and breath, but not the room between sentences.
pub const ACTIVE_RANGE_DB: f64 = 35.0;

/// Minimum spread (10th to 90th percentile, dB) of the level of active
/// frames. Measured: speech 10.7 dB or more; white noise 0.5, pink noise 4.9,
/// tones 0.1, hum 0.3, vibrato 0.2.
pub const MIN_LEVEL_SPREAD_DB: f64 = 8.0;

/// Minimum spread (10th to 90th percentile, octaves) of the spectral
/// centroid of active frames. Measured: speech 0.89 octave or more; tones 0.08,
/// vibrato 0.16, hum 0.30, white noise 0.14, tremolo 0.
pub const MIN_CENTROID_SPREAD_OCT: f64 = 0.6;

/// Median spectral entropy (bits, of 8 for a flat 256-bin spectrum) from which
/// a rejected signal is called noise rather than a tone: white noise 7.4,
/// pink 5.4; tones and hum 1.5 to 2.4.
pub const NOISE_ENTROPY_BITS: f64 = 4.5;

/// A steady sound with 90 % of its energy below this frequency (median
/// `spectralRollOff90`) is reported as mains hum: 50 and 60 Hz hum with
/// harmonics measure 94 and 156 Hz, a 150 Hz tone 188 Hz (the FFT bins are
/// 31.25 Hz apart).
pub const HUM_ROLLOFF_HZ: f64 = 170.0;

/// Below this share of voiced active frames, a steady sound is called noise.
pub const NOISE_MAX_VOICED_SHARE: f64 = 0.1;

/// The verdict of [`speech_presence`] and the statistics behind it. All
/// durations count 10 ms frames; levels are dBFS (0 = a full-scale square
/// wave; digital silence reads −200).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SpeechPresence {
    /// Whether the recording contains speech.
    pub speech: bool,
    /// Why not, in words for a person; `None` when `speech`.
    pub reason: Option<String>,
    /// Length of the analysed frames, seconds.
    pub duration_s: f64,
    /// Level of the loudest 5 % of frames (95th percentile of frame RMS).
    pub loud_dbfs: f64,
    /// Time within [`ACTIVE_RANGE_DB`] of `loud_dbfs`.
    pub active_s: f64,
    /// Time with an F0 (`F0final_sma` > 0).
    pub voiced_s: f64,
    /// Voiced share of the active frames (0..=1).
    pub voiced_share: f64,
    /// Median F0 of voiced frames, Hz; `None` without voiced frames.
    pub f0_median_hz: Option<f64>,
    /// F0 range of voiced frames, 10th to 90th percentile, semitones (a tone:
    /// under 0.1; speech: typically 3 to 15); `None` without voiced frames.
    pub f0_spread_st: Option<f64>,
    /// Level spread of active frames, 10th to 90th percentile, dB.
    pub level_spread_db: f64,
    /// Spectral centroid spread of active frames, 10th to 90th percentile,
    /// octaves.
    pub centroid_spread_oct: f64,
    /// Median spectral entropy of active frames, bits.
    pub entropy_bits: f64,
    /// Median frequency below which half the energy of active frames lies, Hz.
    pub rolloff50_hz: f64,
    /// Median frequency below which 90 % of the energy of active frames lies, Hz.
    pub rolloff90_hz: f64,
}

/// The values of column `name` of `m`, frame by frame.
///
/// Panics when `m` lacks the column: the gate is defined on ComParE_2016
/// descriptors only.
fn column(m: &FeatureMatrix, name: &str) -> Vec<f32> {
    let j = m
        .column_index(name)
        .unwrap_or_else(|| panic!("speech_presence needs the ComParE_2016 column {name}; the matrix has none"));
    m.column(j)
}

/// The `q` quantile (0..=1, nearest rank) of `v`, reordering `v`; `None` when empty.
fn quantile(v: &mut [f64], q: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let k = ((v.len() - 1) as f64 * q).round() as usize;
    Some(*v.select_nth_unstable_by(k, |a, b| a.total_cmp(b)).1)
}

/// The 90th minus the 10th percentile of `v`; 0 when empty.
fn spread(v: &mut [f64]) -> f64 {
    match (quantile(v, 0.9), quantile(v, 0.1)) {
        (Some(hi), Some(lo)) => hi - lo,
        _ => 0.0,
    }
}

fn dbfs(rms: f32) -> f64 {
    20.0 * (rms as f64).max(1e-10).log10()
}

/// Decides whether `m` (the 65 ComParE_2016 LLD columns, or 130 with their
/// deltas; columns are found by name) holds speech. See the module
/// documentation for the tests and their thresholds.
///
/// # Panics
///
/// When a needed column is missing (`F0final_sma`, `pcm_RMSenergy_sma`,
/// `pcm_fftMag_spectralCentroid_sma`, `pcm_fftMag_spectralEntropy_sma`,
/// `pcm_fftMag_spectralRollOff50.0_sma`, `pcm_fftMag_spectralRollOff90.0_sma`).
pub fn speech_presence(m: &FeatureMatrix) -> SpeechPresence {
    speech_presence_after_gain(m, 0.0)
}

/// [`speech_presence`] of descriptors computed after the input was raised by
/// `gain_db` (see [`crate::audio::normalize_level`]): every test but the
/// level floor is relative to the recording's own level, and the floor is
/// applied to the level before the gain, so normalising the level changes
/// no verdict.
pub fn speech_presence_after_gain(m: &FeatureMatrix, gain_db: f64) -> SpeechPresence {
    let n = m.n_frames();
    let hop = m.hop_s;
    let f0 = column(m, "F0final_sma");
    let level: Vec<f64> = column(m, "pcm_RMSenergy_sma").into_iter().map(dbfs).collect();
    let centroid = column(m, "pcm_fftMag_spectralCentroid_sma");
    let entropy = column(m, "pcm_fftMag_spectralEntropy_sma");
    let rolloff50 = column(m, "pcm_fftMag_spectralRollOff50.0_sma");
    let rolloff90 = column(m, "pcm_fftMag_spectralRollOff90.0_sma");

    let loud = quantile(&mut level.clone(), 0.95).unwrap_or(dbfs(0.0));
    let digital_silence = level.iter().all(|&d| d <= dbfs(0.0));
    let active: Vec<usize> = (0..n).filter(|&i| level[i] >= loud - ACTIVE_RANGE_DB).collect();
    let over_active = |f: &dyn Fn(usize) -> f64| -> Vec<f64> { active.iter().map(|&i| f(i)).collect() };

    let n_voiced = f0.iter().filter(|&&v| v > 0.0).count();
    let n_voiced_active = active.iter().filter(|&&i| f0[i] > 0.0).count();
    let mut semitones: Vec<f64> = f0.iter().filter(|&&v| v > 0.0).map(|&v| 12.0 * (v as f64 / 100.0).log2()).collect();
    let f0_median_hz = quantile(&mut semitones, 0.5).map(|st| 100.0 * 2f64.powf(st / 12.0));
    let f0_spread_st = (!semitones.is_empty()).then(|| spread(&mut semitones));

    let mut p = SpeechPresence {
        speech: false,
        reason: None,
        duration_s: n as f64 * hop,
        loud_dbfs: if digital_silence { loud } else { loud - gain_db },
        active_s: active.len() as f64 * hop,
        voiced_s: n_voiced as f64 * hop,
        voiced_share: n_voiced_active as f64 / active.len().max(1) as f64,
        f0_median_hz,
        f0_spread_st,
        level_spread_db: spread(&mut over_active(&|i| level[i])),
        // Centroids under 1 Hz (silent frames) count as 1 Hz.
        centroid_spread_oct: spread(&mut over_active(&|i| (centroid[i] as f64).max(1.0).log2())),
        entropy_bits: quantile(&mut over_active(&|i| entropy[i] as f64), 0.5).unwrap_or(0.0),
        rolloff50_hz: quantile(&mut over_active(&|i| rolloff50[i] as f64), 0.5).unwrap_or(0.0),
        rolloff90_hz: quantile(&mut over_active(&|i| rolloff90[i] as f64), 0.5).unwrap_or(0.0),
    };
    p.reason = rejection(&p, digital_silence);
    p.speech = p.reason.is_none();
    p
}

/// Why `p` is not speech, or `None` when it is.
fn rejection(p: &SpeechPresence, digital_silence: bool) -> Option<String> {
    if digital_silence {
        return Some("silence or too little signal: digital silence (all samples zero)".into());
    }
    if p.loud_dbfs < LEVEL_FLOOR_DBFS {
        return Some(format!(
            "silence or too little signal: the loudest frames reach {:.0} dBFS, below the {LEVEL_FLOOR_DBFS:.0} dBFS speech needs",
            p.loud_dbfs
        ));
    }
    if p.centroid_spread_oct < MIN_CENTROID_SPREAD_OCT {
        if p.entropy_bits >= NOISE_ENTROPY_BITS {
            return Some(format!(
                "no voicing: noise (a flat spectrum, {:.1} bits of entropy, that does not change as speech does)",
                p.entropy_bits
            ));
        }
        if p.rolloff90_hz < HUM_ROLLOFF_HZ {
            return Some(format!(
                "mains hum: a steady sound with 90 % of its energy below {:.0} Hz, not speech",
                p.rolloff90_hz
            ));
        }
        // F0 is exact where it matches the spectrum; SHS reports a
        // subharmonic of tones above its 500 Hz range, so fall back to the
        // (bin-quantised) median frequency there.
        let hz = match p.f0_median_hz {
            Some(f) if p.voiced_share >= 0.5 && (f - p.rolloff50_hz).abs() < 50.0 => f,
            _ => p.rolloff50_hz,
        };
        return Some(format!("a steady tone, not speech (about {hz:.0} Hz, its spectrum does not change)"));
    }
    if p.level_spread_db < MIN_LEVEL_SPREAD_DB {
        if p.voiced_share < NOISE_MAX_VOICED_SHARE {
            return Some(format!(
                "no voicing: noise (steady level, spread {:.1} dB, and {:.0} % of frames voiced)",
                p.level_spread_db,
                100.0 * p.voiced_share
            ));
        }
        return Some(format!(
            "a steady sound without the rhythm of syllables (level spread {:.1} dB), not speech",
            p.level_spread_db
        ));
    }
    None
}
