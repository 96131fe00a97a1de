//! Helpers shared by the generator's integration tests: the real documents, committed
//! snapshots, and the `cfgen` binary. Each test target uses part of them.
#![allow(dead_code, unused_imports)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "../../../tests/snapshot_helper.rs"]
mod snapshot_helper;

#[path = "../../../tests/outside_crate.rs"]
mod outside_crate;
pub use outside_crate::{DEV_PROFILE, cargo_command};

pub use snapshot_helper::assert_snapshot;

/// `../shared/cloudflare-spec/`, beside the project root; tests that need it print a
/// `skipped` line and return when it is absent.
pub fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/cloudflare-spec")
}

/// Loads a document of `../shared/cloudflare-spec` under its bare file name, so that
/// reports hold no local paths; prints the `skipped` line and gives `None` when the
/// folder is absent.
pub fn shared_document(file: &str) -> Option<cfgen::load::Document> {
    let dir = shared_dir();
    if !dir.exists() {
        println!("skipped: ../shared/cloudflare-spec not found");
        return None;
    }
    let text = std::fs::read_to_string(dir.join(file)).expect("shared document is readable");
    Some(cfgen::load::Document::from_text(file, &text).expect("shared document loads"))
}

/// Runs the `cfgen` binary with `args` in `cwd`, to the end.
pub fn cfgen(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cfgen"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run cfgen")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
