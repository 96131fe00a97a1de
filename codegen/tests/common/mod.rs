//! Helpers shared by the generator's integration tests that read the real documents
//! and compare against committed snapshots.

use std::path::{Path, PathBuf};

#[path = "../../../tests/snapshot_helper.rs"]
#[allow(dead_code)] // each test target uses part of it
mod snapshot_helper;

#[allow(unused_imports)] // each test target uses part of it
pub use snapshot_helper::assert_snapshot;

/// `../shared/cloudflare-spec/`, beside the project root; tests that need it print a
/// `skipped` line and return when it is absent.
pub fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/cloudflare-spec")
}
