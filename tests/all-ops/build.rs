//! Generates every operation of the 2024-08-07 Cloudflare document into `OUT_DIR`, so
//! that compiling this crate proves `--all` output compiles with warnings denied.
//!
//! The real documents live outside the repository (`../shared/cloudflare-spec/`). When
//! they are absent the crate includes an empty file and says that it skipped.

use std::path::{Path, PathBuf};

const SPEC: &str = "openapi-2024-08-07.json";

fn main() {
    println!("cargo::rustc-check-cfg=cfg(all_ops_generated)");
    let out_dir =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR for build scripts"));
    let out = out_dir.join("all_ops.rs");
    let manifest = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let shared = manifest.join("../../../shared/cloudflare-spec");
    let spec = shared.join(SPEC);
    // Watch the folder too, so that the crate regenerates when the documents appear.
    println!("cargo::rerun-if-changed={}", shared.display());
    println!("cargo::rerun-if-changed={}", spec.display());
    let code = match generate(&spec) {
        Some(code) => {
            println!("cargo::rustc-cfg=all_ops_generated");
            code
        }
        None => {
            println!(
                "cargo::warning=skipped: {} not found; the --all compile test did not run",
                shared.display()
            );
            String::new()
        }
    };
    if let Err(err) = cfgen::write::write_if_changed(&out, &code) {
        panic!("writing {}: {err}", out.display());
    }
}

/// The generated code, or `None` when the document is absent. A document that is
/// present but fails to generate fails the build: that is what this crate tests.
fn generate(spec: &Path) -> Option<String> {
    if !spec.is_file() {
        return None;
    }
    let doc = cfgen::load::Document::from_path(spec).unwrap_or_else(|err| panic!("{err}"));
    let settings = cfgen::Settings {
        all: true,
        // `--all` must not skip anything: a skip fails the build with its reason.
        strict: true,
        ..cfgen::Settings::default()
    };
    let generated = cfgen::generate(&doc, &settings).unwrap_or_else(|err| panic!("{err}"));
    Some(generated.code)
}
