//! Audio input: decoding every supported format, the down-mix, resampling
//! quality and alignment, and the defined outcome of every kind of bad input.
//!
//! WAV inputs are generated here in memory; the codec fixtures under
//! tests/fixtures/ were made by tests/fixtures/make-fixtures.sh (0.5 s of a
//! 440 Hz sine at half scale, 44.1 kHz).

use std::f64::consts::PI;
use std::path::{Path, PathBuf};
use std::time::Instant;

use emorec::audio::AudioError;
use emorec::audio::{
    decode_bytes, decode_file, load_16k, load_16k_bytes, prepare, resample, resampled_len, Audio, MAX_DURATION_S,
    TARGET_RATE,
};

// ---------------------------------------------------------------- helpers

#[derive(Clone, Copy, Debug)]
enum Fmt {
    U8,
    I16,
    I24,
    I32,
    F32,
    F64,
}

/// A minimal RIFF/WAVE writer: `interleaved` samples in [-1, 1] (floats may go beyond).
fn wav_bytes(interleaved: &[f64], channels: u16, rate: u32, fmt: Fmt) -> Vec<u8> {
    let (tag, bits): (u16, u16) = match fmt {
        Fmt::U8 => (1, 8),
        Fmt::I16 => (1, 16),
        Fmt::I24 => (1, 24),
        Fmt::I32 => (1, 32),
        Fmt::F32 => (3, 32),
        Fmt::F64 => (3, 64),
    };
    let mut data = Vec::with_capacity(interleaved.len() * usize::from(bits / 8));
    for &x in interleaved {
        let int = |scale: f64, lo: f64, hi: f64| (x * scale).round().clamp(lo, hi) as i64;
        match fmt {
            Fmt::U8 => data.push((int(128.0, -128.0, 127.0) + 128) as u8),
            Fmt::I16 => data.extend_from_slice(&(int(32768.0, -32768.0, 32767.0) as i16).to_le_bytes()),
            Fmt::I24 => data.extend_from_slice(&(int(8388608.0, -8388608.0, 8388607.0) as i32).to_le_bytes()[..3]),
            Fmt::I32 => data.extend_from_slice(&(int(2147483648.0, -2147483648.0, 2147483647.0) as i32).to_le_bytes()),
            Fmt::F32 => data.extend_from_slice(&(x as f32).to_le_bytes()),
            Fmt::F64 => data.extend_from_slice(&x.to_le_bytes()),
        }
    }
    let block_align = channels * bits / 8;
    let mut out = Vec::with_capacity(data.len() + 44);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&tag.to_le_bytes());
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * u32::from(block_align)).to_le_bytes());
    out.extend_from_slice(&block_align.to_le_bytes());
    out.extend_from_slice(&bits.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&data);
    out
}

fn sine(freq: f64, rate: u32, n: usize, amp: f64) -> Vec<f64> {
    (0..n).map(|i| amp * (2.0 * PI * freq * i as f64 / f64::from(rate)).sin()).collect()
}

fn sine_f32(freq: f64, rate: u32, n: usize, amp: f64) -> Vec<f32> {
    sine(freq, rate, n, amp).into_iter().map(|x| x as f32).collect()
}

/// Amplitude of the component at `freq` (Hann-windowed single-bin DFT,
/// normalised so that a full-length sine of amplitude A gives A).
fn tone_amplitude(x: &[f32], rate: u32, freq: f64) -> f64 {
    let n = x.len();
    let (mut re, mut im, mut wsum) = (0.0f64, 0.0f64, 0.0f64);
    let w0 = 2.0 * PI * freq / f64::from(rate);
    for (i, &v) in x.iter().enumerate() {
        let w = 0.5 - 0.5 * (2.0 * PI * i as f64 / n as f64).cos();
        re += w * f64::from(v) * (w0 * i as f64).cos();
        im -= w * f64::from(v) * (w0 * i as f64).sin();
        wsum += w;
    }
    2.0 * (re * re + im * im).sqrt() / wsum
}

/// Frequency of the strongest component within `lo..=hi` Hz: the peak of a
/// Hann-windowed, 16x zero-padded FFT, refined by parabolic interpolation.
fn dominant_freq(x: &[f32], rate: u32, lo: f64, hi: f64) -> f64 {
    use rustfft::{num_complex::Complex, FftPlanner};
    let n = x.len();
    let size = (16 * n).next_power_of_two();
    let mut buf: Vec<Complex<f64>> = (0..size)
        .map(|i| {
            let v = if i < n { f64::from(x[i]) * (0.5 - 0.5 * (2.0 * PI * i as f64 / n as f64).cos()) } else { 0.0 };
            Complex::new(v, 0.0)
        })
        .collect();
    FftPlanner::new().plan_fft_forward(size).process(&mut buf);
    let hz = f64::from(rate) / size as f64;
    let (k_lo, k_hi) = ((lo / hz).ceil() as usize, ((hi / hz).floor() as usize).min(size / 2 - 1));
    let mag = |k: usize| buf[k].norm();
    let k = (k_lo..=k_hi).max_by(|&a, &b| mag(a).total_cmp(&mag(b))).expect("non-empty band");
    let (a, b, c) = (mag(k - 1).ln(), mag(k).ln(), mag(k + 1).ln());
    let shift = 0.5 * (a - c) / (a - 2.0 * b + c);
    (k as f64 + shift) * hz
}

