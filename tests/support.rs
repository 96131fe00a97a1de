//! Helpers shared by the test targets: paths, the shared real documents, snapshots.

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

/// A real Cloudflare document from `../shared/cloudflare-spec/`, or `None` after
/// printing a `skipped` line when that folder is absent (it is present in CI).
pub fn shared_spec(file: &str) -> Option<PathBuf> {
    let path = workspace_root()
        .join("../shared/cloudflare-spec")
        .join(file);
    if path.exists() {
        Some(path)
    } else {
        println!(
            "skipped: {} not found (the shared Cloudflare documents are absent)",
            path.display()
        );
        None
    }
}

/// Compares `actual` with the committed snapshot at `path`. With `BLESS=1` in the
/// environment the snapshot is rewritten instead. On a mismatch the panic message is a
/// unified diff, expected (`-`) against actual (`+`).
pub fn assert_snapshot(path: &Path, actual: &str) {
    if std::env::var_os("BLESS").is_some_and(|v| v == "1") {
        cfgen::write::write_if_changed(path, actual).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    if expected != actual {
        panic!(
            "snapshot {} differs; rerun with BLESS=1 to accept:\n{}",
            path.display(),
            unified_diff(&expected, actual)
        );
    }
}

/// A unified diff of two texts, `expected` (`-`) against `actual` (`+`), with three
/// lines of context: how drift in generated Rust is shown.
pub fn unified_diff(expected: &str, actual: &str) -> String {
    similar::TextDiff::from_lines(expected, actual)
        .unified_diff()
        .context_radius(3)
        .header("expected", "actual")
        .to_string()
}
