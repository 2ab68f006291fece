//! `emorec vocab build` and `emorec vocab check` end to end on small files:
//! a GloVe text file, a plain-text transcript list and a CSV manifest with
//! quoted fields.
#![cfg(feature = "cli")]

use std::path::PathBuf;
use std::process::Command;

use emorec::text::Vocabulary;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("emorec-text-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn emorec(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_emorec")).args(args).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn build_then_check() {
    let dir = scratch("build");
    let glove = dir.join("glove.txt");
    std::fs::write(
        &glove,
        "the 1 0\n, 0 1\ni 0.5 0.5\ndo 1 1\nn't -1 0\nknow 0 -1\nsay 0.2 0.3\nword 0.4 0.1\nrare -0.3 0.8\n",
    )
    .unwrap();
    let texts = dir.join("texts.txt");
    std::fs::write(&texts, "I don't know\n\n[LAUGHTER]\nrare\n").unwrap();
    let manifest = dir.join("m.csv");
    std::fs::write(
        &manifest,
        "path,Utterance,x\na.flac,\"Say, the word\",1\nb.flac,\"unknownish, \"\"quoted\"\"\",2\n",
    )
    .unwrap();
    let out = dir.join("sub/vocab.safetensors");
    let (ok, text) = emorec(&[
        "vocab",
        "build",
        "--glove",
        glove.to_str().unwrap(),
        "--texts",
        texts.to_str().unwrap(),
        "--manifest",
        manifest.to_str().unwrap(),
        "--top",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{text}");
    for needle in [
        "vocabulary: 10 entries",
        "size on disk:",
        "coverage of training transcripts",
        "quantisation error",
        "unknownish",
    ] {
        assert!(text.contains(needle), "no {needle:?} in:\n{text}");
    }
    let v = Vocabulary::from_bytes(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(v.len(), 10);
    assert!(v.contains("rare") && v.contains("say"));

    let (ok, text) = emorec(&["vocab", "check", "--vocab", out.to_str().unwrap(), "--texts", texts.to_str().unwrap()]);
    assert!(ok, "{text}");
    assert!(text.contains("100.00% of 5 tokens"), "{text}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn clear_errors() {
    let dir = scratch("errors");
    let bad = dir.join("bad.safetensors");
    std::fs::write(&bad, b"not a vocabulary").unwrap();
    let (ok, text) = emorec(&["vocab", "check", "--vocab", bad.to_str().unwrap()]);
    assert!(!ok);
    assert!(text.contains("not a usable emorec vocabulary"), "{text}");

    let manifest = dir.join("m.csv");
    std::fs::write(&manifest, "path,label\na,b\n").unwrap();
    let (ok, text) = emorec(&[
        "vocab",
        "build",
        "--glove",
        "/nonexistent/glove.txt.gz",
        "--manifest",
        manifest.to_str().unwrap(),
        "--out",
        dir.join("v").to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(text.contains("no column transcript or Utterance"), "{text}");

    let (ok, text) =
        emorec(&["vocab", "build", "--glove", "/nonexistent/glove.txt.gz", "--out", dir.join("v").to_str().unwrap()]);
    assert!(!ok);
    assert!(text.contains("cannot open /nonexistent/glove.txt.gz"), "{text}");
    std::fs::remove_dir_all(&dir).ok();
}
