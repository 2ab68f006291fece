//! Manifests: the emorec format (quoting, relative paths, optional modalities),
//! the shared corpora's formats (detected from the header), combining, and
//! the real shared manifests.

mod common;

use std::path::{Path, PathBuf};

use emorec::data::manifest::{combine, load_manifests, save_manifest, write_manifest, Manifest, ManifestFormat};
use emorec::data::{load_manifest, LabelCounts, Utterance};
use emorec::Emotion;

fn tmp(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn read(text: &str, name: &str) -> emorec::data::manifest::Manifest {
    Manifest::read(text.as_bytes(), Path::new(name), Path::new("/data/corpus")).unwrap()
}

fn utt(id: &str, audio: Option<&str>, transcript: Option<&str>, label: Emotion) -> Utterance {
    Utterance {
        id: id.into(),
        audio: audio.map(PathBuf::from),
        transcript: transcript.map(String::from),
        label,
        speaker: "spk".into(),
        group: "g".into(),
        corpus: None,
    }
}

#[test]
fn emorec_round_trip_with_quotes_commas_newlines_and_missing_modalities() {
    let dir = tmp("manifest_round_trip");
    let audio_dir = dir.join("audio");
    let utts = vec![
        utt("a", Some(audio_dir.join("a.wav").to_str().unwrap()), Some("Hello, \"world\"; it's me"), Emotion::Happy),
        utt("b", None, Some("text only,\nwith a line break"), Emotion::Sad),
        utt("c", Some(dir.join("other/c d.flac").to_str().unwrap()), None, Emotion::Angry),
        utt("d,with comma", Some("/elsewhere/x.wav"), Some("  "), Emotion::Neutral),
    ];
    let path = dir.join("m/manifest.csv");
    save_manifest(&path, &utts).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("../audio/a.wav"), "audio relative to the manifest's folder:\n{text}");
    assert!(text.contains("\"Hello, \"\"world\"\"; it's me\""), "{text}");
    let back = load_manifest(&path).unwrap();
    assert_eq!(back.len(), 4);
    assert_eq!(back[0], utts[0]);
    assert_eq!(back[1], utts[1]);
    assert_eq!(back[2], utts[2]);
    // Whitespace-only transcript reads back as missing.
    assert_eq!(back[3].transcript, None);
    assert_eq!(back[3].id, "d,with comma");
    assert_eq!(back[3].audio.as_deref(), Some(Path::new("/elsewhere/x.wav")));
}

#[test]
fn emorec_format_resolves_relative_audio_and_skips_other_labels() {
    let m = read(
        "id,audio,transcript,label,speaker,group\n\
         u1,wav/u1.wav,hi,exc,s1,g1\n\
         u2,,only text,fru,s1,g1\n\
         u3,../x/u3.wav,,NEU,s2,g2\n",
        "/data/corpus/manifest.csv",
    );
    assert_eq!(m.format, ManifestFormat::Emorec);
    assert_eq!(m.utterances.len(), 2);
    assert_eq!(m.utterances[0].audio.as_deref(), Some(Path::new("/data/corpus/wav/u1.wav")));
    assert_eq!(m.utterances[0].label, Emotion::Happy);
    assert_eq!(m.utterances[1].audio.as_deref(), Some(Path::new("/data/x/u3.wav")));
    assert_eq!(m.utterances[1].transcript, None);
    assert_eq!(m.skipped.get("fru"), Some(&1));
}

#[test]
fn corpus_audio_format() {
    let m = read(
        "path,speaker,gender,emotion,label4,intensity,transcript,repetition,sample_rate,duration_s\n\
         Actor_01/03-01-01-01-01-01-01.flac,Actor_01,M,neutral,neu,normal,Kids are talking by the door,1,48000,2.389\n\
         Actor_01/03-01-02-01-01-01-01.flac,Actor_01,M,calm,,normal,Kids are talking by the door,1,48000,2.389\n\
         Actor_02/03-01-05-01-01-01-02.flac,Actor_02,F,angry,ang,normal,Kids are talking by the door,1,48000,2.389\n",
        "/data/ravdess/manifest.csv",
    );
    assert_eq!(m.format, ManifestFormat::CorpusAudio);
    assert_eq!(m.corpus, "ravdess");
    assert_eq!(m.counts(), LabelCounts([1, 0, 1, 0]));
    assert_eq!(m.skipped.get("(none)"), Some(&1));
    let u = &m.utterances[1];
    assert_eq!(u.id, "Actor_02/03-01-05-01-01-01-02");
    assert_eq!(u.audio.as_deref(), Some(Path::new("/data/corpus/Actor_02/03-01-05-01-01-01-02.flac")));
    assert_eq!((u.speaker.as_str(), u.group.as_str()), ("Actor_02", "Actor_02"));
    assert_eq!(u.transcript.as_deref(), Some("Kids are talking by the door"));
}

#[test]
fn meld_format() {
    let m = read(
        "Sr No.,Utterance,Speaker,Emotion,Sentiment,Dialogue_ID,Utterance_ID,Season,Episode,StartTime,EndTime\n\
         1,\"Oh my God, he\u{2019}s lost it.\",Phoebe,sadness,negative,0,0,4,7,\"00:20:57,256\",\"00:21:00,049\"\n\
         2,What?,Monica,surprise,negative,0,1,4,7,\"00:21:01,927\",\"00:21:03,261\"\n\
         3,Great!,Joey,joy,positive,3,2,4,7,\"00:21:01,927\",\"00:21:03,261\"\n",
        "/x/dev_sent_emo.csv",
    );
    assert_eq!(m.format, ManifestFormat::Meld);
    assert_eq!(m.corpus, "meld");
    assert_eq!(m.utterances.len(), 2);
    assert_eq!(m.utterances[0].id, "dev_dia0_utt0");
    assert_eq!(m.utterances[0].label, Emotion::Sad);
    assert_eq!(m.utterances[0].transcript.as_deref(), Some("Oh my God, he\u{2019}s lost it."));
    assert_eq!(m.utterances[0].audio, None);
    assert_eq!(m.utterances[1].id, "dev_dia3_utt2");
    assert_eq!((m.utterances[1].speaker.as_str(), m.utterances[1].group.as_str()), ("Joey", "dev"));
    assert_eq!(m.skipped.get("surprise"), Some(&1));
}

