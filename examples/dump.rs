fn main() {
    let a: Vec<String> = std::env::args().collect();
    let x = emorec::audio::load_16k(std::path::Path::new(&a[1])).unwrap();
    let m = emorec::features::extract(emorec::features::FeatureSet::Compare2016, &x, false).unwrap();
    m.write_csv(std::io::stdout()).unwrap();
}
