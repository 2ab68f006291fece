//! The README's "Bad input" table, for the rows no other test covers, run
//! through `emorec predict` on the shipped model (www/model) the way a user
//! meets them: each gets a clear error or a defined result, and none panics.
//!
//! Files are generated here (a temporary folder; the hour of audio too);
//! the rows that need real speech take a RAVDESS recording from the shared
//! data (`$EMOREC_SHARED`, else ../shared) and fail naming it when missing.

mod common;

use common::wav::{wav, Fmt};

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("emorec-bad-input-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn model_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("www/model")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_emorec")).args(args).output().expect("runs emorec")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Fails on a panic whatever the exit status.
fn assert_no_panic(o: &Output, what: &str) {
    let err = stderr(o);
    assert!(!err.contains("panicked") && o.status.code().is_some(), "{what}: emorec panicked or was killed:\n{err}");
}

/// `emorec predict --model www/model --json` plus `args`.
fn predict(args: &[&str]) -> Output {
    let model = model_dir();
    let mut all = vec!["predict", "--model", model.to_str().unwrap(), "--json"];
    all.extend_from_slice(args);
    run(&all)
}

fn predict_ok(args: &[&str], what: &str) -> (Value, String) {
    let o = predict(args);
    assert_no_panic(&o, what);
    assert!(o.status.success(), "{what}: predict failed:\n{}", stderr(&o));
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{what}: not JSON ({e})"));
    (v, stderr(&o))
}

