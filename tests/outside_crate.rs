//! Crates outside the workspace, built offline in its target directory and with its
//! dev profile, so that nothing is fetched and the compiled dependencies are reused.
//! Std only: `tests/support.rs`, `codegen/tests/common` and `cloudflare-typed/tests`
//! include this file with `#[path]`.

use std::path::Path;
use std::process::Command;

/// The workspace's dev profile (its root `Cargo.toml`), for the manifests of crates
/// built outside the workspace in its target directory: with the same profile, they
/// reuse its compiled dependencies instead of building a second copy.
pub const DEV_PROFILE: &str =
    "# The workspace's dev profile, so that its compiled dependencies are reused.
[profile.dev]
debug = \"line-tables-only\"

[profile.dev.package.\"*\"]
debug = false
";

/// `cargo <args> --offline` in `dir` with `target` as its target directory (the
/// workspace's, so compiled dependencies are reused), for a test to add environment to.
pub fn cargo_command(dir: &Path, target: &Path, args: &[&str]) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(args)
        .arg("--offline")
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target);
    command
}

/// Runs `cargo <args> --offline` in `dir` with `target` as its target directory (the
/// workspace's, so compiled dependencies are reused); returns whether it succeeded,
/// its standard output and its standard error.
pub fn offline_cargo(dir: &Path, target: &Path, args: &[&str]) -> (bool, String, String) {
    let output = cargo_command(dir, target, args)
        .output()
        .expect("run cargo");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
