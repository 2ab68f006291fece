//! `emorec train` killed (SIGKILL) at random moments, some of them inside a
//! checkpoint write, and resumed each time, ends with the same weights, logs
//! and test scores as a run that was never interrupted, and leaves no
//! temporary files behind.
//!
//! Everything is generated here (tones and noise, one class per timbre), so
//! the test needs no shared data. The kill moments come from a fixed seed, so
//! a failure repeats.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use burn::tensor::Device;
use emorec::model::Model;
use emorec::train::{Checkpoint, CHECKPOINT_FILE, PAUSE_ENV};

const EPOCHS: usize = 30;

const CONFIG: &str = r#"
epochs = 30
batch_size = 4
lr = 0.01
seed = 11
patience = 0
balance = "sampling"

[model]
variant = "acoustic"
acoustic_pooling = "attention"
acoustic_dim = 130
hidden = 4
layers = 1
attention = 4
fusion_dim = 4
dropout = 0.3
max_frames = 60
"#;

/// How long each checkpoint write pauses (twice) in the runs killed inside one.
const PAUSE_MS: u64 = 300;

/// Seeded xorshift: the kill schedule and the generated audio.
struct Rand(u64);
impl Rand {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn scratch() -> PathBuf {
    let d = std::env::temp_dir().join(format!("emorec-train-kill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// 16-bit mono PCM WAV.
fn wav(samples: &[f64], rate: u32) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut b = Vec::with_capacity(44 + data_len as usize);
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data_len).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * 2).to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        b.extend_from_slice(&((s.clamp(-1.0, 1.0) * 32767.0).round() as i16).to_le_bytes());
    }
    b
}

/// 32 recordings of 0.6 s, 8 per class: a class is a pitch and a loudness,
/// with seeded noise and a random pitch wobble per recording.
fn write_corpus(dir: &Path) -> PathBuf {
    let rate = 16_000;
    let mut rng = Rand(0x5EED_0FC0_4B05);
    let mut manifest = String::from("id,audio,transcript,label,speaker,group,corpus\n");
    for i in 0..32 {
        let (label, f0, amp) =
            [("ang", 260.0, 0.6), ("hap", 330.0, 0.4), ("neu", 150.0, 0.2), ("sad", 110.0, 0.1)][i % 4];
        let f = f0 * rng.uniform(0.95, 1.05);
        let x: Vec<f64> = (0..rate * 6 / 10)
            .map(|n| {
                let t = n as f64 / rate as f64;
                let voice =
                    (1..=4).map(|h| (2.0 * std::f64::consts::PI * f * h as f64 * t).sin() / h as f64).sum::<f64>();
                amp * voice * 0.5 + 0.01 * rng.uniform(-1.0, 1.0)
            })
            .collect();
        let path = dir.join(format!("u{i:02}.wav"));
        std::fs::write(&path, wav(&x, rate as u32)).unwrap();
        manifest.push_str(&format!("u{i:02},{},,{label},s{},g,gen\n", path.display(), i % 3));
    }
    let m = dir.join("manifest.csv");
    std::fs::write(&m, manifest).unwrap();
    m
}

struct Setup {
    config: PathBuf,
    manifest: PathBuf,
    logs: PathBuf,
}

impl Setup {
    /// `emorec train --resume` into `out`, its output in a log file; with
    /// `pause` every checkpoint write pauses (see [`PAUSE_MS`]).
    fn spawn(&self, out: &Path, cache: &Path, run: &str, pause: bool) -> Child {
        let log = std::fs::File::create(self.logs.join(format!("{run}.log"))).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_emorec"));
        cmd.args(["train", "--resume", "--config"])
            .arg(&self.config)
            .arg("--manifest")
            .arg(&self.manifest)
            .arg("--out")
            .arg(out)
            .arg("--cache")
            .arg(cache)
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log));
        if pause {
            cmd.env(PAUSE_ENV, PAUSE_MS.to_string());
        } else {
            cmd.env_remove(PAUSE_ENV);
        }
        cmd.spawn().expect("runs emorec")
    }

    fn log(&self, run: &str) -> String {
        std::fs::read_to_string(self.logs.join(format!("{run}.log"))).unwrap_or_default()
    }
}

/// The temporary files of interrupted writes in `dir`.
fn temp_files(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n.contains(".tmp"))
        .collect()
}

/// Whether process `pid` is writing a checkpoint into `dir` (its temporary
/// file is there). By pid: a file left by an earlier killed run is not this
/// run's write (and the run removes it as it starts).
fn checkpoint_temp(dir: &Path, pid: u32) -> bool {
    dir.join(format!(".{CHECKPOINT_FILE}.tmp{pid}")).exists()
}

