//! The new corpora's readers on the real shared files: EMOVO through the
//! shared-manifest format, GoEmotions, DailyDialog and EmoryNLP with their
//! label mappings and official splits, EmoryNLP's overlap with MELD's test
//! split, corpus and speaker identity when combined, and malformed input
//! errors that name file and line. Needs the shared data ($EMOREC_SHARED,
//! else ../shared); run with `-- --nocapture` to see the counts.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use emorec::data::manifest::{combine, load_manifests, save_manifest, Manifest, ManifestFormat};
use emorec::data::split::Protocol;
use emorec::data::split::ValidationPolicy;
use emorec::data::{dailydialog, emorynlp, goemotions, load_manifest, LabelCounts, Utterance};
use emorec::Emotion;

fn tmp(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn text_dir(corpus: &str) -> PathBuf {
    common::shared_path(&format!("data/text/{corpus}"))
}

/// Per-split counts of a corpus, printed as a table row each.
fn report(corpus: &str, manifests: &[(&str, &Manifest)]) {
    for (split, m) in manifests {
        println!(
            "{corpus} {split}: {}; skipped {} {:?}; left out {:?}",
            m.counts(),
            m.skipped_total(),
            m.skipped,
            m.left_out
        );
        for n in &m.notes {
            println!("  note: {n}");
        }
    }
}

fn find<'a>(m: &'a Manifest, id: &str) -> &'a Utterance {
    m.utterances.iter().find(|u| u.id == id).unwrap_or_else(|| panic!("no utterance {id}"))
}

#[test]
fn emovo_through_the_shared_manifest_format() {
    let path = common::shared_path("data/emovo/manifest.csv");
    let m = Manifest::load(&path).unwrap();
    println!("emovo: {}", m.counts());
    assert_eq!(m.format, ManifestFormat::CorpusAudio);
    assert_eq!(m.corpus, "emovo");
    assert_eq!(m.utterances.len(), 336);
    assert_eq!(m.counts(), LabelCounts([84, 84, 84, 84]));
    assert_eq!(m.skipped_total(), 0);
    let speakers: BTreeSet<&str> = m.utterances.iter().map(|u| u.speaker.as_str()).collect();
    assert_eq!(speakers.into_iter().collect::<Vec<_>>(), ["f1", "f2", "f3", "m1", "m2", "m3"]);
    for u in &m.utterances {
        assert!(u.audio.as_ref().unwrap().is_file(), "{:?}", u.audio);
        assert_eq!(u.transcript, None, "EMOVO has no transcripts");
        assert_eq!(u.corpus.as_deref(), Some("emovo"));
        assert_eq!(u.group, u.speaker);
    }
    // 14 sentences x 6 speakers per class.
    let per_speaker = m.utterances.iter().filter(|u| u.speaker == "m2" && u.label == Emotion::Sad).count();
    assert_eq!(per_speaker, 14);
    let u = find(&m, "f1/gio-f1-b1");
    assert_eq!(u.label, Emotion::Happy);
    assert!(u.audio.as_ref().unwrap().ends_with("emovo/f1/gio-f1-b1.flac"));
    let folds = Protocol::LeaveOneSpeakerOut.folds(&m.utterances, 1, ValidationPolicy::default()).unwrap();
    assert_eq!(folds.len(), 6);
}

