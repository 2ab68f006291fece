# Sourced by build-web.sh, bench-wasm.sh and test.sh: how the page's
# relaxed-SIMD CPU module is built, written once. RUSTFLAGS replaces
# .cargo/config.toml's rustflags, so it repeats +simd128; the build has its
# own target directory, since other rustflags would otherwise rebuild every
# dependency in the shared one, twice a run.
#
#   "${relaxed_env[@]}" cargo build --release --target wasm32-unknown-unknown ...
relaxed_rustflags="-C target-feature=+simd128,+relaxed-simd"
relaxed_target_dir="${target_dir:-${CARGO_TARGET_DIR:-target}}/relaxed-simd"
relaxed_env=(env RUSTFLAGS="$relaxed_rustflags" CARGO_TARGET_DIR="$relaxed_target_dir")