/// Kills `child` (SIGKILL) and reaps it; false if it had already exited.
fn kill(child: &mut Child) -> bool {
    if child.try_wait().unwrap().is_some() {
        return false;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    true
}

/// Waits until the `k`-th checkpoint write of `child` has begun (its
/// temporary file appears for the `k`-th time) and returns whether it did
/// before the process ended.
fn await_checkpoint_write(child: &mut Child, out: &Path, k: usize) -> bool {
    let mut seen = 0;
    let mut present = false;
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        let now = checkpoint_temp(out, child.id());
        if now && !present {
            seen += 1;
            if seen == k {
                return true;
            }
        }
        present = now;
        std::thread::sleep(Duration::from_millis(2));
    }
    panic!("no checkpoint write within 60 s");
}

/// Waits until `log.jsonl` lists `n` epochs; false if the process ended first.
fn await_logged_epochs(child: &mut Child, out: &Path, n: usize) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let logged = std::fs::read_to_string(out.join("log.jsonl")).map_or(0, |t| t.lines().count());
        if logged >= n {
            return true;
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    panic!("epoch {n} not logged within 60 s");
}

fn epochs_done(out: &Path) -> usize {
    Checkpoint::load(&out.join(CHECKPOINT_FILE)).map_or(0, |c| c.state.epoch)
}

