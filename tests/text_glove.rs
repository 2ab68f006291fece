//! The text front-end on the real data in `../shared`: GloVe 6B 50d (top
//! 100k words) and the MELD, TESS and RAVDESS transcripts. Fails with a clear
//! message when `../shared` is missing. Run with `-- --nocapture` to see the
//! vocabulary sizes, coverage and quantisation error.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::OnceLock;

use emorec::text::{tokenize, BuildOptions, Glove, Storage, Vocabulary};

fn data_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    assert!(
        dir.join("glove/glove.6B.50d.top100k.txt.gz").is_file(),
        "this test needs the shared data at {} (../shared beside the repository): \
         glove/glove.6B.50d.top100k.txt.gz was not found",
        dir.display()
    );
    dir
}

/// GloVe is read once for all tests of this file (about a second).
fn glove() -> &'static Glove {
    static GLOVE: OnceLock<Glove> = OnceLock::new();
    GLOVE.get_or_init(|| Glove::open(&data_dir().join("glove/glove.6B.50d.top100k.txt.gz"), None).unwrap())
}

/// One column of a CSV file with a header (quoted fields, commas and
/// newlines inside quotes).
fn csv_column(path: PathBuf, column: &str) -> Vec<String> {
    let mut reader = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let col = reader.headers().unwrap().iter().position(|h| h == column).expect("column");
    reader.records().map(|r| r.unwrap()[col].to_string()).collect()
}

fn meld(split: &str) -> Vec<String> {
    csv_column(data_dir().join(format!("meld/{split}_sent_emo.csv")), "Utterance")
}

fn carrier_phrases() -> Vec<String> {
    let mut t = csv_column(data_dir().join("tess/manifest.csv"), "transcript");
    t.extend(csv_column(data_dir().join("ravdess/manifest.csv"), "transcript"));
    t
}

#[test]
fn glove_file_is_what_the_tokenizer_expects() {
    let g = glove();
    assert_eq!(g.len(), 100_000);
    assert_eq!(g.dim(), 50);
    assert_eq!(&g.words()[..3], ["the", ",", "."]);
    // Tokens our tokenizer produces for clitics and punctuation exist.
    for t in [
        "n't",
        "'s",
        "'re",
        "'ll",
        "'ve",
        "'d",
        "'m",
        "ca",
        "wo",
        "--",
        "...",
        "\"",
        "'",
        "?!",
        "!!",
        "mr.",
        "u.s.",
        "'cause",
        "1,000",
        "3.5",
        "well-known",
    ] {
        assert!(g.contains(t), "GloVe has no {t:?}");
    }
    // And not the forms we normalise away from (or only rare ones).
    for t in ["don't", "it's", "can't"] {
        assert!(!g.contains(t), "GloVe has {t:?}: the clitic split would be wrong");
    }
}

#[test]
fn every_punctuation_token_of_meld_is_a_glove_token() {
    let g = glove();
    let mut missing = HashSet::new();
    for split in ["train", "dev", "test"] {
        for line in meld(split) {
            for t in tokenize(&line) {
                if !t.chars().any(char::is_alphanumeric) && !g.contains(&t) {
                    missing.insert(t);
                }
            }
        }
    }
    assert!(missing.is_empty(), "punctuation tokens GloVe lacks: {missing:?}");
}

/// Tokenising tokens changes nothing: text that arrives already tokenised
/// (some corpora ship it so) gets the same tokens.
#[test]
fn tokenizing_is_idempotent_on_meld() {
    let mut differ = Vec::new();
    for line in meld("train").iter().chain(&meld("dev")).chain(&meld("test")) {
        let once = tokenize(line);
        let twice = tokenize(&once.join(" "));
        if once != twice {
            differ.push(format!("{line:?}: {once:?} then {twice:?}"));
        }
    }
    assert!(differ.is_empty(), "{} lines:\n{}", differ.len(), differ[..differ.len().min(10)].join("\n"));
}

