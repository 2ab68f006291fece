//! The IEMOCAP reader on a generated miniature of the release.
//!
//! IEMOCAP cannot be shipped, so `tests/fixtures/iemocap_mini/` is a tiny
//! copy of its layout made by [`generate`] below: two sessions, three dialogs,
//! 0.2 s tones for wavs, and the malformed input the reader must survive.
//! To change it, edit [`generate`] and run
//!
//! ```text
//! EMOREC_REGENERATE_FIXTURES=1 cargo test --release --test data_iemocap
//! ```
//!
//! `fixture_is_what_the_generator_makes` fails if the committed files and the
//! generator disagree.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use emorec::data::iemocap::{read_iemocap, IemocapOptions};
use emorec::data::manifest::{load_manifest, save_manifest};
use emorec::data::LabelCounts;
use emorec::Emotion;

/// One labelled turn of the miniature.
struct Turn {
    id: &'static str,
    /// The summary line's label (`exc`, `fru`, `xxx` ...) or a whole
    /// malformed summary line when it starts with `[`.
    label: &'static str,
    transcript: Option<&'static str>,
    wav: bool,
}

const fn t(id: &'static str, label: &'static str, transcript: Option<&'static str>, wav: bool) -> Turn {
    Turn { id, label, transcript, wav }
}

/// (session, dialog, CRLF line ends, turns, extra EmoEvaluation lines, extra transcript lines)
type Dialog = (u32, &'static str, bool, Vec<Turn>, &'static [&'static str], &'static [&'static str]);

fn dialogs() -> Vec<Dialog> {
    vec![
        (
            1,
            "Ses01F_impro01",
            false,
            vec![
                t("Ses01F_impro01_F000", "neu", Some("Excuse me."), true),
                t("Ses01F_impro01_M000", "ang", Some("Yeah, I said \"forms\", okay?"), true),
                t("Ses01F_impro01_F001", "exc", Some("Oh, that's great!"), true),
                t("Ses01F_impro01_M001", "fru", Some("This again."), false),
                t("Ses01F_impro01_F002", "xxx", Some("Um, well."), false),
                // A summary line with a time span that is not a number.
                t(
                    "Ses01F_impro01_M002",
                    "[12.x0 - 13.0000]\tSes01F_impro01_M002\tsad\t[2.0, 2.0, 2.0]",
                    Some("No."),
                    false,
                ),
            ],
            &["this line is garbage and not a label"],
            &[
                "M: [BREATHING]",
                "Ses01F_impro01_MXX0 [014.0000-015.0000]: [GARBAGE]",
                "Ses01F_impro01_F009 no time span: hello",
            ],
        ),
        (
            1,
            "Ses01M_script01_1",
            false,
            vec![
                t("Ses01M_script01_1_F000", "hap", Some("I'm so happy for you."), true),
                // Only markup: dropped.
                t("Ses01M_script01_1_M000", "sad", Some("[LAUGHTER] ."), true),
                // No wav: kept, text only.
                t("Ses01M_script01_1_M001", "neu", Some("Well, okay."), false),
                t("Ses01M_script01_1_F001", "oth", Some("Hmm."), false),
            ],
            &[],
            &[],
        ),
        (
            2,
            "Ses02F_impro02",
            true,
            vec![
                t("Ses02F_impro02_F000", "sad", Some("I miss him."), true),
                t("Ses02F_impro02_M000", "ang", Some("Get out!"), true),
                // No transcript line: kept, audio only.
                t("Ses02F_impro02_F001", "neu", None, true),
                t("Ses02F_impro02_M001", "hap", Some("Ha, that's funny."), true),
                t("Ses02F_impro02_M002", "sur", Some("What?"), false),
            ],
            &[],
            &[],
        ),
    ]
}

/// Writes the miniature release under `out` (= the `IEMOCAP_full_release` folder).
fn generate(out: &Path) {
    let write = |p: PathBuf, bytes: &[u8]| {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    };
    for (k, (session, dialog, crlf, turns, extra_eval, extra_trans)) in dialogs().into_iter().enumerate() {
        let dir = out.join(format!("Session{session}"));
        let nl = if crlf { "\r\n" } else { "\n" };
        let mut eval = format!("% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]{nl}{nl}");
        let mut trans = String::new();
        for (i, turn) in turns.iter().enumerate() {
            let (start, end) = (2.0 + 3.0 * i as f64, 4.1234 + 3.0 * i as f64);
            if turn.label.starts_with('[') {
                eval += turn.label;
            } else {
                eval += &format!("[{start:.4} - {end:.4}]\t{}\t{}\t[2.5000, 3.0000, 2.5000]", turn.id, turn.label);
            }
            eval += &format!("{nl}C-E1:\tNeutral;\t(){nl}C-E2:\tNeutral; Other;\t(){nl}A-E1:\tval 3; act 2; dom  2;\t(){nl}A-F1:\tval 2; act 3; dom  3;\t(mildly aggravated){nl}{nl}");
            if let Some(text) = turn.transcript {
                trans += &format!("{} [{start:08.4}-{end:08.4}]: {text}{nl}", turn.id);
            }
            if turn.wav {
                let f = 220.0 * (1.0 + (k * 7 + i) as f32 / 10.0);
                write(dir.join("sentences/wav").join(dialog).join(format!("{}.wav", turn.id)), &tone_wav(f));
            }
        }
        for l in extra_eval.iter() {
            eval += &format!("{l}{nl}");
        }
        for l in extra_trans.iter() {
            trans += &format!("{l}{nl}");
        }
        write(dir.join("dialog/EmoEvaluation").join(format!("{dialog}.txt")), eval.as_bytes());
        write(dir.join("dialog/transcriptions").join(format!("{dialog}.txt")), trans.as_bytes());
    }
    // What real copies also hold and the reader must not take for labels:
    // per-evaluator folders and macOS resource forks.
    write(
        out.join("Session1/dialog/EmoEvaluation/Categorical/Ses01F_impro01_e1_cat.txt"),
        b"Ses01F_impro01_F000 :Neutral; ()\n",
    );
    write(out.join("Session1/dialog/EmoEvaluation/._Ses01F_impro01.txt"), b"\x00\x05\x16\x07\xff\xfe junk");
}

/// 0.2 s of a sine at `freq` Hz, 16 kHz 16-bit mono PCM WAV.
fn tone_wav(freq: f32) -> Vec<u8> {
    let n = 3200u32;
    let mut b = Vec::with_capacity(44 + 2 * n as usize);
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + 2 * n).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes()); // PCM
    b.extend_from_slice(&1u16.to_le_bytes()); // mono
    b.extend_from_slice(&16000u32.to_le_bytes());
    b.extend_from_slice(&32000u32.to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&(2 * n).to_le_bytes());
    for i in 0..n {
        let x = (2.0 * std::f32::consts::PI * freq * i as f32 / 16000.0).sin() * 0.3;
        b.extend_from_slice(&((x * 32767.0) as i16).to_le_bytes());
    }
    b
}

fn fixture_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/iemocap_mini/IEMOCAP_full_release")
}

