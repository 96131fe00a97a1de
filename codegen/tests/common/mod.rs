//! Helpers shared by the generator's integration tests that read the real documents
//! and compare against committed snapshots.

use std::path::{Path, PathBuf};

/// `../shared/cloudflare-spec/`, beside the project root; tests that need it print a
/// `skipped` line and return when it is absent.
pub fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/cloudflare-spec")
}

/// Compares `actual` with the committed snapshot `tests/snapshots/<name>`. With
/// `BLESS=1` in the environment the snapshot is rewritten instead. On a mismatch the
/// panic message is a unified diff, expected (`-`) against actual (`+`).
pub fn assert_snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("BLESS").is_some_and(|v| v == "1") {
        cfgen::write::write_if_changed(&path, actual).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != actual {
        let diff = similar::TextDiff::from_lines(&expected, actual)
            .unified_diff()
            .context_radius(3)
            .header("expected", "actual")
            .to_string();
        panic!(
            "snapshot {} differs; rerun with BLESS=1 to accept:\n{diff}",
            path.display()
        );
    }
}