#[test]
fn every_reader_sets_the_corpus() {
    let data = common::shared_path("data");
    let paths = [
        ("tess", data.join("tess/manifest.csv")),
        ("ravdess", data.join("ravdess/manifest.csv")),
        ("emovo", data.join("emovo/manifest.csv")),
        ("meld", data.join("meld/dev_sent_emo.csv")),
        ("goemotions", data.join("text/goemotions/dev.tsv")),
        ("dailydialog", data.join("text/dailydialog/dialogues_validation.txt")),
        ("emorynlp", data.join("text/emorynlp/emorynlp_dev_final.csv")),
    ];
    for (corpus, path) in &paths {
        let m = Manifest::load(path).unwrap();
        assert_eq!(m.corpus, *corpus);
        assert!(m.utterances.iter().all(|u| u.corpus.as_deref() == Some(*corpus)), "{corpus}");
    }
    // TESS, RAVDESS and EMOVO: group = speaker; the text corpora: group = split.
    let all = load_manifests(&paths.iter().map(|(_, p)| p.clone()).collect::<Vec<_>>()).unwrap();
    let by_corpus: BTreeMap<&str, usize> = all.iter().fold(BTreeMap::new(), |mut acc, u| {
        *acc.entry(u.corpus.as_deref().unwrap()).or_default() += 1;
        acc
    });
    assert_eq!(by_corpus.len(), 7);
    let groups: BTreeSet<&str> = all.iter().filter(|u| u.audio.is_none()).map(|u| u.group.as_str()).collect();
    assert_eq!(groups.into_iter().collect::<Vec<_>>(), ["dev"]);

    // The corpus column survives a prepared manifest, and old manifests without it still read.
    let dir = tmp("corpora_corpus_column");
    let out = dir.join("all.csv");
    save_manifest(&out, &all).unwrap();
    let head = std::fs::read_to_string(&out).unwrap();
    assert!(head.starts_with("id,audio,transcript,label,speaker,group,corpus\n"), "{}", &head[..80]);
    let back = load_manifest(&out).unwrap();
    assert_eq!(back, all);
    let old = dir.join("old.csv");
    std::fs::write(&old, "id,audio,transcript,label,speaker,group\nu1,,hi,hap,s,g\n").unwrap();
    assert_eq!(load_manifest(&old).unwrap()[0].corpus, None);
}

#[test]
fn speakers_are_prefixed_only_when_two_corpora_share_a_name() {
    let emovo = Manifest::load(&common::shared_path("data/emovo/manifest.csv")).unwrap();
    let tess = Manifest::load(&common::shared_path("data/tess/manifest.csv")).unwrap();
    let all = combine(vec![emovo.clone(), tess.clone()]).unwrap();
    assert!(all.iter().any(|u| u.speaker == "f1") && all.iter().any(|u| u.speaker == "OAF"));
    // Another corpus with a speaker named f1: every speaker gets its corpus.
    let other = Manifest::read(
        "id,audio,transcript,label,speaker,group,corpus\nx1,,hello,neu,f1,g,mine\n".as_bytes(),
        Path::new("/x/mine.csv"),
        Path::new("/x"),
    )
    .unwrap();
    let all = combine(vec![emovo, tess, other]).unwrap();
    let speakers: BTreeSet<&str> = all.iter().map(|u| u.speaker.as_str()).collect();
    assert!(speakers.contains("emovo/f1") && speakers.contains("mine/f1") && speakers.contains("tess/OAF"));
    assert!(!speakers.contains("f1"));
    // MELD's splits share speakers (the same characters): not a collision.
    let data = common::shared_path("data/meld");
    let meld = load_manifests(&[data.join("train_sent_emo.csv"), data.join("test_sent_emo.csv")]).unwrap();
    assert!(meld.iter().any(|u| u.speaker == "Joey"));
}

#[test]
fn goemotions_counts_mapping_and_splits() {
    let dir = text_dir("goemotions");
    let mut ms = Vec::new();
    for split in ["train", "dev", "test"] {
        let m = Manifest::load(&dir.join(format!("{split}.tsv"))).unwrap();
        assert_eq!(m.format, ManifestFormat::GoEmotions);
        assert!(m.utterances.iter().all(|u| u.group == split && u.audio.is_none() && u.has_text()));
        assert!(m.utterances.iter().all(|u| u.id.starts_with(&format!("{split}_")) && u.speaker == "reddit"));
        ms.push((split, m));
    }
    report("goemotions", &ms.iter().map(|(s, m)| (*s, m)).collect::<Vec<_>>());

    let labels = goemotions::parse_labels(&std::fs::read_to_string(dir.join("labels.txt")).unwrap());
    assert_eq!(labels.len(), 28);
    let mapped: BTreeMap<&str, Emotion> =
        labels.iter().filter_map(|l| goemotions::map_label(l).map(|e| (l.as_str(), e))).collect();
    assert_eq!(mapped.len(), 2 + 6 + 1 + 3, "every name of the mapping is in labels.txt: {mapped:?}");
    assert_eq!(goemotions::map_label("annoyance"), Some(Emotion::Angry));
    assert_eq!(goemotions::map_label("amusement"), Some(Emotion::Happy));
    assert_eq!(goemotions::map_label("grief"), Some(Emotion::Sad));
    assert_eq!(goemotions::map_label("gratitude"), None);
    assert_eq!(goemotions::map_label("surprise"), None);

    // Known rows of dev.tsv: 25 sadness; 4,27 approval+neutral (skipped); 27 neutral.
    let dev = &ms[1].1;
    assert_eq!(find(dev, "dev_edcu99z").label, Emotion::Sad);
    assert_eq!(find(dev, "dev_edgurhb").label, Emotion::Neutral);
    assert!(dev.utterances.iter().all(|u| u.id != "dev_ee84bjg"));

    let counts: Vec<[usize; 4]> = ms.iter().map(|(_, m)| m.counts().0).collect();
    assert_eq!(counts, GOEMOTIONS);
    // Rows read = kept + skipped + left out = the files' line counts.
    let conflicts: Vec<usize> = ms.iter().map(|(_, m)| m.left_out[goemotions::LEFT_OUT_CONFLICT]).collect();
    assert_eq!(conflicts, [754, 95, 93]);
    let rows: Vec<usize> =
        ms.iter().map(|(_, m)| m.utterances.len() + m.skipped_total() + m.left_out_total()).collect();
    assert_eq!(rows, [43410, 5426, 5427]);
}

