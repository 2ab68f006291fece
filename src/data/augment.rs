//! Training-time augmentation of the waveform, seeded: the recording
//! conditions a user's microphone adds and the shared corpora lack.
//!
//! Every shared corpus was recorded in a quiet studio, so a model trained on
//! them has never heard a noisy room, a telephone, a reverberant kitchen or a
//! cheap microphone driven into clipping, and may read any of them as
//! emotion. Each transform below imitates one of these, cheaply (O(n), no
//! impulse responses or noise files to ship): gain, additive noise (white,
//! pink, or another utterance as babble) at 0-30 dB SNR, speed perturbation,
//! telephone band limiting (300-3,400 Hz), synthetic reverberation (a
//! Schroeder reverberator) and mild clipping. Which transforms apply, and
//! how strongly, is drawn from a [`Rng`] per utterance and copy, so a seed
//! gives the same augmented data every time (and after a resume).

use serde::{Deserialize, Serialize};

use crate::audio::{resample, TARGET_RATE};
use crate::rng::Rng;

/// How often and how strongly each transform applies (probabilities per
/// utterance and copy; ranges are drawn uniformly). A `[augment]` table in a
/// training config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AugmentConfig {
    /// Augmented copies of each training utterance with audio; training
    /// cycles through the clean set and the copies, one per epoch. 0: off.
    pub copies: usize,
    pub gain_db: (f64, f64),
    /// Additive noise: white or pink, or babble (another training utterance).
    pub p_noise: f64,
    pub p_babble: f64,
    pub snr_db: (f64, f64),
    /// Speed perturbation (tempo and pitch together, as resampling does).
    pub p_speed: f64,
    pub speed: (f64, f64),
    /// Telephone band, 300-3,400 Hz.
    pub p_telephone: f64,
    /// Synthetic reverberation with a reverberation time (RT60) in seconds.
    pub p_reverb: f64,
    pub rt60_s: (f64, f64),
    /// Clipping at a quantile of the absolute sample values.
    pub p_clip: f64,
    pub clip_quantile: (f64, f64),
    /// Draw each speaker's transforms once per copy rather than each
    /// utterance's ([`draw_stream`]): every recording of a speaker in a copy
    /// then gets the same speed, reverberation, noise level and band, so the
    /// copy is a new voice through one channel, and speaker normalisation
    /// (which standardises the copy by that voice's own statistics) sees a
    /// new speaker rather than the old one's level plus noise.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub per_speaker: bool,
}

impl Default for AugmentConfig {
    fn default() -> Self {
        AugmentConfig {
            copies: 0,
            gain_db: (-10.0, 10.0),
            p_noise: 0.5,
            p_babble: 0.3,
            snr_db: (0.0, 30.0),
            p_speed: 0.3,
            speed: (0.9, 1.1),
            p_telephone: 0.2,
            p_reverb: 0.3,
            rt60_s: (0.2, 0.8),
            p_clip: 0.1,
            clip_quantile: (0.95, 0.995),
            per_speaker: false,
        }
    }
}

impl AugmentConfig {
    /// No copies: nothing is augmented (and a config need not say how).
    pub fn is_off(&self) -> bool {
        self.copies == 0
    }
}

/// The generators an utterance's augmented copy is drawn from, seeded by the
/// training seed and the copy: which transforms and how strong, on a stream
/// of the utterance (its index) or, with `per_speaker`, of its speaker (an
/// FNV-1a hash of `Utterance::speaker_key`'s corpus and id joined by `/`,
/// so that a voice draws the same transforms
/// whatever order its utterances come in); and with `per_speaker`, a second
/// one for the noise's samples, on the utterance's stream (for [`augment`]'s
/// `samples`; without it the first serves both, as it always has).
pub fn draw_streams(
    c: &AugmentConfig,
    seed: u64,
    copy: usize,
    utterance: usize,
    (corpus, speaker): (&str, &str),
) -> (Rng, Option<Rng>) {
    let seed = seed ^ 0xA06_u64.wrapping_mul(copy as u64);
    let own = Rng::derive(seed, utterance as u64);
    if !c.per_speaker {
        return (own, None);
    }
    let key = corpus.bytes().chain([b'/']).chain(speaker.bytes());
    let voice = key.fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    (Rng::derive(seed, voice), Some(own))
}