#[test]
fn vocabulary_from_the_training_transcripts() {
    let g = glove();
    let train: Vec<String> = meld("train").into_iter().chain(carrier_phrases()).collect();
    let (dev, test) = (meld("dev"), meld("test"));
    let glove_error = |v: &Vocabulary| v.quantization_error(g);

    let mut sizes = Vec::new();
    for top in [5_000, 20_000, 50_000] {
        for storage in [Storage::Int8, Storage::F16] {
            let options = BuildOptions { top, storage, source: "glove.6B.50d.top100k".into() };
            let (v, report) = Vocabulary::build(g, train.iter().map(String::as_str), &options);
            let bytes = v.to_bytes();
            let back = Vocabulary::from_bytes(&bytes).unwrap();
            assert_eq!(back.words(), v.words());
            let cov_train = report.coverage.ratio();
            let cov_dev = back.coverage(dev.iter().map(String::as_str)).ratio();
            let cov_test = back.coverage(test.iter().map(String::as_str)).ratio();
            let e = glove_error(&back);
            println!(
                "top {top:>6} {:>4}: {:>6} words, {:>9} bytes; coverage MELD-train+TESS+RAVDESS {:.2}%, \
                 MELD dev {:.2}%, test {:.2}%; error RMS {:.2e} ({:.3}% rel), max {:.2e}, min cos {:.6}",
                storage.name(),
                v.len(),
                bytes.len(),
                100.0 * cov_train,
                100.0 * cov_dev,
                100.0 * cov_test,
                e.rms,
                100.0 * e.relative_rms,
                e.max_abs,
                e.min_cosine
            );
            assert!(cov_train > 0.99, "training coverage {cov_train}");
            assert!(cov_dev > 0.97 && cov_test > 0.97, "dev {cov_dev}, test {cov_test}");
            match storage {
                Storage::Int8 => assert!(e.relative_rms < 0.01 && e.min_cosine > 0.9995, "{e:?}"),
                Storage::F16 => assert!(e.relative_rms < 0.001 && e.min_cosine > 0.99999, "{e:?}"),
            }
            // Words of the carrier phrases are all there.
            for w in ["say", "the", "word", "kids", "are", "talking", "by", "door", "dogs", "sitting"] {
                assert!(back.contains(w), "{w}");
            }
            sizes.push((top, storage, bytes.len()));
        }
    }
    // int8 rows (54 bytes) beat f16 rows (100 bytes) at every size.
    for pair in sizes.chunks(2) {
        assert!(pair[0].2 < pair[1].2, "{pair:?}");
    }
    // The default (20k, int8) stays well under 2 MB for the browser.
    assert!(sizes[2].2 < 2_000_000, "{sizes:?}");
}

#[test]
fn embedding_a_real_line() {
    let g = glove();
    let v = Vocabulary::build(g, std::iter::empty(), &BuildOptions::default()).0;
    let e = v.embed("Yeah, well, donâ€™t â€œAww Pheebs, that sucks!â€\u{9d} me yet. [LAUGHTER]");
    assert_eq!(e.tokens.join(" "), "yeah , well , do n't \" aww pheebs , that sucks ! \" me yet .");
    let unknown: Vec<&str> = e.tokens.iter().zip(&e.known).filter(|(_, k)| !**k).map(|(t, _)| t.as_str()).collect();
    // Outside the 20k most frequent words (no training texts given here).
    assert_eq!(unknown, ["aww", "pheebs", "sucks"]);
    assert_eq!(e.vectors.len(), e.len() * 50);
    // Known tokens carry GloVe's vector, within the int8 step.
    let well = g.vector("well").unwrap();
    let i = e.tokens.iter().position(|t| t == "well").unwrap();
    for (a, b) in well.iter().zip(&e.vectors[i * 50..(i + 1) * 50]) {
        assert!((a - b).abs() < 0.03, "{a} vs {b}");
    }
}
