//! Replays the fuzzing corpus (`fuzz/corpus/<target>/`, made by `npm run fuzz`) through the
//! fuzz targets' own checks (`fuzz/checks.rs`), natively and without a fuzzer: every input
//! the fuzzer found interesting, and every regression input (`regression-*`), checked again on
//! each `cargo test`. Native only: the browser tests have no file system.
#![cfg(not(target_arch = "wasm32"))]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../fuzz/checks.rs"]
mod checks;

use std::path::Path;

/// Runs each target's check on every file of its corpus (each target has one), and names
/// every file that fails.
#[test]
fn replays_the_corpus_of_every_target() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut failed = Vec::new();
    for (target, check) in checks::TARGETS {
        let dir = corpus.join(target);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{} is empty", dir.display());
        for file in &files {
            let data = std::fs::read(file).unwrap();
            if std::panic::catch_unwind(|| check(&data)).is_err() {
                failed.push(format!(
                    "{target}/{}",
                    file.file_name().unwrap().to_string_lossy()
                ));
            }
        }
        eprintln!("{target}: {} inputs", files.len());
    }
    assert!(failed.is_empty(), "failing inputs: {failed:?}");
}
