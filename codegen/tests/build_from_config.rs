//! The build.rs front end driven by a `cfgen.toml`, in a crate of its own outside this
//! workspace: a `Cargo.toml`, a `cfgen.toml`, a `build.rs` that calls
//! `cfgen::Builder::from_config("cfgen.toml")` and a `lib.rs` that includes the code.
//! The crate generates two DNS operations from the full 2024 document and is checked
//! with warnings denied. Skipped, with a line saying so, when `../shared/cloudflare-spec`
//! is absent.
//!
//! The crate uses this workspace's target directory and lock file, so cargo reuses the
//! dependencies the workspace has already built and needs no network.

use std::path::{Path, PathBuf};
use std::process::Command;

const OPERATIONS: [&str; 2] = [
    "dns-records-for-a-zone-list-dns-records",
    "dns-records-for-a-zone-create-dns-record",
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen/ sits in the workspace")
        .to_path_buf()
}

/// The target directory the test binaries were built in: `<target>/debug/cfgen`.
fn target_dir() -> PathBuf {
    let cfgen = Path::new(env!("CARGO_BIN_EXE_cfgen"));
    let profile = cfgen.parent().expect("the binary sits in a profile folder");
    profile
        .parent()
        .expect("the profile sits in the target dir")
        .to_path_buf()
}

/// A TOML basic string holding `text`.
fn toml_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn manifest(repo: &Path) -> String {
    let path = |p: &str| toml_string(&repo.join(p).display().to_string());
    format!(
        r#"[package]
name = "cfgen-config-consumer"
version = "0.1.0"
edition = "2024"
publish = false

# Not part of any workspace.
[workspace]

[dependencies]
cfgen-runtime = {{ path = {runtime} }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = {{ version = "1", features = ["preserve_order"] }}

[build-dependencies]
cfgen = {{ path = {codegen}, default-features = false }}

# The workspace's profile, so that its built dependencies are reused.
[profile.dev]
debug = "line-tables-only"

[profile.dev.package."*"]
debug = false
"#,
        runtime = path("runtime"),
        codegen = path("codegen"),
    )
}

fn config(spec: &Path) -> String {
    let operations: Vec<String> = OPERATIONS.iter().map(|op| toml_string(op)).collect();
    format!(
        "spec = {}\noperations = [{}]\nstrict = true\n",
        toml_string(&spec.display().to_string()),
        operations.join(", ")
    )
}

const BUILD_RS: &str = r#"fn main() -> Result<(), cfgen::Error> {
    cfgen::Builder::from_config("cfgen.toml")?.write()?;
    Ok(())
}
"#;

const LIB_RS: &str = r#"//! A DNS client generated in build.rs from cfgen.toml.
#![deny(warnings)]

/// The generated client.
pub mod dns {
    include!(concat!(env!("OUT_DIR"), "/cloudflare_client.rs"));
}
"#;

/// Writes the crate into a fresh temporary folder.
fn write_crate(spec: &Path) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cfgen-config-consumer-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let repo = repo().canonicalize().unwrap();
    std::fs::write(dir.join("Cargo.toml"), manifest(&repo)).unwrap();
    std::fs::copy(repo.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    std::fs::write(dir.join("cfgen.toml"), config(spec)).unwrap();
    std::fs::write(dir.join("build.rs"), BUILD_RS).unwrap();
    std::fs::write(dir.join("src/lib.rs"), LIB_RS).unwrap();
    dir
}

/// The `out_dir` cargo reports for the crate's build script.
fn out_dir_of(messages: &str) -> Option<PathBuf> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "build-script-executed")
        .filter(|m| {
            m["package_id"]
                .as_str()
                .is_some_and(|id| id.contains("cfgen-config-consumer"))
        })
        .find_map(|m| m["out_dir"].as_str().map(PathBuf::from))
}

#[test]
fn a_crate_outside_the_workspace_generates_from_its_cfgen_toml() {
    let spec = repo().join("../shared/cloudflare-spec/openapi-2024-08-07.json");
    if !spec.exists() {
        println!("skipped: ../shared/cloudflare-spec not found");
        return;
    }
    let dir = write_crate(&spec.canonicalize().unwrap());
    let output = Command::new(env!("CARGO"))
        .args(["check", "--offline", "--message-format=json"])
        .env("CARGO_TARGET_DIR", target_dir())
        .current_dir(&dir)
        .output()
        .expect("run cargo");
    let messages = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the crate does not build:\n{}\n{messages}",
        String::from_utf8_lossy(&output.stderr)
    );
    let out_dir = out_dir_of(&messages).expect("cargo reports the build script's OUT_DIR");
    let code = std::fs::read_to_string(out_dir.join("cloudflare_client.rs")).unwrap();
    assert!(code.starts_with("// @generated by cfgen from `openapi-2024-08-07.json`"));
    assert!(code.matches("/zones/").count() >= 2, "{code}");
    assert!(
        !code.contains("/bulk/delete"),
        "only the configured operations"
    );

    // The build script watches the config as well as the spec.
    let script_output = std::fs::read_to_string(out_dir.with_file_name("output")).unwrap();
    let watched: Vec<&str> = script_output
        .lines()
        .filter_map(|l| l.strip_prefix("cargo:rerun-if-changed="))
        .collect();
    let spec = spec.canonicalize().unwrap().display().to_string();
    assert_eq!(watched, ["cfgen.toml", spec.as_str()]);
    std::fs::remove_dir_all(&dir).unwrap();
}
