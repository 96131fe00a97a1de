//! The one snapshot helper of the workspace, shared by `cfgen-tests` and the generator's
//! own integration tests (which include this file with `#[path]`): every committed
//! snapshot lives in `tests/snapshots/` and is compared here.

use std::path::{Path, PathBuf};

/// `tests/snapshots/`, the one home of every committed snapshot.
pub fn snapshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|dir| dir.join("Cargo.lock").is_file())
        .expect("the tests run inside the workspace")
        .join("tests/snapshots")
}

/// Compares `actual` with the committed snapshot `tests/snapshots/<name>`. With
/// `BLESS=1` in the environment the snapshot is (re)written instead. A missing snapshot
/// fails like a different one. On a mismatch the panic message is a unified diff,
/// expected (`-`) against actual (`+`).
pub fn assert_snapshot(name: &str, actual: &str) {
    let path = snapshot_dir().join(name);
    let expected = std::fs::read_to_string(&path).ok();
    if std::env::var_os("BLESS").is_some_and(|v| v == "1") {
        if expected.as_deref() != Some(actual) {
            std::fs::write(&path, actual).expect("write snapshot");
        }
        return;
    }
    match expected {
        None => panic!(
            "no snapshot {}; rerun with BLESS=1 to create it",
            path.display()
        ),
        Some(expected) if expected != actual => panic!(
            "snapshot {} differs; rerun with BLESS=1 to accept:\n{}",
            path.display(),
            unified_diff(&expected, actual)
        ),
        Some(_) => {}
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