/// An error, not a panic, whose message contains `needle`.
fn predict_err(args: &[&str], what: &str, needle: &str) -> String {
    let o = predict(args);
    assert_no_panic(&o, what);
    assert!(!o.status.success(), "{what}: expected an error, got {}", String::from_utf8_lossy(&o.stdout));
    let err = stderr(&o);
    assert!(err.contains(needle), "{what}: the error should say {needle:?}:\n{err}");
    err
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A real utterance: RAVDESS actor 1, angry, strong, statement 1 (48 kHz).
fn speech() -> (Vec<f32>, u32) {
    let p = common::shared_path("data/ravdess/Actor_01/03-01-05-02-01-01-01.flac");
    let a = emorec::audio::decode_file(&p).unwrap();
    (a.samples, a.sample_rate)
}

fn probabilities(v: &Value) -> Vec<f64> {
    v["probabilities"]
        .as_array()
        .unwrap_or_else(|| panic!("no probabilities in {v}"))
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

fn tone(n: usize, rate: u32, hz: f64, amp: f64) -> Vec<f32> {
    (0..n).map(|i| (amp * (2.0 * std::f64::consts::PI * hz * i as f64 / f64::from(rate)).sin()) as f32).collect()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).unwrap()
}

/// Deterministic bytes (xorshift).
fn noise_bytes(n: usize, mut x: u64) -> Vec<u8> {
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Empty, header-only, cut inside the header, random bytes, NaN and Inf:
/// each an error naming the file and what is wrong.
#[test]
fn unusable_audio_is_a_clear_error() {
    let dir = scratch("unusable");
    let one_s = tone(16_000, 16_000, 220.0, 0.5);
    let mut nan = one_s.clone();
    nan[8_000] = f32::NAN;
    let mut inf = one_s.clone();
    inf[4_000] = f32::INFINITY;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.wav", Vec::new(), "the file is empty"),
        ("header-only.wav", wav(&[], 1, 16_000, Fmt::I16), "no samples"),
        ("cut-header.wav", wav(&one_s, 1, 16_000, Fmt::I16)[..30].to_vec(), "cannot decode audio"),
        ("random.wav", noise_bytes(50_000, 7), "not a supported audio format"),
        ("random-riff.wav", [b"RIFF\0\0\0\0WAVE".as_slice(), &noise_bytes(5_000, 9)].concat(), "cannot decode"),
        ("nan.wav", wav(&nan, 1, 16_000, Fmt::F32), "sample 8000 (at 0.500 s) is NaN"),
        ("inf.wav", wav(&inf, 1, 16_000, Fmt::F32), "sample 4000 (at 0.250 s) is infinite"),
    ];
    for (name, bytes, needle) in cases {
        let p = write(&dir, name, &bytes);
        let err = predict_err(&["--audio", s(&p)], name, needle);
        assert!(err.contains(name), "{name}: the error names the file:\n{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A file cut short decodes its first part and says where it stops: in the
/// library (`Audio::warnings`) and on the stderr of `predict` and
/// `features`. A whole file has no warning.
#[test]
fn truncated_files_decode_their_first_part_with_a_warning() {
    let dir = scratch("truncated");
    let rate = 16_000;
    let whole_wav = wav(&tone(2 * rate as usize, rate, 220.0, 0.5), 1, rate, Fmt::I16);
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("wav", whole_wav),
        ("flac", fixture("tone440.flac")),
        ("mp3", fixture("tone440.mp3")),
        // tone440.ogg holds its audio in one page: any cut leaves none.
        ("ogg", fixture("noise2s.ogg")),
    ];
    // Bytes after an Ogg stream's last page that start no other page (a tag)
    // are no cut.
    let tagged = [fixture("noise2s.ogg"), b"TAG some trailing bytes".to_vec()].concat();
    assert_eq!(emorec::audio::decode_bytes(tagged, Some("ogg")).unwrap().warnings, Vec::<String>::new());
    for (ext, bytes) in &files {
        let whole = emorec::audio::decode_bytes(bytes.clone(), Some(ext)).unwrap();
        assert_eq!(whole.warnings, Vec::<String>::new(), "{ext}: a whole file has no warning");
        for frac in [0.4, 0.7, 0.9] {
            let cut = bytes[..(bytes.len() as f64 * frac) as usize].to_vec();
            let part = emorec::audio::decode_bytes(cut.clone(), Some(ext))
                .unwrap_or_else(|e| panic!("{ext} cut at {frac}: expected its first part, got {e}"));
            let at = part.duration_s();
            assert!(at > 0.0 && at < whole.duration_s(), "{ext} cut at {frac}: {at} s");
            assert_eq!(part.warnings.len(), 1, "{ext} cut at {frac}: {:?}", part.warnings);
            let w = &part.warnings[0];
            assert!(w.contains(&format!("stops early, at {at:.2} s")), "{ext} cut at {frac}: {w}");
            eprintln!("{ext} cut at {frac}: {w}");
        }
        // Through the CLI: a result on the first part, and the warning naming the file.
        let cut = &bytes[..bytes.len() * 7 / 10];
        let p = write(&dir, &format!("cut.{ext}"), cut);
        let (v, err) = predict_ok(&["--audio", s(&p)], ext);
        assert!(v["speech"].is_boolean(), "{ext}: {v}");
        assert!(err.contains(&format!("warning: {}: the file stops early, at", p.display())), "{ext}: {err}");
        // `emorec features` too: the CSV of the first part, and the warning.
        let csv = dir.join(format!("cut-{ext}.csv"));
        let o = run(&["features", s(&p), "--out", s(&csv)]);
        assert_no_panic(&o, ext);
        assert!(o.status.success() && csv.is_file(), "{ext}: features failed:\n{}", stderr(&o));
        assert!(stderr(&o).contains("the file stops early, at"), "{ext}: {}", stderr(&o));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// DC offset and full-scale clipping of real speech: still speech, still a
/// label; the offset does not move the probabilities (`audio::prepare`
/// removes it), clipping is kept as the recording has it (not "repaired")
/// and may move them: 18 dB of clipping changes the voice's spectrum. Over
/// 121 utterances of the three corpora, the largest change of a
/// probability was 0.095 at the median (0.47 at the 90th percentile) with
/// the model shipped on 2026-12-06 and 0.12 (0.54) with the one before;
/// on this utterance 0.13 and 0.013. The bound is what a typical utterance
/// does, not this one's luck. Pure DC and a full-scale
/// square wave are no speech.
#[test]
fn dc_offset_and_clipping_give_a_defined_result() {
    let dir = scratch("dc");
    let (x, rate) = speech();
    let peak = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let clean = write(&dir, "clean.wav", &wav(&x, 1, rate, Fmt::F32));
    let dc: Vec<f32> = x.iter().map(|v| v + 0.2).collect();
    let dc = write(&dir, "dc.wav", &wav(&dc, 1, rate, Fmt::F32));
    let gain = 8.0 / peak; // 18 dB past full scale
    let clipped: Vec<f32> = x.iter().map(|v| (v * gain).clamp(-1.0, 1.0)).collect();
    let clipped = write(&dir, "clipped.wav", &wav(&clipped, 1, rate, Fmt::I16));
    let (c, _) = predict_ok(&["--audio", s(&clean)], "clean");
    let (d, _) = predict_ok(&["--audio", s(&dc)], "DC offset 0.2");
    let (k, _) = predict_ok(&["--audio", s(&clipped)], "clipped");
    for (name, v) in [("clean", &c), ("dc", &d), ("clipped", &k)] {
        assert_eq!(v["speech"], Value::Bool(true), "{name}: {v}");
        assert!(v["label"].is_string(), "{name}: {v}");
    }
    let moved_dc = max_diff(&probabilities(&c), &probabilities(&d));
    let moved_clip = max_diff(&probabilities(&c), &probabilities(&k));
    eprintln!("DC offset 0.2 moves a probability by {moved_dc:.4}; clipping by 18 dB by {moved_clip:.4}");
    assert!(moved_dc <= 0.01, "a DC offset moved a probability by {moved_dc}");
    assert!(moved_clip <= 0.25, "clipping moved a probability by {moved_clip}");

    let n = 3 * rate as usize;
    let square: Vec<f32> = (0..n).map(|i| if (i / 120) % 2 == 0 { 1.0 } else { -1.0 }).collect();
    for (name, y) in [("dc-only", vec![0.5f32; n]), ("square", square)] {
        let p = write(&dir, &format!("{name}.wav"), &wav(&y, 1, rate, Fmt::I16));
        let (v, _) = predict_ok(&["--audio", s(&p)], name);
        assert_eq!(v["speech"], Value::Bool(false), "{name}: {v}");
        assert!(v["label"].is_null(), "{name}: {v}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `audio::prepare` removes a DC offset from audio of 0.1 s or more (the
/// rest of the signal unchanged), and leaves offsets within the limit and
/// shorter pieces alone.
#[test]
fn prepare_removes_a_dc_offset() {
    let x = tone(16_000, 16_000, 220.0, 0.3);
    for offset in [0.3f32, -0.05, 0.0025] {
        let y: Vec<f32> = x.iter().map(|v| v + offset).collect();
        let p = emorec::audio::prepare(&y, 16_000).unwrap();
        let worst = p.iter().zip(&x).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        assert!(worst < 1e-6, "offset {offset}: {worst} from the tone without it");
    }
    let small: Vec<f32> = x.iter().map(|v| v + 0.001).collect();
    assert_eq!(emorec::audio::prepare(&small, 16_000).unwrap(), small, "within the limit: bit for bit");
    let click = vec![0.5f32; 800];
    assert_eq!(emorec::audio::prepare(&click, 16_000).unwrap(), click, "0.05 s: the mean is the sound");
}

/// The same utterance at 8, 11.025, 22.05, 96 and 192 kHz, in 8-, 24- and
/// 32-bit integer and 32-bit float, as stereo and 6 channels: the same
/// label's neighbourhood (bounds below), never an error.
#[test]
fn rates_depths_and_channels() {
    let dir = scratch("formats");
    let (x, rate) = speech();
    let base = write(&dir, "base.wav", &wav(&x, 1, rate, Fmt::F32));
    let (b, _) = predict_ok(&["--audio", s(&base)], "48 kHz float");
    let pb = probabilities(&b);
    let check = |name: &str, bytes: Vec<u8>, tol: f64| {
        let p = write(&dir, &format!("{name}.wav"), &bytes);
        let (v, _) = predict_ok(&["--audio", s(&p)], name);
        assert_eq!(v["speech"], Value::Bool(true), "{name}: {v}");
        let moved = max_diff(&pb, &probabilities(&v));
        eprintln!("{name}: label {}, moved {moved:.4}", v["label"]);
        assert!(moved <= tol, "{name}: a probability moved by {moved} (bound {tol})");
    };
    for r in [8_000, 11_025, 22_050, 96_000, 192_000] {
        let y = emorec::audio::resample(&x, rate, r).unwrap();
        // Below 16 kHz the band above r/2 is gone: the model hears less.
        let tol = if r < 16_000 { 0.2 } else { 0.02 };
        check(&format!("rate-{r}"), wav(&y, 1, r, Fmt::F32), tol);
    }
    for (fmt, tol) in [(Fmt::U8, 0.3), (Fmt::I16, 0.01), (Fmt::I24, 0.01), (Fmt::I32, 0.01)] {
        check(&format!("{fmt:?}"), wav(&x, 1, rate, fmt), tol);
    }
    for channels in [2u16, 6] {
        let y: Vec<f32> = x.iter().flat_map(|&v| std::iter::repeat_n(v, channels as usize)).collect();
        check(&format!("{channels}-channels"), wav(&y, channels, rate, Fmt::F32), 1e-4);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Transcripts: a file that is not UTF-8 is refused naming the first bad
/// byte's offset; a byte-order mark is skipped; mixed scripts, emoji,
/// control characters and 100,000 words give a label.
#[test]
fn transcripts_that_are_odd_or_not_utf8() {
    let dir = scratch("text");
    let latin1 = write(&dir, "latin1.txt", b"I am so happy caf\xE9 today");
    let err = predict_err(&["--text-file", s(&latin1)], "Latin-1", "not UTF-8: byte 0xE9 at offset 17");
    assert!(err.contains("latin1.txt"), "{err}");
    let cut = write(&dir, "cut.txt", "so happy \u{1F600}".as_bytes().split_last().unwrap().1);
    predict_err(&["--text-file", s(&cut)], "cut UTF-8", "at offset 9 starts a character that the file cuts off");
    predict_err(&["--text-file", s(&dir.join("missing.txt"))], "missing", "cannot read the transcript");
    predict_err(&["--text", "hi", "--text-file", s(&latin1)], "both", "cannot be used with");

    let bom = write(&dir, "bom.txt", "\u{FEFF}I am so happy today".as_bytes());
    let plain = write(&dir, "plain.txt", b"I am so happy today");
    let (a, _) = predict_ok(&["--text-file", s(&bom)], "BOM");
    let (b, _) = predict_ok(&["--text-file", s(&plain)], "plain");
    assert_eq!(a["probabilities"], b["probabilities"], "the byte-order mark is not a word");

    let many: String = (0..100_000).map(|i| ["happy ", "sad ", "angry ", "the "][i % 4]).collect();
    let texts = [
        ("mixed-scripts", "I am happy, Ich bin froh, я счастлив, 我很高兴, أنا سعيد".to_string()),
        ("emoji", "so happy \u{1F600}\u{1F389} love it \u{2764}\u{FE0F}".to_string()),
        ("control", "so\u{0}happy\u{7}\u{1B}[31m today\r\n\t\u{85}".to_string()),
        ("100k-words", many),
    ];
    for (name, text) in texts {
        let p = write(&dir, &format!("{name}.txt"), text.as_bytes());
        let t0 = Instant::now();
        let (v, _) = predict_ok(&["--text-file", s(&p)], name);
        assert!(v["label"].is_string(), "{name}: {v}");
        eprintln!("{name}: {} in {:?}", v["label"], t0.elapsed());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Broken or mismatched bundles: an error naming the file and the cause.
#[test]
fn corrupt_or_mismatched_bundles_are_refused() {
    let src = model_dir();
    let copy = |name: &str| {
        let dir = scratch(name);
        for f in std::fs::read_dir(&src).unwrap() {
            let f = f.unwrap().path();
            if f.is_file() {
                std::fs::copy(&f, dir.join(f.file_name().unwrap())).unwrap();
            }
        }
        dir
    };
    let try_bundle = |dir: &Path, what: &str, needles: &[&str]| {
        let o = run(&["predict", "--model", s(dir), "--text", "I am so happy", "--json"]);
        assert_no_panic(&o, what);
        assert!(!o.status.success(), "{what}: the bundle was accepted");
        let err = stderr(&o);
        for n in needles {
            assert!(err.contains(n), "{what}: the error should say {n:?}:\n{err}");
        }
        let _ = std::fs::remove_dir_all(dir);
    };

    let weights = std::fs::read(src.join("weights.bpk")).unwrap();
    for frac in [0.0, 0.1, 0.5, 0.99] {
        let dir = copy("weights");
        std::fs::write(dir.join("weights.bpk"), &weights[..(weights.len() as f64 * frac) as usize]).unwrap();
        try_bundle(&dir, &format!("weights cut at {frac}"), &["weights.bpk"]);
    }
    let dir = copy("weights-noise");
    std::fs::write(dir.join("weights.bpk"), noise_bytes(weights.len(), 3)).unwrap();
    try_bundle(&dir, "weights of noise", &["weights.bpk"]);

    let meta = std::fs::read_to_string(src.join("model.json")).unwrap();
    let dir = copy("version");
    let v: Value = serde_json::from_str(&meta).unwrap();
    let mut v2 = v.clone();
    v2["version"] = Value::from(99);
    std::fs::write(dir.join("model.json"), v2.to_string()).unwrap();
    try_bundle(&dir, "model.json version 99", &["version 99", "this build reads"]);
    let dir = copy("not-json");
    std::fs::write(dir.join("model.json"), b"{ not json").unwrap();
    try_bundle(&dir, "model.json not JSON", &["model.json"]);

    // A vocabulary whose vectors have 7 dimensions (the model reads 50).
    use emorec::text::{BuildOptions, Glove, Vocabulary};
    let glove_text: String =
        ["happy", "sad", "angry", "the"].iter().map(|w| format!("{w} 0.1 0.2 0.3 0.4 0.5 0.6 0.7\n")).collect();
    let glove = Glove::read(std::io::Cursor::new(glove_text), None).unwrap();
    let (vocab, _) = Vocabulary::build(&glove, ["happy sad"], &BuildOptions::default());
    let dir = copy("vocab-dim");
    std::fs::write(dir.join("vocab.safetensors"), vocab.to_bytes()).unwrap();
    try_bundle(&dir, "vocabulary of 7 dimensions", &["vocab.safetensors", "7 dimensions", "the model reads 50"]);
}

/// Peak resident memory of a running process so far (Linux: VmHWM).
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// One hour of audio (the longest accepted): a timeline in bounded memory.
/// An hour and a second is refused before it is analysed.
#[test]
fn one_hour_of_audio_in_bounded_memory() {
    let dir = scratch("hour");
    let rate = 16_000u32;
    // Speech-like bursts (a voiced tone with a gliding pitch) and pauses.
    let n = 3_600 * rate as usize;
    let mut x = Vec::with_capacity(n);
    for i in 0..n {
        let t = i as f64 / f64::from(rate);
        let in_burst = (t % 7.0) < 4.5;
        let f = 140.0 + 40.0 * (t * 0.7).sin();
        let v = if in_burst {
            0.3 * (2.0 * std::f64::consts::PI * f * t).sin() * (1.0 + 0.5 * (t * 9.0).sin())
        } else {
            0.0
        };
        x.push(v as f32);
    }
    let p = write(&dir, "hour.wav", &wav(&x, 1, rate, Fmt::I16));
    drop(x);
    let model = model_dir();
    let t0 = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_emorec"))
        .args(["predict", "--model", s(&model), "--json", "--audio", s(&p)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    // Poll the high-water mark while it runs (it only grows).
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let watcher = {
        let peak = peak.clone();
        std::thread::spawn(move || {
            while let Some(kib) = peak_rss_kib(pid) {
                peak.fetch_max(kib, std::sync::atomic::Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let out = child.wait_with_output().unwrap();
    watcher.join().unwrap();
    let peak_mib = peak.load(std::sync::atomic::Ordering::Relaxed) / 1024;
    assert_no_panic(&out, "one hour");
    assert!(out.status.success(), "one hour: {}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let segments = v["segments"].as_array().expect("a timeline");
    eprintln!("one hour: {} segments in {:?}, peak RSS {peak_mib} MiB", segments.len(), t0.elapsed());
    assert!(segments.len() > 300, "{} segments", segments.len());
    assert!(peak_mib > 0 && peak_mib < 1_500, "peak RSS {peak_mib} MiB");

    let longer = write(&dir, "longer.wav", &wav(&vec![0.0f32; 3_601 * 8_000], 1, 8_000, Fmt::I16));
    predict_err(&["--audio", s(&longer)], "an hour and a second", "longer than the maximum of 3600 s");
    let _ = std::fs::remove_dir_all(&dir);
}