/// What [`augment`] did to one utterance, for logs and tests.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    pub gain_db: f64,
    pub noise: Option<(&'static str, f64)>,
    pub speed: Option<f64>,
    pub telephone: bool,
    pub rt60_s: Option<f64>,
    pub clip_quantile: Option<f64>,
}

/// An augmented copy of mono 16 kHz `x`. `babble` is another utterance to mix
/// in as background speech when that is drawn (white or pink noise when it is
/// `None`).
///
/// `samples`: where the noise's samples come from (`None`: `rng`, which
/// then also decides everything after the noise; see [`draw_streams`]).
pub fn augment(
    x: &[f32],
    babble: Option<&[f32]>,
    c: &AugmentConfig,
    rng: &mut Rng,
    samples: Option<&mut Rng>,
) -> (Vec<f32>, Applied) {
    let mut applied = Applied::default();
    let mut y = x.to_vec();
    if rng.next_f64() < c.p_speed {
        let f = rng.uniform(c.speed.0, c.speed.1);
        let to = (f64::from(TARGET_RATE) / f).round() as u32;
        if let Ok(z) = resample(&y, TARGET_RATE, to) {
            if !z.is_empty() {
                y = z;
                applied.speed = Some(f);
            }
        }
    }
    if rng.next_f64() < c.p_reverb {
        let rt60 = rng.uniform(c.rt60_s.0, c.rt60_s.1);
        let wet = rng.uniform(0.2, 0.6) as f32;
        reverberate(&mut y, rt60, wet);
        applied.rt60_s = Some(rt60);
    }
    if rng.next_f64() < c.p_noise {
        let snr = rng.uniform(c.snr_db.0, c.snr_db.1);
        let (kind, noise) = match babble {
            Some(b) if !b.is_empty() && rng.next_f64() < c.p_babble => ("babble", tile(b, y.len())),
            _ if rng.next_f64() < 0.5 => ("white", white(y.len(), samples.unwrap_or(rng))),
            _ => ("pink", pink(y.len(), samples.unwrap_or(rng))),
        };
        add_at_snr(&mut y, &noise, snr);
        applied.noise = Some((kind, snr));
    }
    if rng.next_f64() < c.p_telephone {
        band_limit(&mut y, 300.0, 3400.0);
        applied.telephone = true;
    }
    let gain_db = rng.uniform(c.gain_db.0, c.gain_db.1);
    let g = 10f64.powf(gain_db / 20.0) as f32;
    y.iter_mut().for_each(|v| *v *= g);
    applied.gain_db = gain_db;
    if rng.next_f64() < c.p_clip {
        let q = rng.uniform(c.clip_quantile.0, c.clip_quantile.1);
        clip_at_quantile(&mut y, q);
        applied.clip_quantile = Some(q);
    }
    (y, applied)
}

fn power(x: &[f32]) -> f64 {
    x.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / x.len().max(1) as f64
}

/// Adds `noise` scaled so that the signal-to-noise ratio is `snr_db`.
fn add_at_snr(x: &mut [f32], noise: &[f32], snr_db: f64) {
    let (px, pn) = (power(x), power(noise));
    if px <= 0.0 || pn <= 0.0 {
        return;
    }
    let scale = (px / pn / 10f64.powf(snr_db / 10.0)).sqrt() as f32;
    for (v, n) in x.iter_mut().zip(noise) {
        *v += scale * n;
    }
}

fn tile(x: &[f32], n: usize) -> Vec<f32> {
    x.iter().copied().cycle().take(n).collect()
}

fn white(n: usize, rng: &mut Rng) -> Vec<f32> {
    (0..n).map(|_| rng.uniform(-1.0, 1.0) as f32).collect()
}

/// Pink (1/f) noise: white noise through Paul Kellet's economy filter.
fn pink(n: usize, rng: &mut Rng) -> Vec<f32> {
    let (mut b0, mut b1, mut b2) = (0.0f64, 0.0f64, 0.0f64);
    (0..n)
        .map(|_| {
            let w = rng.uniform(-1.0, 1.0);
            b0 = 0.99765 * b0 + w * 0.0990460;
            b1 = 0.96300 * b1 + w * 0.2965164;
            b2 = 0.57000 * b2 + w * 1.0526913;
            (b0 + b1 + b2 + w * 0.1848) as f32
        })
        .collect()
}