fn db(ratio: f64) -> f64 {
    20.0 * ratio.max(1e-300).log10()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn read_fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap_or_else(|e| panic!("missing fixture {name}: {e}"))
}

fn tmp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let p = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&p, bytes).expect("write temp file");
    p
}

fn assert_decode_err<T: std::fmt::Debug>(r: emorec::audio::AudioResult<T>, what: &str) -> String {
    match r {
        Err(e @ AudioError::Decode { .. }) => e.to_string(),
        other => panic!("{what}: expected AudioError::Decode, got {other:?}"),
    }
}

fn assert_invalid_audio<T: std::fmt::Debug>(r: emorec::audio::AudioResult<T>, what: &str) -> String {
    match r {
        Err(e @ AudioError::InvalidAudio { .. }) => e.to_string(),
        other => panic!("{what}: expected AudioError::InvalidAudio, got {other:?}"),
    }
}

fn assert_invalid_argument<T: std::fmt::Debug>(r: emorec::audio::AudioResult<T>, what: &str) -> String {
    match r {
        Err(e @ AudioError::InvalidArgument(_)) => e.to_string(),
        other => panic!("{what}: expected AudioError::InvalidArgument, got {other:?}"),
    }
}

/// Normalised cross-correlation at lag 0 of the overlapping part.
fn correlation(a: &[f32], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let x = f64::from(a[i]);
        ab += x * b[i];
        aa += x * x;
        bb += b[i] * b[i];
    }
    ab / (aa * bb).sqrt()
}

// ---------------------------------------------------------------- bad input

#[test]
fn empty_file_is_a_decode_error() {
    let msg = assert_decode_err(decode_bytes(Vec::new(), Some("wav")), "empty bytes");
    assert!(msg.contains("empty"), "{msg}");
    let p = tmp_file("empty.wav", &[]);
    let msg = assert_decode_err(decode_file(&p), "empty file");
    assert!(msg.contains("empty.wav"), "the error names the file: {msg}");
    assert_decode_err(load_16k(&p), "empty file via load_16k");
}

#[test]
fn missing_file_is_an_io_error() {
    let r = load_16k(Path::new("/nonexistent/emorec/nothing.wav"));
    assert!(matches!(r, Err(AudioError::Io { .. })), "{r:?}");
}

#[test]
fn header_only_wav_decodes_to_zero_samples_and_prepare_refuses_it() {
    let bytes = wav_bytes(&[], 1, 16_000, Fmt::I16);
    assert_eq!(bytes.len(), 44);
    let audio = decode_bytes(bytes.clone(), Some("wav")).expect("a header-only WAV is a valid, empty file");
    assert_eq!(audio, Audio { samples: vec![], sample_rate: 16_000, warnings: vec![] });
    let msg = assert_invalid_audio(load_16k_bytes(bytes.clone(), Some("wav")), "header-only WAV");
    assert!(msg.contains("no samples"), "{msg}");
    let p = tmp_file("header-only.wav", &bytes);
    let msg = assert_invalid_audio(load_16k(&p), "header-only WAV file");
    assert!(msg.contains("header-only.wav"), "the error names the file: {msg}");
}

#[test]
fn wav_cut_inside_its_header_is_a_decode_error() {
    let bytes = wav_bytes(&sine(440.0, 16_000, 1600, 0.5), 1, 16_000, Fmt::I16);
    for cut in [4, 12, 20, 30, 40] {
        assert_decode_err(decode_bytes(bytes[..cut].to_vec(), Some("wav")), &format!("WAV cut at {cut} bytes"));
    }
}

#[test]
fn truncated_wav_decodes_what_is_there() {
    let rate = 16_000;
    let x = sine(440.0, rate, rate as usize, 0.5);
    let bytes = wav_bytes(&x, 1, rate, Fmt::I16);
    // Cut in the middle of the data, and mid-sample (odd byte count).
    let cut = 44 + 2 * 8000 + 1;
    let audio = decode_bytes(bytes[..cut].to_vec(), Some("wav")).expect("a truncated WAV decodes what is there");
    assert_eq!(audio.sample_rate, rate);
    // At most one packet (here well under 0.1 s) is lost at the cut.
    assert!(audio.samples.len() <= 8000 && audio.samples.len() >= 8000 - 1600, "{} samples", audio.samples.len());
    for (i, (&a, &b)) in audio.samples.iter().zip(&x).enumerate() {
        assert!((f64::from(a) - b).abs() < 1.0 / 32768.0 + 1e-6, "sample {i}: {a} vs {b}");
    }
    let y = load_16k_bytes(bytes[..cut].to_vec(), Some("wav")).expect("truncated WAV through load_16k");
    assert_eq!(y.len(), audio.samples.len());
}

