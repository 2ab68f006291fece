//! Normalisation statistics: Welford against a two-pass reference, the std
//! floor, non-finite values, and the JSON that ships with a model.

use emorec::data::norm::{NormAccumulator, NormStats, DEFAULT_STD_FLOOR, NORM_FORMAT_VERSION};
use emorec::features::FeatureMatrix;
use emorec::rng::SplitMix64;

fn matrix(frames: usize, seed: u64) -> FeatureMatrix {
    let mut r = SplitMix64::new(seed);
    let mut data = Vec::new();
    for _ in 0..frames {
        data.push(1e4 + r.next_f64() as f32); // large offset, small spread
        data.push((r.next_f64() * 200.0 - 100.0) as f32);
        data.push(0.5); // constant
    }
    FeatureMatrix { names: vec!["f0".into(), "mfcc".into(), "const".into()], data, hop_s: 0.01, frame_s: 0.06 }
}

#[test]
fn welford_matches_two_pass() {
    let ms = [matrix(500, 1), matrix(300, 2)];
    let s = NormStats::fit(&ms, DEFAULT_STD_FLOOR).unwrap();
    for j in 0..3 {
        let col: Vec<f64> = ms.iter().flat_map(|m| m.column(j)).map(f64::from).collect();
        let n = col.len() as f64;
        let mean = col.iter().sum::<f64>() / n;
        let std = (col.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
        assert!((s.mean[j] - mean).abs() < 1e-9 * mean.abs().max(1.0), "col {j}");
        assert!((s.std[j] - std).abs() < 1e-9 * std.max(1.0), "col {j}: {} vs {std}", s.std[j]);
        assert_eq!(s.count[j], 800);
    }
    assert_eq!(s.std[2], 0.0);
}

#[test]
fn apply_standardises_and_floors() {
    let ms = [matrix(1000, 3)];
    let s = NormStats::fit(&ms, DEFAULT_STD_FLOOR).unwrap();
    let mut m = ms[0].clone();
    s.apply(&mut m).unwrap();
    for j in 0..2 {
        let col: Vec<f64> = m.column(j).into_iter().map(f64::from).collect();
        let mean = col.iter().sum::<f64>() / col.len() as f64;
        let var = col.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / col.len() as f64;
        assert!(mean.abs() < 1e-3 && (var.sqrt() - 1.0).abs() < 1e-3, "col {j}: {mean} {var}");
    }
    assert!(m.column(2).iter().all(|&x| x == 0.0), "a constant column is centred, not blown up");
    assert_eq!(s.scale(2), DEFAULT_STD_FLOOR);

    let mut other = FeatureMatrix {
        names: vec!["f0".into(), "x".into(), "const".into()],
        data: vec![0.0; 3],
        hop_s: 0.01,
        frame_s: 0.06,
    };
    let e = s.apply(&mut other).unwrap_err().to_string();
    assert!(e.contains("\"x\"") && e.contains("\"mfcc\""), "{e}");
}

#[test]
fn non_finite_values_are_skipped() {
    let mut acc = NormAccumulator::new(vec!["a".into()]);
    for x in [1.0, f32::NAN, 3.0, f32::INFINITY] {
        acc.add_row(&[x]).unwrap();
    }
    assert!(acc.add_row(&[1.0, 2.0]).is_err());
    let s = acc.finish(1e-3);
    assert_eq!((s.mean[0], s.std[0], s.count[0]), (2.0, 1.0, 2));
    assert!(NormStats::fit(std::iter::empty(), 1e-3).is_err());
}

#[test]
fn json_round_trip_and_checks() {
    let s = NormStats::fit(&[matrix(100, 4)], DEFAULT_STD_FLOOR).unwrap();
    let json = s.to_json();
    assert!(
        json.contains("\"format\": \"emorec-norm\"") && json.contains(&format!("\"version\": {NORM_FORMAT_VERSION}"))
    );
    assert_eq!(NormStats::from_json(&json).unwrap(), s, "f64 survives JSON exactly");

    let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("norm.json");
    s.save(&path).unwrap();
    assert_eq!(NormStats::load(&path).unwrap(), s);

    let future = json.replace(&format!("\"version\": {NORM_FORMAT_VERSION}"), "\"version\": 99");
    assert!(NormStats::from_json(&future).unwrap_err().to_string().contains("version 99"));
    let wrong = json.replace("emorec-norm", "something-else");
    assert!(NormStats::from_json(&wrong).is_err());
    let short = json.replacen("\"const\"", "\"const\", \"extra\"", 1);
    assert!(NormStats::from_json(&short).unwrap_err().to_string().contains("length"));
    assert!(NormStats::from_json("{not json").is_err());
    let e = NormStats::load(std::path::Path::new("/nonexistent/norm.json")).unwrap_err();
    assert!(e.to_string().contains("/nonexistent/norm.json"));
}