/// Measured on the shared files: ang, hap, neu, sad per train/dev/test.
const GOEMOTIONS: [[usize; 4]; 3] = [[2705, 4864, 12798, 1689], [319, 595, 1591, 194], [351, 539, 1604, 211]];
/// DailyDialog per train/dev/test.
const DAILYDIALOG: [[usize; 4]; 3] = [[827, 11182, 72131, 969], [77, 684, 7108, 79], [118, 1019, 6321, 102]];
/// EmoryNLP per train/dev/test (train after the MELD-test overlap is left out).
const EMORYNLP: [[usize; 4]; 3] = [[683, 1394, 1888, 410], [97, 205, 322, 51], [86, 217, 288, 70]];

#[test]
fn dailydialog_counts_mapping_and_the_mismatched_dialogue() {
    let dir = text_dir("dailydialog");
    let mut ms = Vec::new();
    for (file, split) in [("train", "train"), ("validation", "dev"), ("test", "test")] {
        let m = Manifest::load(&dir.join(format!("dialogues_{file}.txt"))).unwrap();
        assert_eq!(m.format, ManifestFormat::DailyDialog);
        assert!(m.utterances.iter().all(|u| u.group == split && u.has_text()));
        ms.push((split, m));
    }
    report("dailydialog", &ms.iter().map(|(s, m)| (*s, m)).collect::<Vec<_>>());
    // The label file names the same split.
    let via_labels = Manifest::load(&dir.join("dialogues_emotion_validation.txt")).unwrap();
    assert_eq!(via_labels.counts(), ms[1].1.counts());

    let train = &ms[0].1;
    // Line 7852 of the training file has 12 turns and 11 labels: left out, named.
    assert_eq!(train.left_out.get(dailydialog::LEFT_OUT_MISMATCH), Some(&12));
    assert_eq!(train.notes.len(), 1);
    assert!(train.notes[0].contains("dialogues_train.txt line 7852: 12 turns but 11 labels"), "{}", train.notes[0]);
    assert!(train.utterances.iter().all(|u| !u.id.starts_with("train_dia7851_")));
    assert!(ms[1].1.left_out.is_empty() && ms[2].1.left_out.is_empty());

    // Test line 1: `0 6 0 0 ...`; line 4 turn 10 is happiness (4), line 13 `5 0 5 0 5`.
    let test = &ms[2].1;
    let u = find(test, "test_dia0_utt0");
    assert_eq!((u.label, u.transcript.as_deref()), (Emotion::Neutral, Some("Hey man , you wanna buy some weed ?")));
    assert_eq!((u.speaker.as_str(), find(test, "test_dia0_utt2").speaker.as_str()), ("test_dia0_A", "test_dia0_A"));
    assert_eq!(find(test, "test_dia0_utt3").speaker, "test_dia0_B");
    assert!(test.utterances.iter().all(|u| u.id != "test_dia0_utt1"), "surprise is skipped");
    assert_eq!(find(test, "test_dia3_utt9").label, Emotion::Happy);
    assert_eq!(find(test, "test_dia12_utt0").label, Emotion::Sad);
    // The split-off apostrophes are joined back.
    assert_eq!(find(test, "test_dia0_utt8").transcript.as_deref().map(|t| t.contains("I’ll even")), Some(true));
    assert_eq!(dailydialog::join_split_apostrophes("Let ’ s see , ’ hi ’"), "Let’s see , ’ hi ’");

    assert!(ms.iter().all(|(_, m)| m.skipped.keys().all(|k| ["disgust", "fear", "surprise"].contains(&k.as_str()))));
    let counts: Vec<[usize; 4]> = ms.iter().map(|(_, m)| m.counts().0).collect();
    assert_eq!(counts, DAILYDIALOG);
    let skipped: Vec<usize> = ms.iter().map(|(_, m)| m.skipped_total()).collect();
    assert_eq!(skipped, [2049, 121, 180]);
}