#[test]
fn truncated_flac_decodes_what_is_there() {
    let bytes = read_fixture("tone440.flac");
    let full = decode_bytes(bytes.clone(), Some("flac")).expect("full FLAC");
    for frac in [0.3, 0.5, 0.8, 0.95] {
        let cut = (bytes.len() as f64 * frac) as usize;
        let part = decode_bytes(bytes[..cut].to_vec(), Some("flac"))
            .unwrap_or_else(|e| panic!("FLAC cut at {frac}: expected the decodable prefix, got {e}"));
        assert_eq!(part.sample_rate, 44_100);
        let n = part.samples.len();
        assert!(n > 0 && n < full.samples.len(), "cut at {frac}: {n} of {} samples", full.samples.len());
        // Roughly proportional (the header and a frame of 4096 samples are the slack).
        let expect = full.samples.len() as f64 * frac;
        assert!(
            (n as f64 - expect).abs() < 2.0 * 4096.0 + 0.1 * expect,
            "cut at {frac}: {n} samples, expected ~{expect}"
        );
        assert_eq!(&part.samples[..], &full.samples[..n], "the decoded prefix is the same audio");
        assert!(load_16k_bytes(bytes[..cut].to_vec(), Some("flac")).is_ok());
    }
}

#[test]
fn flac_named_wav_decodes_by_content() {
    let bytes = read_fixture("tone440.flac");
    let p = tmp_file("really-a-flac.wav", &bytes);
    let a = decode_file(&p).expect("content decides, not the extension");
    let b = decode_bytes(bytes, Some("flac")).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.sample_rate, 44_100);
    assert_eq!(a.samples.len(), 22_050);
    // And an MP3 hinted as FLAC, an Ogg hinted as WAV.
    assert_eq!(decode_bytes(read_fixture("tone440.mp3"), Some("flac")).unwrap().sample_rate, 44_100);
    assert_eq!(decode_bytes(read_fixture("tone440.ogg"), Some("wav")).unwrap().sample_rate, 44_100);
}