#[test]
fn killed_and_resumed_training_ends_as_an_uninterrupted_run() {
    let started = Instant::now();
    let dir = scratch();
    let data = dir.join("data");
    let logs = dir.join("logs");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(&logs).unwrap();
    let config = dir.join("tiny.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let setup = Setup { config, manifest: write_corpus(&data), logs };

    // The uninterrupted run.
    let a = dir.join("a");
    let t0 = Instant::now();
    let status = setup.spawn(&a, &dir.join("cache-a"), "a", false).wait().unwrap();
    let whole = t0.elapsed();
    assert!(status.success(), "the uninterrupted run failed:\n{}", setup.log("a"));

    // The same run, killed 10 times: at random moments (some land while the
    // features are extracted or the checkpoint is loaded), and inside checkpoint writes,
    // partway through the temporary file or between writing and renaming it.
    // Its own feature cache, so that kills also interrupt the cache's writes.
    let b = dir.join("b");
    let cache_b = dir.join("cache-b");
    let mut rng = Rand(0xC0FFEE_u64 ^ 0x9E37_79B9_7F4A_7C15);
    let plan = ["timed", "timed", "write", "timed", "write", "timed", "timed", "write", "timed", "write"];
    let ca = Checkpoint::load(&a.join(CHECKPOINT_FILE)).unwrap();
    let epoch_time = Duration::from_secs_f64(ca.state.history.iter().map(|h| h.seconds).sum::<f64>() / EPOCHS as f64);
    let mut timed_targets = [0, 4, 9, 14, 18, 22].into_iter();
    let mut kills_in_writes = 0;
    let mut schedule = Vec::new();
    for (i, what) in plan.iter().enumerate() {
        let run = format!("b{i}");
        let before = epochs_done(&b);
        let mut child = setup.spawn(&b, &cache_b, &run, *what == "write");
        let pid = child.id();
        if *what == "write" {
            let k = 1 + (rng.next() % 2) as usize;
            assert!(
                await_checkpoint_write(&mut child, &b, k),
                "run {run} ended before its checkpoint write {k} (epochs done {before}):\n{}",
                setup.log(&run)
            );
            // Inside the 2 x PAUSE_MS window, in turn halfway through the
            // file and with the file complete but not yet renamed.
            let when = if kills_in_writes % 2 == 0 { rng.uniform(0.1, 0.8) } else { rng.uniform(1.2, 1.6) };
            std::thread::sleep(Duration::from_millis((when * PAUSE_MS as f64) as u64));
            assert!(kill(&mut child), "run {run} ended before the kill:\n{}", setup.log(&run));
            assert!(
                checkpoint_temp(&b, pid),
                "the kill of run {run} was meant to land inside a checkpoint write, but the write had finished"
            );
            kills_in_writes += 1;
            let temp = b.join(format!(".{CHECKPOINT_FILE}.tmp{pid}"));
            let size = std::fs::metadata(temp).map_or(0, |m| m.len());
            let whole_size = std::fs::metadata(a.join(CHECKPOINT_FILE)).unwrap().len();
            schedule.push(format!("{run}: killed with {size} of {whole_size} checkpoint bytes written"));
        } else {
            // Anywhere in an epoch after the planned one has been logged
            // (epoch 0-2: the first lands in the start-up, reading the
            // manifest, extracting features), spread over the run and short
            // of its end, so that every planned kill finds a run to kill.
            let target = timed_targets.next().unwrap() + (rng.next() % 3) as usize;
            let more = target.saturating_sub(before);
            let delay = epoch_time.mul_f64(rng.uniform(0.0, 1.5));
            assert!(
                await_logged_epochs(&mut child, &b, before + more),
                "run {run} ended before logging epoch {}:\n{}",
                before + more,
                setup.log(&run)
            );
            std::thread::sleep(delay);
            assert!(
                kill(&mut child),
                "run {run} finished before its kill {delay:?} after epoch {}; lengthen the run:\n{}",
                before + more,
                setup.log(&run)
            );
        }
        schedule.push(format!("{run} ({what}): epochs {before} -> {}", epochs_done(&b)));
        // A killed run never leaves a checkpoint that cannot be read.
        if b.join(CHECKPOINT_FILE).exists() {
            let ck = Checkpoint::load(&b.join(CHECKPOINT_FILE))
                .unwrap_or_else(|e| panic!("checkpoint after the kill of run {run} unreadable: {e}"));
            assert!(ck.state.epoch >= before && ck.state.epoch <= EPOCHS, "{} after {before}", ck.state.epoch);
        }
    }
    assert_eq!(kills_in_writes, 4);
    assert!(epochs_done(&b) > 0, "no kill came after the first checkpoint");
    let status = setup.spawn(&b, &cache_b, "b-last", false).wait().unwrap();
    let last = setup.log("b-last");
    assert!(status.success(), "the resumed run failed:\n{last}");
    assert!(last.contains("resuming after epoch"), "{last}");
    assert!(last.contains("unfinished temporary file"), "the stray temporary file was not cleared:\n{last}");

    // Same weights: the last checkpoint and the best model.
    let device = Device::flex();
    let best_a = Model::load_dir(&a.join("best"), &device).unwrap();
    let best_b = Model::load_dir(&b.join("best"), &device).unwrap();
    let max_diff = |x: &[f32], y: &[f32]| {
        assert_eq!(x.len(), y.len());
        x.iter().zip(y).map(|(p, q)| (p - q).abs()).fold(0.0f32, f32::max)
    };
    let diff = max_diff(&best_a.parameters_flat(), &best_b.parameters_flat());
    assert!(diff <= 1e-6, "best models differ by {diff}");
    let cb = Checkpoint::load(&b.join(CHECKPOINT_FILE)).unwrap();
    assert_eq!((ca.state.epoch, cb.state.epoch), (EPOCHS, EPOCHS));
    assert_eq!(ca.state.rng, cb.state.rng);
    assert_eq!(ca.state.best_epoch, cb.state.best_epoch);
    let load = |bytes: &[u8]| Model::from_bytes(best_a.config(), bytes, &device).unwrap().parameters_flat();
    let diff = max_diff(&load(&ca.model), &load(&cb.model));
    assert!(diff <= 1e-6, "final weights differ by {diff}");

    // Same history, once per epoch, in the checkpoint and in both logs.
    for (x, y) in ca.state.history.iter().zip(&cb.state.history) {
        assert_eq!(x.epoch, y.epoch);
        assert!((x.train_loss - y.train_loss).abs() < 1e-6, "{x:?} vs {y:?}");
        assert!((x.val_loss - y.val_loss).abs() < 1e-6, "{x:?} vs {y:?}");
        assert_eq!((x.val_ua, x.best), (y.val_ua, y.best));
    }
    let csv = std::fs::read_to_string(b.join("log.csv")).unwrap();
    let epochs: Vec<&str> = csv.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(epochs, (1..=EPOCHS).map(|e| e.to_string()).collect::<Vec<_>>(), "{csv}");
    assert_eq!(std::fs::read_to_string(b.join("log.jsonl")).unwrap().lines().count(), EPOCHS);

    // Same test scores, and nothing half-written left anywhere.
    let test = |d: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(d.join("test.json")).unwrap()).unwrap()
    };
    let (ta, tb) = (test(&a), test(&b));
    assert_eq!(ta["ua"], tb["ua"]);
    assert!((ta["loss"].as_f64().unwrap() - tb["loss"].as_f64().unwrap()).abs() < 1e-6, "{ta} vs {tb}");
    for d in [&b, &b.join("best")] {
        assert_eq!(temp_files(d), Vec::<String>::new(), "in {}", d.display());
    }
    eprintln!("{}", schedule.join("\n"));
    eprintln!(
        "killed {} times ({kills_in_writes} inside checkpoint writes); uninterrupted run {whole:?}; test {:?}",
        plan.len(),
        started.elapsed()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