#[test]
fn emorynlp_counts_mapping_and_meld_test_overlap() {
    let dir = text_dir("emorynlp");
    let mut ms = Vec::new();
    for split in ["train", "dev", "test"] {
        let m = Manifest::load(&dir.join(format!("emorynlp_{split}_final.csv"))).unwrap();
        assert_eq!(m.format, ManifestFormat::EmoryNlp);
        assert!(m.utterances.iter().all(|u| u.group == split && u.has_text()));
        assert!(m.skipped.keys().all(|k| ["Peaceful", "Powerful", "Scared"].contains(&k.as_str())), "{:?}", m.skipped);
        ms.push((split, m));
    }
    report("emorynlp", &ms.iter().map(|(s, m)| (*s, m)).collect::<Vec<_>>());

    let train = &ms[0].1;
    let removed = train.left_out[emorynlp::LEFT_OUT_IN_MELD_TEST];
    assert_eq!(removed, EMORYNLP_IN_MELD_TEST);
    assert!(train
        .notes
        .iter()
        .any(|n| n.contains(&format!("left out {removed} training")) && n.contains("test_sent_emo.csv")));
    assert!(ms[1].1.left_out.is_empty() && ms[2].1.left_out.is_empty(), "only training is filtered");

    // None of what is left of training occurs in MELD test; the removed ones did.
    let meld = common::shared_path("data/meld/test_sent_emo.csv");
    let keys = emorynlp::meld_keys(&meld).unwrap();
    assert!(train.utterances.iter().all(|u| !keys.contains(&emorynlp::overlap_key(u.transcript.as_deref().unwrap()))));
    let unfiltered = Manifest::read(
        std::fs::File::open(dir.join("emorynlp_train_final.csv")).unwrap(),
        &dir.join("emorynlp_train_final.csv"),
        &dir,
    )
    .unwrap();
    assert_eq!(unfiltered.utterances.len(), train.utterances.len() + removed);
    assert!(unfiltered.notes[0].contains("were not looked for"), "{:?}", unfiltered.notes);
    // Explicit MELD test file: same result.
    let explicit = emorynlp::load(&dir.join("emorynlp_train_final.csv"), Some(&meld)).unwrap();
    assert_eq!(explicit.counts(), train.counts());

    // The key repairs MELD's mojibake and ignores case and punctuation.
    assert_eq!(emorynlp::overlap_key("I donâ€™t know, Ross!"), emorynlp::overlap_key("i don't know ross"));
    assert_eq!(emorynlp::overlap_key("..."), "");

    assert_eq!(emorynlp::map_label("Mad"), Some(Emotion::Angry));
    assert_eq!(emorynlp::map_label("Joyful"), Some(Emotion::Happy));
    assert_eq!(emorynlp::map_label("Scared"), None);
    assert_eq!(emorynlp::parse_speakers("['Rachel Green']"), "Rachel Green");
    assert_eq!(emorynlp::parse_speakers("[\"Phoebe's Assistant\"]"), "Phoebe's Assistant");
    assert_eq!(emorynlp::parse_speakers("['Ross Geller', 'Rachel Green']"), "Ross Geller & Rachel Green");
    // Test file line 2: Ross, Mad, scene 4, utterance 1, season 1 episode 1.
    let u = find(&ms[2].1, "test_s1_e1_c4_u1");
    assert_eq!((u.label, u.speaker.as_str()), (Emotion::Angry, "Ross Geller"));
    assert!(u.transcript.as_deref().unwrap().starts_with("I'm supposed to attach a brackety thing"));

    let counts: Vec<[usize; 4]> = ms.iter().map(|(_, m)| m.counts().0).collect();
    assert_eq!(counts, EMORYNLP);
    // Rows read = kept + skipped + left out = the files' rows.
    let rows: Vec<usize> =
        ms.iter().map(|(_, m)| m.utterances.len() + m.skipped_total() + m.left_out_total()).collect();
    assert_eq!(rows, [7551, 954, 984]);
}