/// Deterministic pseudo-random bytes (xorshift), so the test is reproducible.
fn noise_bytes(n: usize, mut seed: u64) -> Vec<u8> {
    (0..n)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

#[test]
fn random_bytes_are_a_decode_error() {
    for (i, n) in [1usize, 3, 100, 4096, 65_536, 300_000].into_iter().enumerate() {
        for seed in 1..6u64 {
            let bytes = noise_bytes(n, seed * 7919 + i as u64);
            assert_decode_err(decode_bytes(bytes.clone(), Some("wav")), &format!("{n} random bytes, seed {seed}"));
            assert_decode_err(decode_bytes(bytes, None), &format!("{n} random bytes, no hint"));
        }
    }
    let p = tmp_file("noise.wav", &noise_bytes(10_000, 42));
    let msg = assert_decode_err(load_16k(&p), "random bytes named .wav");
    assert!(msg.contains("noise.wav"), "{msg}");
    // Random bytes behind a real-looking RIFF/WAVE magic are still not audio.
    let mut fake = b"RIFF\x00\x10\x00\x00WAVE".to_vec();
    fake.extend(noise_bytes(4096, 3));
    assert_decode_err(decode_bytes(fake, Some("wav")), "RIFF/WAVE magic followed by noise");
    // A valid FLAC header followed by noise: the header parses, no frame decodes.
    let flac = read_fixture("tone440.flac");
    let mut damaged = flac[..200].to_vec();
    damaged.extend(noise_bytes(8000, 5));
    match decode_bytes(damaged, Some("flac")) {
        Err(AudioError::Decode { .. }) => {}
        Ok(a) => assert!(a.samples.is_empty() || a.sample_rate == 44_100, "{a:?}"),
        Err(e) => panic!("FLAC header + noise: unexpected {e:?}"),
    }
}

#[test]
fn zero_samples_are_refused_by_prepare() {
    let msg = assert_invalid_audio(prepare(&[], 16_000), "prepare(&[])");
    assert!(msg.contains("no samples"), "{msg}");
    assert_invalid_audio(prepare(&[], 44_100), "prepare(&[]) at 44.1 kHz");
}

#[test]
fn too_short_for_one_output_sample_is_refused() {
    // One sample at 44.1 kHz is 0.36 of a 16 kHz sample: round() gives 0.
    let msg = assert_invalid_audio(prepare(&[0.1], 44_100), "one sample at 44.1 kHz");
    assert!(msg.contains("too short"), "{msg}");
    // Two samples at 44.1 kHz round to one.
    assert_eq!(prepare(&[0.1, 0.2], 44_100).unwrap().len(), 1);
    assert_eq!(prepare(&[0.5], 16_000).unwrap(), vec![0.5]);
    assert_eq!(prepare(&[0.5], 8_000).unwrap().len(), 2);
}

#[test]
fn nan_and_inf_samples_are_refused_with_their_index() {
    for rate in [16_000u32, 48_000] {
        let mut x = sine_f32(440.0, rate, 5000, 0.5);
        x[1234] = f32::NAN;
        let msg = assert_invalid_audio(prepare(&x, rate), "NaN");
        assert!(msg.contains("sample 1234") && msg.contains("NaN"), "{msg}");
        x[1234] = 0.0;
        x[4321] = f32::INFINITY;
        let msg = assert_invalid_audio(prepare(&x, rate), "+Inf");
        assert!(msg.contains("sample 4321") && msg.contains("infinite"), "{msg}");
        x[4321] = f32::NEG_INFINITY;
        x[0] = f32::NAN;
        let msg = assert_invalid_audio(prepare(&x, rate), "NaN first");
        assert!(msg.contains("sample 0 "), "the first bad index is named: {msg}");
    }
}

#[test]
fn nan_and_inf_in_a_float_wav_are_refused_with_their_index() {
    for (fmt, bad, word) in [
        (Fmt::F32, f64::NAN, "NaN"),
        (Fmt::F32, f64::INFINITY, "infinite"),
        (Fmt::F64, f64::NEG_INFINITY, "infinite"),
        (Fmt::F64, f64::NAN, "NaN"),
    ] {
        let mut x = sine(440.0, 22_050, 22_050, 0.5);
        x[777] = bad;
        let bytes = wav_bytes(&x, 1, 22_050, fmt);
        // Decoding keeps the value (decoding is not validation)...
        let audio = decode_bytes(bytes.clone(), Some("wav")).unwrap();
        assert!(!audio.samples[777].is_finite());
        // ...and prepare() refuses it, naming the index, with the file name on the native path.
        let msg = assert_invalid_audio(load_16k_bytes(bytes.clone(), Some("wav")), "non-finite float WAV");
        assert!(msg.contains("sample 777") && msg.contains(word), "{fmt:?}: {msg}");
        let p = tmp_file("nan.wav", &bytes);
        let msg = assert_invalid_audio(load_16k(&p), "non-finite float WAV file");
        assert!(msg.contains("nan.wav") && msg.contains("sample 777"), "{msg}");
    }
}

#[test]
fn one_second_of_digital_silence_is_valid_and_stays_silent() {
    for rate in [16_000u32, 44_100, 48_000, 8_000] {
        let bytes = wav_bytes(&vec![0.0; rate as usize], 1, rate, Fmt::I16);
        let y = load_16k_bytes(bytes, Some("wav")).expect("silence is valid audio");
        assert_eq!(y.len(), 16_000, "{rate} Hz");
        assert!(y.iter().all(|&v| v == 0.0), "{rate} Hz: silence resamples to exact zeros");
    }
}

#[test]
fn clipped_and_over_full_scale_float_samples_are_kept() {
    // Integer full scale decodes to -1.0 exactly; float values beyond ±1 are kept as stored.
    let x = vec![1.5, -2.0, 1.0, -1.0, 0.25, 3.0];
    let audio = decode_bytes(wav_bytes(&x, 1, 16_000, Fmt::F32), Some("wav")).unwrap();
    assert_eq!(audio.samples, vec![1.5, -2.0, 1.0, -1.0, 0.25, 3.0]);
    assert_eq!(prepare(&audio.samples, 16_000).unwrap(), audio.samples, "no clamping at 16 kHz");
    // A square wave clipped at ±1 at 48 kHz: accepted; the level is kept (the
    // band-limited output may overshoot a little, Gibbs-style; that is kept too).
    let sq: Vec<f32> = (0..48_000).map(|i| if (i / 48) % 2 == 0 { 1.0 } else { -1.0 }).collect();
    let y = prepare(&sq, 48_000).expect("clipped audio is accepted");
    let peak = y.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(peak > 1.0 && peak < 1.3, "peak {peak}");
    let i16_full = decode_bytes(wav_bytes(&[1.0, -1.0], 1, 16_000, Fmt::I16), Some("wav")).unwrap();
    assert_eq!(i16_full.samples, vec![32767.0 / 32768.0, -1.0]);
}

#[test]
fn too_long_is_refused_in_prepare_and_while_decoding() {
    let rate = 4_000u32;
    let n = (MAX_DURATION_S * u64::from(rate)) as usize;
    let ok = vec![0.0f32; n];
    assert_eq!(prepare(&ok, rate).unwrap().len(), n * 4, "exactly the cap is accepted");
    let over = vec![0.0f32; n + 1];
    let msg = assert_invalid_audio(prepare(&over, rate), "one sample past the cap");
    assert!(msg.contains("maximum") && msg.contains("3600"), "{msg}");
    // The decoder stops as soon as it passes the cap (8-bit, 4 kHz: 14.4 MB of WAV).
    let bytes = wav_bytes(&vec![0.0; n + 4000], 1, rate, Fmt::U8);
    let msg = assert_invalid_audio(decode_bytes(bytes, Some("wav")), "a WAV past the cap");
    assert!(msg.contains("maximum"), "{msg}");
}

#[test]
fn sample_rates_outside_4k_to_384k_are_invalid_arguments() {
    let x = vec![0.0f32; 1000];
    for rate in [0u32, 1, 3_999, 384_001, 1_000_000, u32::MAX] {
        let msg = assert_invalid_argument(prepare(&x, rate), &format!("{rate} Hz"));
        assert!(msg.contains(&rate.to_string()) && msg.contains("4000..=384000"), "{msg}");
    }
    assert_invalid_argument(prepare(&[], 0), "empty at 0 Hz: the rate is checked first");
    for rate in [4_000u32, 384_000, 12_345] {
        assert!(prepare(&x, rate).is_ok(), "{rate} Hz");
    }
    assert_invalid_argument(resample(&x, 44_100, 1), "resample to 1 Hz");
}

#[test]
fn ten_minutes_of_48k_audio_work_and_are_fast() {
    let rate = 48_000u32;
    let n = 600 * rate as usize;
    // 10 minutes of a 440 Hz tone with a slow 0.5 Hz amplitude modulation, as 16-bit WAV bytes (57.6 MB).
    let x: Vec<f64> = (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            0.4 * (1.0 + 0.5 * (2.0 * PI * 0.5 * t).sin()) * (2.0 * PI * 440.0 * t).sin()
        })
        .collect();
    let bytes = wav_bytes(&x, 1, rate, Fmt::I16);
    drop(x);
    let t0 = Instant::now();
    let audio = decode_bytes(bytes, Some("wav")).expect("10 min WAV decodes");
    let t_decode = t0.elapsed();
    assert_eq!(audio.samples.len(), n);
    let t1 = Instant::now();
    let y = prepare(&audio.samples, audio.sample_rate).expect("10 min prepares");
    let t_resample = t1.elapsed();
    eprintln!("10 min at 48 kHz: decode {t_decode:?}, resample to 16 kHz {t_resample:?}");
    assert_eq!(y.len(), 600 * 16_000);
    // Spot-check the content in the middle and at the very end against the analytic signal.
    for start in [16_000 * 300, y.len() - 16_000] {
        let seg = &y[start..start + 16_000];
        let expect: Vec<f64> = (start..start + 16_000)
            .map(|i| {
                let t = i as f64 / 16_000.0;
                0.4 * (1.0 + 0.5 * (2.0 * PI * 0.5 * t).sin()) * (2.0 * PI * 440.0 * t).sin()
            })
            .collect();
        let end = if start + 16_000 == y.len() { 15_900 } else { 16_000 };
        let err = seg[..end].iter().zip(&expect).map(|(&a, &b)| (f64::from(a) - b).abs()).fold(0.0, f64::max);
        assert!(err < 2e-3, "segment at {start}: max error {err}");
    }
}