#[test]
fn bad_input_is_a_clear_error() {
    let e = Manifest::read("name,emotion\nx,angry\n".as_bytes(), Path::new("odd.csv"), Path::new("/")).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("odd.csv") && msg.contains("unrecognised manifest header"), "{msg}");
    assert!(
        msg.contains("id,audio,transcript,label,speaker,group")
            && msg.contains("label4")
            && msg.contains("Dialogue_ID")
    );

    let e = Manifest::read(
        "id,audio,transcript,label,speaker,group\nu1,,x,ang,s,g\nu1,,y,sad,s,g\n".as_bytes(),
        Path::new("dup.csv"),
        Path::new("/"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("duplicate id") && e.to_string().contains("line 3"), "{e}");

    let e = Manifest::read(
        "id,audio,transcript,label,speaker,group\nu1,,\"unclosed,ang,s,g\nu2,,x,ang,s,g\n".as_bytes(),
        Path::new("q.csv"),
        Path::new("/"),
    );
    assert!(e.is_err());

    let e = Manifest::read("".as_bytes(), Path::new("empty.csv"), Path::new("/")).unwrap_err();
    assert!(e.to_string().contains("empty.csv"), "{e}");

    let e = load_manifest("/nonexistent/manifest.csv").unwrap_err();
    assert!(e.to_string().contains("/nonexistent/manifest.csv"), "{e}");

    // Non-UTF-8 bytes do not stop the reader.
    let bytes = b"id,audio,transcript,label,speaker,group\nu1,,caf\xe9,neu,s,g\n";
    let m = Manifest::read(&bytes[..], Path::new("latin1.csv"), Path::new("/")).unwrap();
    assert_eq!(m.utterances[0].transcript.as_deref(), Some("caf\u{fffd}"));
}

#[test]
fn combining_prefixes_ids_only_when_they_collide() {
    let header = "id,audio,transcript,label,speaker,group\n";
    let a = read(&format!("{header}x,,a,ang,s,g\ny,,b,sad,s,g\n"), "/c/alpha.csv");
    let b = read(&format!("{header}z,,c,neu,s,g\n"), "/c/beta.csv");
    let ids: Vec<String> = combine(vec![a.clone(), b]).unwrap().into_iter().map(|u| u.id).collect();
    assert_eq!(ids, ["x", "y", "z"]);
    let c = read(&format!("{header}x,,c,neu,s,g\n"), "/c/gamma.csv");
    let ids: Vec<String> = combine(vec![a.clone(), c]).unwrap().into_iter().map(|u| u.id).collect();
    assert_eq!(ids, ["alpha/x", "alpha/y", "gamma/x"]);
    assert!(combine(vec![a.clone(), a]).is_err());
}

#[test]
fn write_to_any_writer() {
    let mut out = Vec::new();
    write_manifest(&mut out, &[utt("a", Some("/base/w/a.wav"), Some("hi"), Emotion::Angry)], Path::new("/base"))
        .unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), "id,audio,transcript,label,speaker,group\na,w/a.wav,hi,ang,spk,g\n");
}

/// The real shared manifests, read as they are. Needs the shared data
/// (`$EMOREC_SHARED`, else ../shared).
#[test]
fn shared_manifests() {
    let data = common::shared_path("data/tess/manifest.csv").parent().unwrap().parent().unwrap().to_path_buf();
    let tess = Manifest::load(&data.join("tess/manifest.csv")).unwrap();
    assert_eq!(tess.counts(), LabelCounts([400, 400, 400, 400]));
    assert!(tess.utterances.iter().all(|u| u.speaker == "OAF" || u.speaker == "YAF"), "OA_bite_neutral is OAF");
    assert!(tess.utterances.iter().all(|u| u.audio.as_ref().unwrap().is_file()));
    let ravdess = Manifest::load(&data.join("ravdess/manifest.csv")).unwrap();
    assert_eq!(ravdess.counts(), LabelCounts([128, 128, 64, 128]));
    assert_eq!(ravdess.skipped_total(), 508);
    assert!(ravdess.utterances.iter().all(|u| u.audio.as_ref().unwrap().is_file()));
    let expected = [("train", [1109, 1743, 4710, 683]), ("dev", [153, 163, 470, 111]), ("test", [345, 402, 1256, 208])];
    for (split, counts) in expected {
        let m = Manifest::load(&data.join(format!("meld/{split}_sent_emo.csv"))).unwrap();
        assert_eq!(m.counts(), LabelCounts(counts), "MELD {split}");
        assert!(m.utterances.iter().all(|u| u.group == split && u.audio.is_none() && u.transcript.is_some()));
    }
    let all = load_manifests(&[
        data.join("tess/manifest.csv"),
        data.join("ravdess/manifest.csv"),
        data.join("meld/train_sent_emo.csv"),
        data.join("meld/dev_sent_emo.csv"),
        data.join("meld/test_sent_emo.csv"),
    ])
    .unwrap();
    assert_eq!(all.len(), 1600 + 448 + 8245 + 897 + 2211);
}
