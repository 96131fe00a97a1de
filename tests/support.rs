//! Helpers shared by the test targets: paths, the shared real documents, snapshots.

#[path = "snapshot_helper.rs"]
mod snapshot_helper;

pub use snapshot_helper::{assert_snapshot, snapshot_dir, unified_diff};

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