// ---------------------------------------------------------------- rates and resampling

#[test]
fn output_length_is_rounded_n_times_16k_over_rate() {
    for rate in
        [4_000u32, 8_000, 11_025, 12_345, 22_050, 24_414, 32_000, 44_100, 48_000, 88_200, 96_000, 192_000, 384_000]
    {
        for n in [2usize, 3, 7, 100, 1_001, 24_414, 44_101, 100_003] {
            let expect = ((n as f64) * 16_000.0 / f64::from(rate)).round() as usize;
            if expect == 0 {
                continue;
            }
            assert_eq!(resampled_len(n, rate, TARGET_RATE), expect);
            let x = sine_f32(300.0, rate, n, 0.5);
            let y = prepare(&x, rate).unwrap();
            assert_eq!(y.len(), expect, "{n} samples at {rate} Hz");
            assert!(y.iter().all(|v| v.is_finite()));
        }
    }
}

#[test]
fn sixteen_khz_passes_through_bit_exact() {
    let mut x = sine_f32(440.0, 16_000, 16_000, 0.9);
    x[10] = 1.75;
    x[11] = f32::MIN_POSITIVE / 2.0; // a subnormal
    x[12] = -0.0;
    let y = prepare(&x, 16_000).unwrap();
    assert_eq!(x.len(), y.len());
    assert!(x.iter().zip(&y).all(|(a, b)| a.to_bits() == b.to_bits()));
}

/// A tone at 8 kHz and at 96 kHz input comes out as the same tone at 16 kHz.
#[test]
fn eight_and_ninety_six_khz_input() {
    for rate in [8_000u32, 96_000] {
        let x = sine(1_000.0, rate, rate as usize, 0.5);
        let bytes = wav_bytes(&x, 1, rate, Fmt::I16);
        let y = load_16k_bytes(bytes, Some("wav")).unwrap();
        assert_eq!(y.len(), 16_000, "{rate} Hz");
        let f = dominant_freq(&y, 16_000, 500.0, 7_900.0);
        assert!((f - 1_000.0).abs() < 0.5, "{rate} Hz: dominant {f} Hz");
        let expect = sine(1_000.0, 16_000, 16_000, 0.5);
        let err =
            y[200..15_800].iter().zip(&expect[200..]).map(|(&a, &b)| (f64::from(a) - b).abs()).fold(0.0, f64::max);
        assert!(err < 1e-3, "{rate} Hz: max error {err} against the analytic 16 kHz sine");
    }
}

/// 1 kHz at 44.1 kHz stays a 1 kHz sine with the same amplitude and phase.
#[test]
fn resampled_sine_stays_the_same_sine() {
    for rate in [44_100u32, 22_050, 24_414, 48_000, 11_025, 32_000, 12_345] {
        let x = sine_f32(1_000.0, rate, rate as usize, 0.5);
        let y = prepare(&x, rate).unwrap();
        let expect = sine(1_000.0, 16_000, y.len(), 0.5);
        // Away from the edges (the abrupt start and end of the sine are broadband).
        let err = y[300..y.len() - 300]
            .iter()
            .zip(&expect[300..])
            .map(|(&a, &b)| (f64::from(a) - b).abs())
            .fold(0.0, f64::max);
        eprintln!("1 kHz at {rate} Hz -> 16 kHz: max error {err:.2e} ({:.1} dB re amplitude)", db(err / 0.5));
        assert!(err < 5e-4, "{rate} Hz: max error {err}");
    }
}