fn tmp(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Every file under `dir`, relative path → bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.insert(p.strip_prefix(base).unwrap().to_path_buf(), std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn fixture_is_what_the_generator_makes() {
    if std::env::var_os("EMOREC_REGENERATE_FIXTURES").is_some() {
        let _ = std::fs::remove_dir_all(fixture_root());
        generate(&fixture_root());
    }
    let fresh = tmp("iemocap_fresh").join("IEMOCAP_full_release");
    generate(&fresh);
    let (a, b) = (tree(&fresh), tree(&fixture_root()));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "tests/fixtures/iemocap_mini differs from the generator; regenerate with EMOREC_REGENERATE_FIXTURES=1"
    );
    for (k, v) in &a {
        assert!(b[k] == *v, "{} differs from the generator; regenerate with EMOREC_REGENERATE_FIXTURES=1", k.display());
    }
    let bytes: usize = b.values().map(Vec::len).sum();
    assert!(bytes < 100_000, "the fixture should stay tiny ({bytes} bytes)");
}

#[test]
fn reader_counts_on_the_miniature() {
    let r = read_iemocap(&fixture_root(), IemocapOptions::default()).unwrap();
    assert_eq!(r.counts(), LabelCounts([2, 3, 3, 1]), "ang, hap(+exc), neu, sad");
    assert_eq!(r.per_session["Session1"], LabelCounts([1, 2, 2, 0]));
    assert_eq!(r.per_session["Session2"], LabelCounts([1, 1, 1, 1]));
    let dropped: Vec<(&str, usize)> = r.dropped_labels.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(dropped, vec![("fru", 1), ("oth", 1), ("sur", 1), ("xxx", 1)]);
    assert_eq!(r.dropped_wordless, 1);
    assert_eq!(r.missing_wav, 1);
    assert_eq!(r.missing_transcript, 1);
    assert_eq!(r.ignored_transcript_lines, 2);
    assert_eq!(r.duplicates, 0);
    // garbage line, bad time span (EmoEvaluation), line without time span (transcription)
    assert_eq!(r.bad_lines.len(), 3, "{:#?}", r.bad_lines);
    assert!(r.bad_lines.iter().any(|l| l.contains("bad time span")));

    let ids: Vec<&str> = r.utterances.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "Ses01F_impro01_F000",
            "Ses01F_impro01_M000",
            "Ses01F_impro01_F001",
            "Ses01M_script01_1_F000",
            "Ses01M_script01_1_M001",
            "Ses02F_impro02_F000",
            "Ses02F_impro02_M000",
            "Ses02F_impro02_F001",
            "Ses02F_impro02_M001",
        ]
    );
    let by_id = |id: &str| r.utterances.iter().find(|u| u.id == id).unwrap();
    let u = by_id("Ses01F_impro01_F001");
    assert_eq!(u.label, Emotion::Happy, "exc → hap");
    assert_eq!((u.speaker.as_str(), u.group.as_str()), ("Ses01_F", "Session1"));
    assert!(u.audio.as_ref().unwrap().is_file());
    let u = by_id("Ses01F_impro01_M000");
    assert_eq!(u.speaker, "Ses01_M");
    assert_eq!(u.transcript.as_deref(), Some("Yeah, I said \"forms\", okay?"));
    assert_eq!(by_id("Ses01M_script01_1_M001").audio, None);
    assert_eq!(by_id("Ses02F_impro02_F001").transcript, None);
    assert_eq!(by_id("Ses02F_impro02_M001").speaker, "Ses02_M");

    let keep = read_iemocap(&fixture_root(), IemocapOptions { keep_wordless: true }).unwrap();
    assert_eq!(keep.counts(), LabelCounts([2, 3, 3, 2]));
}

