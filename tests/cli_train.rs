//! `emorec cv` end to end on a tiny config with speaker normalisation,
//! log energies, weight decay and utterance statistics (voiced ones too): the
//! bundle it writes records the mode and the view, `evaluate`
//! standardises by speaker (and warns when told otherwise), `predict
//! --speaker` reads a speaker's recordings, `results.md` pools the test
//! utterances per corpus, `--validation-fraction` reaches the folds, and
//! `evaluate --predictions` writes each utterance's result, and `members`
//! scores a seed ensemble (with each member's predictions kept, and a
//! temperature also fitted on perturbed copies of the validation audio).

mod common;

use std::path::PathBuf;
use std::process::Command;

fn scratch() -> PathBuf {
    let d = std::env::temp_dir().join(format!("emorec-cli-train-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn emorec(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_emorec")).args(args).output().expect("runs emorec");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

const CONFIG: &str = r#"
epochs = 1
batch_size = 8
lr = 0.01
seed = 3
patience = 0
level_dbfs = -25.0
normalize = "speaker"
log_energy = true
weight_decay = 0.001
head_epochs = 20
centre_stats = true
standardise_stats = true

[model]
variant = "acoustic"
acoustic_pooling = "attention"
acoustic_dim = 130
hidden = 4
layers = 1
attention = 4
fusion_dim = 4
max_frames = 200
acoustic_stats = true
voiced_stats = true
stats_head = true
frame_dropout = 0.5
"#;

#[test]
fn speaker_normalised_training_to_prediction() {
    let dir = scratch();
    let ravdess = common::shared_dir().join("data/ravdess");
    // Three actors, eight recordings each (two per class).
    let mut manifest = String::from("id,audio,transcript,label,speaker,group,corpus\n");
    let mut files = Vec::new();
    for actor in ["01", "02", "03"] {
        for (code, label) in [("05", "ang"), ("03", "hap"), ("01", "neu"), ("04", "sad")] {
            for rep in ["01", "02"] {
                let intensity = if code == "01" { "01" } else { "02" };
                let name = format!("Actor_{actor}/03-01-{code}-{intensity}-01-{rep}-{actor}.flac");
                let path = ravdess.join(&name);
                assert!(path.is_file(), "{} is missing from the shared RAVDESS copy", path.display());
                manifest
                    .push_str(&format!("{actor}-{code}-{rep},{},,{label},Actor_{actor},g,ravdess\n", path.display()));
                files.push(path);
            }
        }
    }
    let m = dir.join("manifest.csv");
    std::fs::write(&m, manifest).unwrap();
    let c = dir.join("tiny.toml");
    std::fs::write(&c, CONFIG).unwrap();
    let cache = dir.join("cache");
    // `emorec cv` over the three actors into `dir/name`, with `extra` arguments.
    let cv = |name: &str, extra: &[&str]| {
        let out = dir.join(name);
        let mut args = vec!["cv", "--config", c.to_str().unwrap(), "--manifest", m.to_str().unwrap()];
        args.extend_from_slice(&["--protocol", "loso", "--cache", cache.to_str().unwrap()]);
        args.extend_from_slice(&["--out", out.to_str().unwrap()]);
        args.extend_from_slice(extra);
        (emorec(&args), out)
    };
    let ((ok, _, err), out) = cv("cv", &[]);
    assert!(ok, "cv failed: {err}");
    assert!(err.contains("standardising the descriptors by speaker"), "{err}");
    assert!(err.contains("statistics head fitted alone: 20 epochs"), "{err}");
    // Every utterance tested once, pooled per corpus.
    let results = std::fs::read_to_string(out.join("results.md")).unwrap();
    assert!(results.contains("| ravdess | 24 |"), "{results}");
    let bundle = out.join("speaker_Actor_01");
    let inputs = std::fs::read_to_string(bundle.join("best/inputs.toml")).unwrap();
    assert!(inputs.contains("normalize = \"speaker\"") && inputs.contains("log_energy = true"), "{inputs}");
    assert!(inputs.contains("centre_stats = true") && inputs.contains("statistics_spread = ["), "{inputs}");
    let config = std::fs::read_to_string(bundle.join("best/config.toml")).unwrap();
    assert!(config.contains("acoustic_stats = true") && config.contains("voiced_stats = true"), "{config}");
    assert!(config.contains("stats_head = true") && config.contains("frame_dropout = 0.5"), "{config}");

    let evaluate = |extra: &[&str]| {
        let mut args = vec!["evaluate", "--model", bundle.to_str().unwrap(), "--manifest", m.to_str().unwrap()];
        args.extend_from_slice(&["--cache", cache.to_str().unwrap(), "--json"]);
        args.extend_from_slice(extra);
        let (ok, stdout, err) = emorec(&args);
        assert!(ok, "evaluate failed: {err}");
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        (v["n"].as_u64().unwrap(), v["loss"].as_f64().unwrap(), v["wa"].as_f64().unwrap(), err)
    };
    let predictions = dir.join("predictions.csv");
    let (n, by_speaker, wa, err) = evaluate(&["--predictions", predictions.to_str().unwrap()]);
    assert_eq!(n, 24);
    assert!(!err.contains("warning"), "{err}");
    // One row per utterance, in the manifest's order, whose predictions
    // are the evaluation's.
    let csv = std::fs::read_to_string(&predictions).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("id,corpus,speaker,label,predicted,p_ang,p_hap,p_neu,p_sad"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 24, "{csv}");
    assert_eq!((rows[0][0], rows[0][1], rows[0][2], rows[0][3]), ("01-05-01", "ravdess", "Actor_01", "ang"), "{csv}");
    let mut correct = 0;
    for r in &rows {
        let p: Vec<f64> = r[5..].iter().map(|v| v.parse().unwrap()).collect();
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-4, "{r:?}");
        let best = (0..4).fold(0, |b, k| if p[k] > p[b] { k } else { b });
        assert_eq!(r[4], ["ang", "hap", "neu", "sad"][best], "{r:?}");
        correct += usize::from(r[3] == r[4]);
    }
    assert!((correct as f64 / 24.0 - wa).abs() < 1e-9, "{correct} of 24 correct in the CSV, WA {wa}");
    let (_, by_utterance, _, err) = evaluate(&["--normalize", "utterance"]);
    assert!(err.contains("trained with speaker normalisation"), "{err}");
    assert_ne!(by_speaker, by_utterance, "the normalisation must reach the model");

    let (ok, stdout, err) = emorec(&[
        "predict",
        "--model",
        bundle.to_str().unwrap(),
        "--audio",
        files[0].to_str().unwrap(),
        "--speaker",
        files[1].to_str().unwrap(),
        files[2].to_str().unwrap(),
        "--json",
    ]);
    assert!(ok, "predict failed: {err}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["speech"], serde_json::Value::Bool(true));
    assert!(v["label"].is_string(), "{v}");
    assert!(!err.contains("without --speaker"), "{err}");
    // Without the speaker's recordings: a result, and a note saying what it costs.
    let (ok, _, err) = emorec(&["predict", "--model", bundle.to_str().unwrap(), "--audio", files[0].to_str().unwrap()]);
    assert!(ok && err.contains("without --speaker"), "{err}");

    // A larger validation share reaches the folds: with two training actors
    // (too few to hold whole speakers out) it is a share of each class's
    // training utterances: half of 16 here, where a tenth of each class's
    // four rounds to none.
    let ((ok, _, err), _) = cv("cv-half", &["--validation-fraction", "0.5"]);
    assert!(ok, "cv failed: {err}");
    assert!(err.contains("8 train, 8 validation, 8 test examples"), "{err}");
    let ((ok, _, err), _) = cv("cv-all", &["--validation-fraction", "1"]);
    assert!(!ok && err.contains("not a share strictly between 0 and 1"), "{err}");

    // A seed ensemble: two networks per fold from seeds 3 and 4, each in a
    // bundle of its own, scored together; `train` refuses it.
    let c2 = dir.join("tiny-members.toml");
    std::fs::write(&c2, CONFIG.replace("seed = 3", "seed = 3\nmembers = 2")).unwrap();
    let out = dir.join("cv-members");
    let mut args = vec!["cv", "--config", c2.to_str().unwrap(), "--manifest", m.to_str().unwrap()];
    args.extend_from_slice(&["--protocol", "loso", "--cache", cache.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let (ok, _, err) = emorec(&args);
    assert!(ok, "cv failed: {err}");
    assert!(err.contains("member 1/2 (seed 3)") && err.contains("member 2/2 (seed 4)"), "{err}");
    let results = std::fs::read_to_string(out.join("results.md")).unwrap();
    assert!(results.contains("| ravdess | 24 |"), "{results}");
    let fold = out.join("speaker_Actor_01");
    let weights = |k: usize| std::fs::read(fold.join(format!("member-{k}/best/weights.bpk"))).unwrap();
    assert_ne!(weights(1), weights(2), "the members must differ");
    let test: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fold.join("test.json")).unwrap()).unwrap();
    assert_eq!(test["n"], 8, "{test}");
    // Each member leaves its test probabilities before calibration, so
    // that another calibration can be scored on them.
    for k in 1..=2 {
        let csv = std::fs::read_to_string(fold.join(format!("member-{k}/test-predictions.csv"))).unwrap();
        assert_eq!(csv.lines().count(), 1 + 8, "{csv}");
        assert!(csv.lines().skip(1).all(|l| l.contains(",ravdess,Actor_01,")), "{csv}");
    }

    // With a validation part (half of each class here), each member also
    // leaves its validation probabilities and temperature; a temperature
    // also fitted on a perturbed copy of the validation audio changes the
    // calibration and not the training.
    let members_cv = |name: &str, config: &str| {
        let c = dir.join(format!("{name}.toml"));
        std::fs::write(&c, config).unwrap();
        let out = dir.join(name);
        let mut args = vec!["cv", "--config", c.to_str().unwrap(), "--manifest", m.to_str().unwrap()];
        args.extend_from_slice(&[
            "--protocol",
            "loso",
            "--validation-fraction",
            "0.5",
            "--cache",
            cache.to_str().unwrap(),
        ]);
        args.extend_from_slice(&["--out", out.to_str().unwrap()]);
        let (ok, _, err) = emorec(&args);
        assert!(ok, "cv failed: {err}");
        (out.join("speaker_Actor_01"), err)
    };
    let members = CONFIG.replace("seed = 3", "seed = 3\nmembers = 2");
    let (plain, _) = members_cv("cv-members-half", &members);
    let calibrated = members.replace(
        "[model]",
        "[calibration]\ncopies = 1\nper_speaker = true\np_speed = 1.0\np_noise = 1.0\nsnr_db = [0.0, 5.0]\n\n[model]",
    );
    let (fold3, err) = members_cv("cv-members-calibrated", &calibrated);
    assert!(err.contains("perturbed copy 1/1 of the validation audio"), "{err}");
    let bytes = |f: &PathBuf, k: usize, name: &str| std::fs::read(f.join(format!("member-{k}/{name}"))).unwrap();
    // The same network: the same probabilities before calibration.
    let raw = |f: &PathBuf| String::from_utf8(bytes(f, 1, "test-predictions.csv")).unwrap();
    assert_eq!(raw(&plain), raw(&fold3), "training must not change");
    let read =
        |p: PathBuf| -> serde_json::Value { serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap() };
    for k in 1..=2 {
        let csv = String::from_utf8(bytes(&plain, k, "validation-predictions.csv")).unwrap();
        assert!(csv.lines().count() == 1 + 8 && !csv.contains("Actor_01"), "{csv}");
        let cal = read(plain.join(format!("member-{k}/calibration.json")));
        assert!(cal["temperature"].as_f64().unwrap() >= 1.0 && cal["perturbed_copies"].is_null(), "{cal}");
    }
    let cal = read(fold3.join("member-1/calibration.json"));
    let perturbed = &cal["perturbed_copies"];
    assert_eq!(perturbed["copies"], 1, "{cal}");
    assert_eq!(perturbed["n"], cal["validation"]["n"], "{cal}");
    let t = |c: &serde_json::Value| c["temperature"].as_f64().unwrap();
    let before = read(plain.join("member-1/calibration.json"));
    assert_eq!(t(&before), cal["validation_temperature"].as_f64().unwrap(), "{cal}");
    assert_ne!(t(&before), t(&cal), "the perturbed copy must reach the temperature");
    // Perturbed copies of the test audio are scored beside the clean ones
    // by the same networks, and pooled into a table of their own.
    let perturbed_test = members.replace(
        "[model]",
        "[perturbed_test]\ncopies = 1\nper_speaker = true\np_speed = 0.0\np_noise = 1.0\nsnr_db = [0.0, 5.0]\np_telephone = 1.0\n\n[model]",
    );
    let (fold_pt, err) = members_cv("cv-members-perturbed-test", &perturbed_test);
    assert!(err.contains("perturbed copy 1/1 of the test audio"), "{err}");
    // Drawn from the config's seed, the copies are the same for both
    // members: made by the first member of each fold, reused by the second.
    let (made, reused) = (
        err.matches("perturbed copy 1/1 of the test audio").count(),
        err.matches("as for the previous member").count(),
    );
    assert!(made > 0 && made == reused, "{err}");
    assert_eq!(raw(&plain), raw(&fold_pt), "training and the clean test must not change");
    let ids = |csv: &str| csv.lines().map(|l| l.split(',').next().unwrap().to_string()).collect::<Vec<_>>();
    for k in 1..=2 {
        let clean = String::from_utf8(bytes(&fold_pt, k, "test-predictions.csv")).unwrap();
        let noisy = String::from_utf8(bytes(&fold_pt, k, "test-perturbed-1-predictions.csv")).unwrap();
        assert_eq!(ids(&clean), ids(&noisy), "the same test utterances");
        assert_ne!(clean, noisy, "the copy must reach the model");
    }
    let results = std::fs::read_to_string(fold_pt.parent().unwrap().join("results.md")).unwrap();
    assert!(results.contains("through perturbed channels (`[perturbed_test]`: 1 copy"), "{results}");
    // A random split's test part depends on the seed: no ensemble over it.
    let mut args = vec!["cv", "--config", c2.to_str().unwrap(), "--manifest", m.to_str().unwrap()];
    args.extend_from_slice(&[
        "--protocol",
        "random",
        "--cache",
        cache.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let (ok, _, err) = emorec(&args);
    assert!(!ok && err.contains("test parts do not depend on the seed"), "{err}");
    let train = dir.join("train-members");
    let (ok, _, err) = emorec(&[
        "train",
        "--config",
        c2.to_str().unwrap(),
        "--manifest",
        m.to_str().unwrap(),
        "--protocol",
        "loso",
        "--out",
        train.to_str().unwrap(),
    ]);
    assert!(!ok && err.contains("members = 2"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