/// Above the new Nyquist frequency (8 kHz) the tone must vanish rather than
/// fold back: 9 kHz at 48 kHz would alias to 7 kHz.
#[test]
fn no_aliasing_above_8_khz() {
    let rate = 48_000;
    let n = rate as usize;
    let pass = prepare(&sine_f32(7_500.0, rate, n, 0.5), rate).unwrap();
    let stop = prepare(&sine_f32(9_000.0, rate, n, 0.5), rate).unwrap();
    let a_pass = tone_amplitude(&pass, 16_000, 7_500.0);
    let a_alias = tone_amplitude(&stop, 16_000, 7_000.0);
    // Total output power of the 9 kHz tone away from its abrupt start and end
    // (switching a tone on is broadband, and that part legitimately passes).
    let mid = &stop[800..stop.len() - 800];
    let rms_stop = (mid.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / mid.len() as f64).sqrt();
    eprintln!(
        "48 kHz: 7.5 kHz passes at {:.2} dB; 9 kHz aliased to 7 kHz at {:.1} dB; 9 kHz output RMS (edges excluded) {:.1} dB re input RMS",
        db(a_pass / 0.5),
        db(a_alias / 0.5),
        db(rms_stop / (0.5 / 2f64.sqrt()))
    );
    assert!(db(a_pass / 0.5).abs() < 0.1, "7.5 kHz must pass: {a_pass}");
    assert!(db(a_alias / 0.5) < -80.0, "9 kHz must not alias to 7 kHz: {a_alias}");
    assert!(db(rms_stop / (0.5 / 2f64.sqrt())) < -90.0, "9 kHz output RMS: {rms_stop}");
    // The same at 44.1 kHz (folding 8.5 kHz to 7.5 kHz).
    let stop = prepare(&sine_f32(8_500.0, 44_100, 44_100, 0.5), 44_100).unwrap();
    assert!(db(tone_amplitude(&stop, 16_000, 7_500.0) / 0.5) < -80.0);
    // Passband flatness up to 7 kHz.
    for f in [100.0, 1_000.0, 3_000.0, 5_000.0, 7_000.0] {
        let y = prepare(&sine_f32(f, 44_100, 44_100, 0.5), 44_100).unwrap();
        let g = db(tone_amplitude(&y, 16_000, f) / 0.5);
        assert!(g.abs() < 0.05, "{f} Hz: gain {g} dB");
    }
}

/// An impulse lands on the output sample at the same time, and the response
/// is symmetric around it (linear phase, delay fully trimmed).
#[test]
fn resampler_is_time_aligned() {
    for (rate, step_in, step_out) in
        [(48_000u32, 3usize, 1usize), (44_100, 441, 160), (8_000, 1, 2), (24_414, 12_207, 8_000)]
    {
        for k in [1usize, 7, 20] {
            let pos_in = step_in * k * if step_in < 100 { 1000 } else { 1 };
            let pos_out = step_out * k * if step_in < 100 { 1000 } else { 1 };
            let n = pos_in * 2 + step_in * 4;
            let mut x = vec![0.0f32; n];
            x[pos_in] = 1.0;
            let y = prepare(&x, rate).unwrap();
            let peak = (0..y.len()).max_by(|&a, &b| y[a].abs().total_cmp(&y[b].abs())).unwrap();
            assert_eq!(peak, pos_out, "{rate} Hz: impulse at input {pos_in} -> output peak {peak}, expected {pos_out}");
            for d in 1..20 {
                let (l, r) = (y[pos_out - d], y[pos_out + d]);
                assert!((l - r).abs() < 1e-4 * y[pos_out].abs().max(1e-3), "{rate} Hz: asymmetric at ±{d}: {l} vs {r}");
            }
        }
    }
    // A chirp (200 Hz to 7 kHz over 1 s) at 44.1 kHz matches the analytic chirp at 16 kHz at lag 0.
    let chirp = |rate: u32, n: usize| -> Vec<f64> {
        (0..n)
            .map(|i| {
                let t = i as f64 / f64::from(rate);
                0.5 * (2.0 * PI * (200.0 * t + 0.5 * 6_800.0 * t * t)).sin()
            })
            .collect()
    };
    let x: Vec<f32> = chirp(44_100, 44_100).into_iter().map(|v| v as f32).collect();
    let y = prepare(&x, 44_100).unwrap();
    let expect = chirp(16_000, 16_000);
    let c0 = correlation(&y, &expect);
    for lag in 1..4 {
        let ahead = correlation(&y[lag..], &expect);
        let behind = correlation(&y, &expect[lag..]);
        assert!(c0 > ahead && c0 > behind, "chirp: lag ±{lag} ({ahead}, {behind}) beats lag 0 ({c0})");
    }
    eprintln!("chirp 44.1 kHz -> 16 kHz: correlation with the analytic chirp at lag 0: {c0:.7}");
    assert!(c0 > 0.9999, "chirp correlation {c0}");
}

// ---------------------------------------------------------------- formats

#[test]
fn stereo_wav_is_the_average_of_its_channels() {
    let rate = 22_050;
    let n = 4_410;
    let left = sine(440.0, rate, n, 0.6);
    let right = sine(1_000.0, rate, n, 0.3);
    let inter: Vec<f64> = left.iter().zip(&right).flat_map(|(&l, &r)| [l, r]).collect();
    // Float: exact.
    let audio = decode_bytes(wav_bytes(&inter, 2, rate, Fmt::F32), Some("wav")).unwrap();
    assert_eq!(audio.sample_rate, rate);
    assert_eq!(audio.samples.len(), n);
    for i in 0..n {
        let expect = (left[i] as f32 + right[i] as f32) * 0.5;
        assert_eq!(audio.samples[i], expect, "frame {i}");
    }
    // 16-bit: within quantisation.
    let audio = decode_bytes(wav_bytes(&inter, 2, rate, Fmt::I16), Some("wav")).unwrap();
    for i in 0..n {
        assert!((f64::from(audio.samples[i]) - (left[i] + right[i]) / 2.0).abs() < 1.0 / 32768.0);
    }
    // Opposite-phase channels cancel (this is what averaging means; documented).
    let inter: Vec<f64> = left.iter().flat_map(|&l| [l, -l]).collect();
    let audio = decode_bytes(wav_bytes(&inter, 2, rate, Fmt::F32), Some("wav")).unwrap();
    assert!(audio.samples.iter().all(|&v| v == 0.0));
    // Four channels.
    let inter: Vec<f64> = (0..n).flat_map(|i| [left[i], right[i], 0.2, -0.1]).collect();
    let audio = decode_bytes(wav_bytes(&inter, 4, rate, Fmt::F32), Some("wav")).unwrap();
    for i in 0..n {
        assert!((f64::from(audio.samples[i]) - (left[i] + right[i] + 0.1) / 4.0).abs() < 1e-6);
    }
}

