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

/// A throwaway library crate around one generated file, for the checks that the
/// compile layer above cannot make from inside this crate: doc-tests (this crate's own
/// are off) and lints that rustc reads only at a crate root. It lives in
/// `<tmp>/<name>/`, depends on this workspace's `cfgen-runtime` by path, and reuses the
/// workspace's lock file and target directory so that nothing is fetched and the
/// dependencies are not rebuilt.
pub struct ScratchCrate {
    root: PathBuf,
    target: PathBuf,
}

impl ScratchCrate {
    /// Writes the crate: `Cargo.toml`, and `src/lib.rs` holding `code` under
    /// `#![deny(warnings)]`. `tmp` is the test's `CARGO_TARGET_TMPDIR`, inside the
    /// target directory the crate builds in.
    pub fn new(tmp: &Path, name: &str, code: &str) -> ScratchCrate {
        let root = tmp.join(name);
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("src")).expect("create the scratch crate");
        let workspace = workspace_root();
        let manifest = format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
             publish = false\n\n[dependencies]\n\
             cfgen-runtime = {{ path = {runtime:?} }}\n\
             serde = {{ version = \"1\", features = [\"derive\"] }}\n\
             serde_json = {{ version = \"1\", features = [\"preserve_order\"] }}\n\n\
             {DEV_PROFILE}\n[workspace]\n",
            runtime = workspace.join("runtime"),
        );
        let lib = format!("//! Generated code under test.\n#![deny(warnings)]\n\n{code}");
        std::fs::write(root.join("Cargo.toml"), manifest).expect("write Cargo.toml");
        std::fs::write(root.join("src/lib.rs"), lib).expect("write src/lib.rs");
        std::fs::copy(workspace.join("Cargo.lock"), root.join("Cargo.lock"))
            .expect("copy Cargo.lock");
        let target = tmp.parent().expect("the tmp dir sits in the target dir");
        ScratchCrate {
            root,
            target: target.to_path_buf(),
        }
    }

    /// The crate's directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Runs `cargo <args> --offline` in the crate; returns whether it succeeded and its
    /// standard output and error, joined.
    pub fn cargo(&self, args: &[&str]) -> (bool, String) {
        let (ok, out, err) = offline_cargo(&self.root, &self.target, args);
        (ok, format!("{out}{err}"))
    }
}

// Crates outside the workspace, built in its target directory. In a file of its own
// (std only) so that the test targets of `cfgen` and `cloudflare-typed` include it too.
#[path = "outside_crate.rs"]
mod outside_crate;
pub use outside_crate::{DEV_PROFILE, cargo_command, offline_cargo};