/// A second-order section (RBJ's cookbook), run in place.
struct Biquad {
    b: [f64; 3],
    a: [f64; 2],
}

impl Biquad {
    fn new(high_pass: bool, hz: f64) -> Self {
        let w = 2.0 * std::f64::consts::PI * hz / f64::from(TARGET_RATE);
        let alpha = w.sin() / (2.0 * std::f64::consts::FRAC_1_SQRT_2);
        let cos = w.cos();
        let a0 = 1.0 + alpha;
        let b = if high_pass {
            [(1.0 + cos) / 2.0, -(1.0 + cos), (1.0 + cos) / 2.0]
        } else {
            [(1.0 - cos) / 2.0, 1.0 - cos, (1.0 - cos) / 2.0]
        };
        Biquad { b: b.map(|v| v / a0), a: [-2.0 * cos / a0, (1.0 - alpha) / a0] }
    }

    fn run(&self, x: &mut [f32]) {
        let (mut x1, mut x2, mut y1, mut y2) = (0.0, 0.0, 0.0, 0.0);
        for v in x.iter_mut() {
            let x0 = f64::from(*v);
            let y0 = self.b[0] * x0 + self.b[1] * x1 + self.b[2] * x2 - self.a[0] * y1 - self.a[1] * y2;
            (x2, x1, y2, y1) = (x1, x0, y1, y0);
            *v = y0 as f32;
        }
    }
}

/// Keeps `low`..`high` Hz (two Butterworth sections each side, 24 dB/octave).
fn band_limit(x: &mut [f32], low: f64, high: f64) {
    for f in [Biquad::new(true, low), Biquad::new(true, low), Biquad::new(false, high), Biquad::new(false, high)] {
        f.run(x);
    }
}

/// Schroeder's reverberator: four parallel feedback combs (their gains set
/// for the reverberation time) into two allpasses, mixed with the dry signal.
fn reverberate(x: &mut [f32], rt60_s: f64, wet: f32) {
    let rate = f64::from(TARGET_RATE);
    let mut out = vec![0.0f32; x.len()];
    for delay_ms in [29.7, 37.1, 41.1, 43.7] {
        let d = (delay_ms * rate / 1000.0) as usize;
        let g = 10f64.powf(-3.0 * delay_ms / 1000.0 / rt60_s) as f32;
        let mut y = vec![0.0f32; x.len()];
        for i in 0..x.len() {
            y[i] = x[i] + if i >= d { g * y[i - d] } else { 0.0 };
            out[i] += 0.25 * y[i];
        }
    }
    for delay_ms in [5.0, 1.7] {
        let d = (delay_ms * rate / 1000.0) as usize;
        let g = 0.7f32;
        let input = out.clone();
        for i in 0..out.len() {
            let delayed_in = if i >= d { input[i - d] } else { 0.0 };
            let delayed_out = if i >= d { out[i - d] } else { 0.0 };
            out[i] = -g * input[i] + delayed_in + g * delayed_out;
        }
    }
    for (v, r) in x.iter_mut().zip(&out) {
        *v = (1.0 - wet) * *v + wet * r;
    }
}