#[test]
fn stereo_flac_is_the_average_of_its_channels() {
    let audio = decode_file(&fixture("stereo440-660.flac")).unwrap();
    assert_eq!(audio.sample_rate, 44_100);
    assert_eq!(audio.samples.len(), 22_050);
    // sox: left 440 Hz, right 660 Hz, each at 0.5 → mono = 0.25 sin(440) + 0.25 sin(660).
    let a440 = tone_amplitude(&audio.samples, 44_100, 440.0);
    let a660 = tone_amplitude(&audio.samples, 44_100, 660.0);
    assert!((a440 - 0.25).abs() < 0.01 && (a660 - 0.25).abs() < 0.01, "440: {a440}, 660: {a660}");
}

#[test]
fn wav_integer_and_float_depths_decode_a_440_hz_tone() {
    let rate = 16_000;
    let x = sine(440.0, rate, 8_000, 0.5);
    for (fmt, tol) in [
        (Fmt::U8, 1.0 / 128.0 + 1e-6),
        (Fmt::I16, 1.0 / 32_768.0 + 1e-7),
        (Fmt::I24, 1.0 / 8_388_608.0 + 1e-7),
        (Fmt::I32, 1e-7),
        (Fmt::F32, 1e-7),
        (Fmt::F64, 1e-7),
    ] {
        let audio = decode_bytes(wav_bytes(&x, 1, rate, fmt), Some("wav")).unwrap_or_else(|e| panic!("{fmt:?}: {e}"));
        assert_eq!(audio.sample_rate, rate, "{fmt:?}");
        assert_eq!(audio.samples.len(), x.len(), "{fmt:?}");
        let err = audio.samples.iter().zip(&x).map(|(&a, &b)| (f64::from(a) - b).abs()).fold(0.0, f64::max);
        assert!(err <= tol, "{fmt:?}: max error {err}");
        let y = prepare(&audio.samples, rate).unwrap();
        assert!((dominant_freq(&y, rate, 100.0, 2_000.0) - 440.0).abs() < 0.5, "{fmt:?}");
    }
}

fn check_codec_tone(name: &str, exact_len: bool, min_corr: f64) {
    let audio = decode_file(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(audio.sample_rate, 44_100, "{name}");
    let dur = audio.duration_s();
    if exact_len {
        assert_eq!(audio.samples.len(), 22_050, "{name}");
    } else {
        // Gapless decoding removes the encoder delay and padding where the
        // file records them (LAME tag, Ogg granule positions); allow a few ms.
        assert!((0.495..0.51).contains(&dur), "{name}: {dur} s");
    }
    let f = dominant_freq(&audio.samples, 44_100, 100.0, 4_000.0);
    assert!((f - 440.0).abs() < 1.0, "{name}: dominant {f} Hz");
    let expect = sine(440.0, 44_100, 22_050, 0.5);
    if exact_len {
        // Lossless: the same samples as the analytic tone (sox starts at phase 0), to 16-bit precision.
        let err = audio.samples.iter().zip(&expect).map(|(&a, &b)| (f64::from(a) - b).abs()).fold(0.0, f64::max);
        assert!(err < 2.0 / 32_768.0, "{name}: max error {err} against the analytic tone");
    }
    // Gapless decoding trims the codec's delay, so the tone is time-aligned at lag 0.
    let c = correlation(&audio.samples, &expect);
    eprintln!("{name}: {} samples ({dur:.3} s), dominant {f:.2} Hz, correlation at lag 0 {c:.6}", audio.samples.len());
    assert!(c > min_corr, "{name}: correlation {c} at lag 0");
    let a = tone_amplitude(&audio.samples[..audio.samples.len().min(22_050)], 44_100, 440.0);
    assert!((a - 0.5).abs() < 0.05, "{name}: amplitude {a} (lossy codecs may shift the level a little)");
    let y = load_16k(&fixture(name)).unwrap();
    assert_eq!(y.len(), resampled_len(audio.samples.len(), 44_100, 16_000));
    assert!((dominant_freq(&y, 16_000, 100.0, 4_000.0) - 440.0).abs() < 1.0, "{name} at 16 kHz");
}

#[test]
fn flac_decodes_a_440_hz_tone() {
    check_codec_tone("tone440.flac", true, 0.99999);
}

#[test]
fn mp3_decodes_a_440_hz_tone() {
    check_codec_tone("tone440.mp3", false, 0.99);
}

#[test]
fn ogg_vorbis_decodes_a_440_hz_tone() {
    check_codec_tone("tone440.ogg", false, 0.99);
}

// ---------------------------------------------------------------- the real corpora

fn shared_data() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    assert!(
        dir.join("tess/manifest.csv").is_file() && dir.join("ravdess/manifest.csv").is_file(),
        "this test needs the shared data at {} (../shared beside the repository, with tess/ and ravdess/ manifests); it was not found",
        dir.display()
    );
    dir
}

