//! Feature cache: hits and misses, content keys, f16 precision, and recovery
//! from corrupt or truncated entries (never a panic).

use std::path::{Path, PathBuf};

use emorec::data::cache::{decode, encode, FeatureCache, Lookup, FEATURE_VERSION};
use emorec::features::{Extractor, FeatureSet, FeatureSettings};

const SET: FeatureSet = FeatureSet::Compare2016;

fn tmp(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn wav(name: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/iemocap_mini/IEMOCAP_full_release");
    let dialog = &name[..name.rfind('_').unwrap()];
    let session = &name[4..5];
    root.join(format!("Session{session}/sentences/wav/{dialog}/{name}.wav"))
}

fn lookup(cache: &FeatureCache, path: &Path, deltas: bool) -> (emorec::features::FeatureMatrix, Lookup) {
    cache.get_or_compute_with(&mut Extractor::new(SET), path, deltas).unwrap()
}

#[test]
fn cold_then_warm_gives_identical_f16_features() {
    let cache = FeatureCache::new(tmp("cache_cold_warm"));
    let path = wav("Ses01F_impro01_F000");
    let (cold, l1) = lookup(&cache, &path, true);
    let (warm, l2) = lookup(&cache, &path, true);
    assert_eq!((l1, l2), (Lookup::Computed, Lookup::Hit));
    assert_eq!(cold, warm, "a cold and a warm run must give the same numbers");
    assert_eq!(cold.n_columns(), 130);
    assert!(cold.n_frames() > 10);
    assert_eq!(cache.size_on_disk().0, 1);

    // Against the extractor's f32 output: within f16 rounding.
    let samples = emorec::audio::load_16k(&path).unwrap();
    let exact = emorec::features::extract(SET, &samples, true).unwrap();
    assert_eq!(exact.names, cold.names);
    for (a, b) in exact.data.iter().zip(&cold.data) {
        let tol = a.abs().max(1e-4) * 1e-3;
        assert!((a - b).abs() <= tol, "{a} cached as {b}");
    }

    // Other settings are another entry; the same bytes elsewhere are a hit.
    let (lld, l3) = lookup(&cache, &path, false);
    assert_eq!((l3, lld.n_columns()), (Lookup::Computed, 65));
    let copy = tmp("cache_copy").join("renamed.wav");
    std::fs::copy(&path, &copy).unwrap();
    assert_eq!(lookup(&cache, &copy, true).1, Lookup::Hit, "keyed by content, not path");
    assert_eq!(cache.size_on_disk().0, 2);
}

#[test]
fn corrupt_truncated_or_foreign_entries_are_recomputed() {
    let cache = FeatureCache::new(tmp("cache_corrupt"));
    let path = wav("Ses01F_impro01_M000");
    let (good, _) = lookup(&cache, &path, true);
    let key = FeatureCache::key(&std::fs::read(&path).unwrap(), &FeatureSettings::new(SET, true));
    let entry = cache.entry_path(&key);
    let original = std::fs::read(&entry).unwrap();

    let mut flipped = original.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x40;
    let damaged: Vec<Vec<u8>> =
        vec![flipped, original[..original.len() / 3].to_vec(), Vec::new(), b"not a cache entry".to_vec()];
    for bytes in damaged {
        std::fs::write(&entry, &bytes).unwrap();
        let (m, how) = lookup(&cache, &path, true);
        assert_eq!(how, Lookup::Computed);
        assert_eq!(m, good);
        assert_eq!(std::fs::read(&entry).unwrap(), original, "the entry is rewritten");
    }
    // No temporary files are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(entry.parent().unwrap())
        .unwrap()
        .flatten()
        .filter(|e| e.path().to_string_lossy().contains(".tmp."))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn decode_never_panics_and_checks_settings() {
    let path = wav("Ses02F_impro02_F000");
    let samples = emorec::audio::load_16k(&path).unwrap();
    let m = emorec::features::extract(SET, &samples, false).unwrap();
    let settings = FeatureCache::settings(&FeatureSettings::new(SET, false));
    assert!(settings.contains(&format!("v{FEATURE_VERSION}")));
    let bytes = encode(&m, &settings);
    let back = decode(&bytes, &settings).unwrap();
    assert_eq!((back.n_frames(), back.names.clone(), back.hop_s), (m.n_frames(), m.names.clone(), m.hop_s));
    for n in 0..bytes.len() {
        assert!(decode(&bytes[..n], &settings).is_err(), "prefix of {n} bytes accepted");
    }
    for i in (0..bytes.len()).step_by(7) {
        let mut b = bytes.clone();
        b[i] = b[i].wrapping_add(1);
        assert!(decode(&b, &settings).is_err(), "byte {i} changed but accepted");
    }
    assert!(decode(&bytes, &FeatureCache::settings(&FeatureSettings::new(SET, true)))
        .unwrap_err()
        .contains("settings"));
}

#[test]
fn bad_audio_is_an_error_and_leaves_no_entry() {
    let dir = tmp("cache_bad_audio");
    let cache = FeatureCache::new(dir.join("cache"));
    let e = cache.get_or_compute(&dir.join("missing.wav"), FeatureSettings::new(SET, true)).unwrap_err();
    assert!(e.to_string().contains("missing.wav"), "{e}");
    let fake = dir.join("fake.wav");
    std::fs::write(&fake, b"this is not audio").unwrap();
    let e = cache.get_or_compute(&fake, FeatureSettings::new(SET, true)).unwrap_err();
    assert!(e.to_string().contains("fake.wav"), "{e}");
    assert_eq!(cache.size_on_disk(), (0, 0));
}

#[test]
fn values_beyond_f16_range_are_clamped_not_infinite() {
    let m = emorec::features::FeatureMatrix {
        names: vec!["a".into(), "b".into()],
        data: vec![1e6, -1e6, 3.0e-9, f32::NAN],
        hop_s: 0.01,
        frame_s: 0.06,
    };
    let back = decode(&encode(&m, "s"), "s").unwrap();
    assert_eq!(&back.data[..3], &[65504.0, -65504.0, 0.0]);
    assert!(back.data[3].is_nan());
}

#[test]
fn batch_fill_and_load_in_order() {
    let cache = FeatureCache::new(tmp("cache_batch"));
    let paths: Vec<PathBuf> =
        ["Ses01F_impro01_F000", "Ses01F_impro01_F001", "Ses02F_impro02_M000", "Ses02F_impro02_M001"]
            .iter()
            .map(|n| wav(n))
            .chain([PathBuf::from("/nonexistent.wav")])
            .collect();
    let r = cache.fill(&paths, FeatureSettings::new(SET, true), false);
    assert_eq!((r.computed, r.hits, r.failed.len()), (4, 0, 1));
    let r = cache.fill(&paths, FeatureSettings::new(SET, true), false);
    assert_eq!((r.computed, r.hits, r.failed.len()), (0, 4, 1));
    let all = cache.load_all(&paths, FeatureSettings::new(SET, true), false);
    assert_eq!(all.len(), 5);
    for (p, m) in paths.iter().zip(&all).take(4) {
        assert_eq!(m.as_ref().unwrap(), &cache.get_or_compute(p, FeatureSettings::new(SET, true)).unwrap());
    }
    assert!(all[4].is_err());
}

#[test]
fn default_dir_honours_emorec_cache() {
    // Only this test touches the variable.
    std::env::set_var("EMOREC_CACHE", "/somewhere/cache");
    assert_eq!(FeatureCache::default_dir(), PathBuf::from("/somewhere/cache"));
    std::env::remove_var("EMOREC_CACHE");
    assert_eq!(FeatureCache::default_dir(), PathBuf::from(".cache/emorec"));
}