/// EmoryNLP training utterances (of the four classes) whose text occurs in MELD's test split.
const EMORYNLP_IN_MELD_TEST: usize = 1046;

#[test]
fn emorynlp_train_without_meld_test_is_an_error() {
    let dir = tmp("corpora_emory_alone");
    let src = text_dir("emorynlp").join("emorynlp_train_final.csv");
    let path = dir.join("emorynlp_train_final.csv");
    std::fs::copy(&src, &path).unwrap();
    let e = Manifest::load(&path).unwrap_err().to_string();
    assert!(e.contains("emorynlp_train_final.csv") && e.contains("test_sent_emo.csv was not found"), "{e}");
    // Dev and test need no MELD file.
    std::fs::copy(text_dir("emorynlp").join("emorynlp_dev_final.csv"), dir.join("emorynlp_dev_final.csv")).unwrap();
    assert!(Manifest::load(&dir.join("emorynlp_dev_final.csv")).is_ok());
}

#[test]
fn text_corpora_load_like_meld_and_train_on_the_predefined_split() {
    let data = common::shared_path("data/text");
    let utts = load_manifests(&[
        data.join("goemotions/train.tsv"),
        data.join("goemotions/dev.tsv"),
        data.join("goemotions/test.tsv"),
        data.join("dailydialog/dialogues_validation.txt"),
    ])
    .unwrap();
    let fold = &Protocol::from_name("predefined").unwrap().folds(&utts, 0, ValidationPolicy::default()).unwrap()[0];
    let dev: BTreeSet<&str> = fold.valid.iter().map(|&i| utts[i].corpus.as_deref().unwrap()).collect();
    assert_eq!(dev.into_iter().collect::<Vec<_>>(), ["dailydialog", "goemotions"]);
    assert!(fold.test.iter().all(|&i| utts[i].group == "test"));
}