/// Splits one CSV line, honouring double quotes.
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out
}

struct Entry {
    path: PathBuf,
    rate: u32,
    duration_s: f64,
}

fn manifest(dir: &Path) -> Vec<Entry> {
    let text = std::fs::read_to_string(dir.join("manifest.csv")).expect("read manifest");
    let mut lines = text.lines();
    let header = csv_fields(lines.next().expect("manifest header"));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    let (c_path, c_rate, c_dur) = (col("path"), col("sample_rate"), col("duration_s"));
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f = csv_fields(l);
            Entry {
                path: dir.join(&f[c_path]),
                rate: f[c_rate].parse().unwrap_or_else(|_| panic!("bad sample_rate in {l}")),
                duration_s: f[c_dur].parse().unwrap_or_else(|_| panic!("bad duration_s in {l}")),
            }
        })
        .collect()
}

/// Every TESS and RAVDESS file decodes, has the manifest's sample rate, and
/// its 16 kHz length matches the manifest's duration within 1 %.
#[test]
fn all_tess_and_ravdess_files_load_at_16k() {
    let data = shared_data();
    let mut entries = manifest(&data.join("tess"));
    let n_tess = entries.len();
    entries.extend(manifest(&data.join("ravdess")));
    assert!(n_tess > 1000 && entries.len() > 2000, "manifests look incomplete: {} entries", entries.len());
    let t0 = Instant::now();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(8);
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let entries = &entries;
                s.spawn(move || {
                    let mut bad = Vec::new();
                    for e in entries.iter().skip(t).step_by(threads) {
                        let audio = match decode_file(&e.path) {
                            Ok(a) => a,
                            Err(err) => {
                                bad.push(format!("{err}"));
                                continue;
                            }
                        };
                        if audio.sample_rate != e.rate {
                            bad.push(format!(
                                "{}: {} Hz, manifest says {}",
                                e.path.display(),
                                audio.sample_rate,
                                e.rate
                            ));
                        }
                        match prepare(&audio.samples, audio.sample_rate) {
                            Ok(y) => {
                                let d = y.len() as f64 / 16_000.0;
                                if (d - e.duration_s).abs() > 0.01 * e.duration_s {
                                    bad.push(format!("{}: {d:.4} s, manifest says {}", e.path.display(), e.duration_s));
                                }
                            }
                            Err(err) => bad.push(format!("{}: {err}", e.path.display())),
                        }
                    }
                    bad
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("worker")).collect()
    });
    eprintln!(
        "{} files ({n_tess} TESS) decoded and resampled in {:?} on {threads} threads",
        entries.len(),
        t0.elapsed()
    );
    assert!(failures.is_empty(), "{} of {} files failed:\n{}", failures.len(), entries.len(), failures.join("\n"));
}

/// Damaged files of every format (bytes flipped, cut anywhere) never panic:
/// they decode (what can be decoded) or give a Decode error, and whatever
/// decodes either prepares or is refused by prepare() with a clear error.
#[test]
fn damaged_files_never_panic() {
    let wav = wav_bytes(&sine(440.0, 22_050, 11_025, 0.5), 2, 22_050, Fmt::I24);
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("wav", wav),
        ("flac", read_fixture("tone440.flac")),
        ("flac", read_fixture("stereo440-660.flac")),
        ("mp3", read_fixture("tone440.mp3")),
        ("ogg", read_fixture("tone440.ogg")),
    ];
    let mut outcomes = [0usize; 3];
    for (ext, bytes) in &files {
        let mut variants: Vec<Vec<u8>> = Vec::new();
        for i in 0..40 {
            variants.push(bytes[..bytes.len() * i / 40].to_vec());
        }
        for seed in 0..60u64 {
            let mut v = bytes.clone();
            let noise = noise_bytes(16, seed + 1);
            for k in 0..(1 + seed as usize % 8) {
                let pos = (usize::from(noise[2 * k]) << 8 | usize::from(noise[2 * k + 1])) % v.len();
                v[pos] ^= noise[(2 * k + 5) % 16] | 1;
            }
            variants.push(v);
        }
        for v in variants {
            match decode_bytes(v, Some(ext)) {
                Ok(a) => {
                    outcomes[0] += 1;
                    match prepare(&a.samples, a.sample_rate) {
                        Ok(_) | Err(AudioError::InvalidAudio { .. }) | Err(AudioError::InvalidArgument(_)) => {}
                        Err(e) => panic!("{ext}: prepare gave {e:?}"),
                    }
                }
                Err(AudioError::Decode { reason, .. }) => {
                    outcomes[if reason.contains("decoder failed") { 2 } else { 1 }] += 1;
                }
                Err(e) => panic!("{ext}: unexpected error kind {e:?}"),
            }
        }
    }
    eprintln!(
        "damaged files: {} decoded, {} decode errors, {} decoder panics caught",
        outcomes[0], outcomes[1], outcomes[2]
    );
}