#[test]
fn manifest_round_trip_of_the_miniature() {
    let r = read_iemocap(&fixture_root(), IemocapOptions::default()).unwrap();
    let out = tmp("iemocap_manifest").join("sub/manifest.csv");
    save_manifest(&out, &r.utterances).unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("id,audio,transcript,label,speaker,group,corpus\n"));
    assert!(r.utterances.iter().all(|u| u.corpus.as_deref() == Some("iemocap")));
    assert!(text.contains("\"Yeah, I said \"\"forms\"\", okay?\""), "CSV quoting:\n{text}");
    // Relative to the manifest's folder.
    assert!(text.contains(",../../../../"), "{text}");
    let back = load_manifest(&out).unwrap();
    assert_eq!(back, r.utterances);
}

#[test]
fn missing_or_wrong_root_is_an_error() {
    let e = read_iemocap(Path::new("/nonexistent/IEMOCAP"), IemocapOptions::default()).unwrap_err();
    assert!(e.to_string().contains("/nonexistent/IEMOCAP"), "{e}");
    let empty = tmp("iemocap_empty");
    let e = read_iemocap(&empty, IemocapOptions::default()).unwrap_err();
    assert!(e.to_string().contains("Session1"), "{e}");
}

#[test]
fn prepare_command_prints_counts_and_warnings() {
    let out = tmp("iemocap_cli").join("manifest.csv");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_emorec"))
        .args(["prepare", "iemocap"])
        .arg(fixture_root())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("Session1: ang 1, hap 2, neu 2, sad 0 (total 5)"), "{stdout}");
    assert!(stdout.contains("Session2: ang 1, hap 1, neu 1, sad 1 (total 4)"), "{stdout}");
    assert!(stdout.contains("all: ang 2, hap 3, neu 3, sad 1 (total 9)"), "{stdout}");
    assert!(stderr.contains("3 line(s) could not be parsed"), "{stderr}");
    assert!(stderr.contains("1 utterance(s) have no wav"), "{stderr}");
    assert!(stderr.contains("1 utterance(s) have no transcript"), "{stderr}");
    assert_eq!(load_manifest(&out).unwrap().len(), 9);
}