/// Writes `content` to `name` in a fresh folder and returns the path.
fn bad_file(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

#[test]
fn malformed_text_corpora_name_file_and_line() {
    let dir = tmp("corpora_malformed");
    std::fs::write(dir.join("labels.txt"), "anger\njoy\nneutral\n").unwrap();
    let p = bad_file(&dir, "train.tsv", "fine\t2\tc1\nno label here\tx\tc2\n");
    let e = Manifest::load(&p).unwrap_err().to_string();
    assert!(e.contains("train.tsv, line 2") && e.contains("\"x\" is not a number"), "{e}");
    let p = bad_file(&dir, "dev.tsv", "fine\t2\tc1\nfine\t1\tc2\nout of range\t0,7\tc3\n");
    let e = Manifest::load(&p).unwrap_err().to_string();
    assert!(e.contains("dev.tsv, line 3") && e.contains("label id 7 is not in labels.txt"), "{e}");
    let p = bad_file(&dir, "test.tsv", "only one field\n");
    let e = Manifest::load(&p).unwrap_err().to_string();
    assert!(e.contains("test.tsv, line 1") && e.contains("three tab-separated fields"), "{e}");
    let p = bad_file(&dir, "dup.tsv", "a\t2\tc1\nb\t0\tc1\n");
    let e = Manifest::load(&p).unwrap_err().to_string();
    assert!(e.contains("dup.tsv, line 2") && e.contains("duplicate id"), "{e}");
    // Multi-label rule on a small file.
    let p = bad_file(&dir, "rule.tsv", "a\t0\tc1\nb\t0,1\tc2\nc\t1,1\tc3\n");
    let std_labels = "anger\njoy\nneutral\nsurprise\n";
    std::fs::write(dir.join("labels.txt"), std_labels).unwrap();
    let m = Manifest::load(&p).unwrap();
    assert_eq!(m.counts(), LabelCounts([1, 1, 0, 0]));
    assert_eq!(m.left_out.get(goemotions::LEFT_OUT_CONFLICT), Some(&1));
    let p = bad_file(&dir, "rule2.tsv", "a\t1,3\tc1\nb\t3\tc2\n");
    let m = Manifest::load(&p).unwrap();
    assert_eq!(m.utterances.len(), 0);
    assert_eq!(m.skipped.get(goemotions::SKIPPED_SEVERAL), Some(&1));
    assert_eq!(m.skipped.get("surprise"), Some(&1));
    // No labels.txt beside.
    let lone = tmp("corpora_malformed_lone");
    let p = bad_file(&lone, "train.tsv", "a\t0\tc1\n");
    let e = Manifest::load(&p).unwrap_err().to_string();
    assert!(e.contains("labels.txt") && e.contains("beside"), "{e}");

    // DailyDialog: a label outside 0-6, and files of different lengths.
    bad_file(&dir, "dialogues_train.txt", "Hi . __eou__ Hello . __eou__\nAngry ! __eou__\n");
    bad_file(&dir, "dialogues_emotion_train.txt", "0 4\n9\n");
    let e = Manifest::load(&dir.join("dialogues_train.txt")).unwrap_err().to_string();
    assert!(e.contains("dialogues_emotion_train.txt, line 2") && e.contains("\"9\" is not one of 0-6"), "{e}");
    bad_file(&dir, "dialogues_test.txt", "Hi . __eou__\nYes . __eou__\nNo . __eou__\n");
    bad_file(&dir, "dialogues_emotion_test.txt", "0\n1\n");
    let e = Manifest::load(&dir.join("dialogues_test.txt")).unwrap_err().to_string();
    assert!(e.contains("dialogues_test.txt, line 3") && e.contains("do not belong together"), "{e}");
    // A dialogue whose counts differ is left out and named; the others are kept.
    bad_file(&dir, "dialogues_validation.txt", "Hi . __eou__ Hello . __eou__\nGrr ! __eou__ Sorry . __eou__\n");
    bad_file(&dir, "dialogues_emotion_validation.txt", "0 4\n1\n");
    let m = Manifest::load(&dir.join("dialogues_validation.txt")).unwrap();
    assert_eq!(m.counts(), LabelCounts([0, 1, 1, 0]));
    assert!(m.utterances.iter().all(|u| u.group == "dev"));
    assert_eq!(m.left_out.get(dailydialog::LEFT_OUT_MISMATCH), Some(&2));
    assert!(m.notes[0].contains("dialogues_validation.txt line 2: 2 turns but 1 labels"), "{:?}", m.notes);
    bad_file(&dir, "dialogues_emotion_x.txt", "0\n");
    let e = Manifest::load(&dir.join("dialogues_emotion_x.txt")).unwrap_err().to_string();
    assert!(e.contains("dialogues_x.txt"), "the missing text file is named: {e}");

    // EmoryNLP: a scene number that is not a number.
    bad_file(&dir, "test_sent_emo.csv", "Utterance,Speaker,Emotion,Dialogue_ID,Utterance_ID\nHi.,Joey,neutral,0,0\n");
    let p = bad_file(
        &dir,
        "emorynlp_train_final.csv",
        "Utterance,Speaker,Emotion,Scene_ID,Utterance_ID,Season,Episode,Start_Time,End_Time\n\
         Hi.,['Joey Tribbiani'],Neutral,1,1,1,1,a,b\n\
         Bye.,['Joey Tribbiani'],Sad,one,2,1,1,a,b\n",
    );
    let e = Manifest::load(&p).unwrap_err().to_string();
    assert!(e.contains("emorynlp_train_final.csv, line 3") && e.contains("Scene_ID \"one\""), "{e}");
    // A file beside MELD's test file: "Hi." is left out of training, found beside it.
    let p = bad_file(
        &dir,
        "emorynlp_train_final.csv",
        "Utterance,Speaker,Emotion,Scene_ID,Utterance_ID,Season,Episode,Start_Time,End_Time\n\
         Hi!,['Joey Tribbiani'],Neutral,1,1,1,1,a,b\n\
         Bye.,['Joey Tribbiani'],Sad,1,2,1,1,a,b\n",
    );
    let m = Manifest::load(&p).unwrap();
    assert_eq!(m.counts(), LabelCounts([0, 0, 0, 1]));
    assert_eq!(m.left_out.get(emorynlp::LEFT_OUT_IN_MELD_TEST), Some(&1));
}