/// Clips at the `q` quantile of |x| (so 1 - q of the samples are clipped).
fn clip_at_quantile(x: &mut [f32], q: f64) {
    if x.is_empty() {
        return;
    }
    let mut a: Vec<f32> = x.iter().map(|v| v.abs()).collect();
    let k = ((a.len() - 1) as f64 * q).round() as usize;
    let (_, &mut t, _) = a.select_nth_unstable_by(k, f32::total_cmp);
    if t > 0.0 {
        x.iter_mut().for_each(|v| *v = v.clamp(-t, t));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speechlike(n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| {
                let t = i as f32 / 16_000.0;
                0.2 * (2.0 * std::f32::consts::PI * 180.0 * t).sin()
                    * (0.5 + 0.5 * (2.0 * std::f32::consts::PI * 4.0 * t).sin())
            })
            .collect()
    }

    #[test]
    fn per_speaker_draws_one_voice_per_speaker_and_copy() {
        let (x, y) = (speechlike(16_000), speechlike(12_000));
        let c = AugmentConfig { copies: 2, p_speed: 1.0, per_speaker: true, ..AugmentConfig::default() };
        let how = |copy, i, who: (&str, &str), x: &[f32]| {
            let (mut voice, mut samples) = draw_streams(&c, 42, copy, i, who);
            augment(x, None, &c, &mut voice, samples.as_mut()).1
        };
        let first = how(1, 0, ("tess", "OAF"), &x);
        // Another recording of the same speaker in the same copy: the same
        // transforms; another speaker, or another copy: others.
        assert_eq!(how(1, 7, ("tess", "OAF"), &y), first);
        assert_ne!(how(1, 0, ("tess", "YAF"), &x).speed, first.speed);
        assert_ne!(how(2, 0, ("tess", "OAF"), &x).speed, first.speed);
        // Without it, each utterance draws its own.
        let apart = AugmentConfig { per_speaker: false, ..c.clone() };
        let own = |i| {
            let (mut rng, samples) = draw_streams(&apart, 42, 1, i, ("tess", "OAF"));
            assert!(samples.is_none());
            augment(&x, None, &apart, &mut rng, None).1.speed
        };
        assert_ne!(own(0), own(7));
    }

    #[test]
    fn seeded_and_each_transform_does_what_it_says() {
        let x = speechlike(16_000);
        let always = AugmentConfig {
            copies: 1,
            p_noise: 1.0,
            p_babble: 0.0,
            p_speed: 1.0,
            p_telephone: 1.0,
            p_reverb: 1.0,
            p_clip: 1.0,
            ..AugmentConfig::default()
        };
        let (a, how) = augment(&x, None, &always, &mut Rng::new(5), None);
        let (b, _) = augment(&x, None, &always, &mut Rng::new(5), None);
        assert_eq!(a, b, "the same seed gives the same copy");
        assert_ne!(augment(&x, None, &always, &mut Rng::new(6), None).0, a);
        let f = how.speed.unwrap();
        assert!((a.len() as f64 - 16_000.0 / f).abs() <= 2.0, "speed {f}: {} samples", a.len());
        assert!(how.telephone && how.rt60_s.is_some() && how.clip_quantile.is_some() && how.noise.is_some());
        assert!(a.iter().all(|v| v.is_finite()));

        // Noise at a given SNR.
        let mut y = x.clone();
        let n = white(y.len(), &mut Rng::new(1));
        add_at_snr(&mut y, &n, 10.0);
        let added: Vec<f32> = y.iter().zip(&x).map(|(p, q)| p - q).collect();
        assert!((10.0 * (power(&x) / power(&added)).log10() - 10.0).abs() < 1e-3);

        // The telephone band removes 100 Hz and keeps 1 kHz.
        let tone = |hz: f32| {
            (0..16_000).map(|i| (2.0 * std::f32::consts::PI * hz * i as f32 / 16_000.0).sin()).collect::<Vec<f32>>()
        };
        let (mut low, mut mid) = (tone(100.0), tone(1000.0));
        band_limit(&mut low, 300.0, 3400.0);
        band_limit(&mut mid, 300.0, 3400.0);
        assert!(power(&low[4000..]) < 0.01 * 0.5, "{}", power(&low[4000..]));
        assert!(power(&mid[4000..]) > 0.8 * 0.5, "{}", power(&mid[4000..]));

        // Clipping at the 95th percentile clips about 5 % of the samples.
        let mut c = x.clone();
        clip_at_quantile(&mut c, 0.95);
        let peak = c.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let clipped = c.iter().filter(|v| v.abs() >= peak).count() as f64 / c.len() as f64;
        assert!((0.03..0.07).contains(&clipped), "{clipped}");

        // Reverberation leaves a tail after the signal stops.
        let mut burst = vec![0.0f32; 16_000];
        burst[..800].copy_from_slice(&x[..800]);
        reverberate(&mut burst, 0.5, 0.5);
        assert!(power(&burst[2000..6000]) > 1e-6);
    }
}
