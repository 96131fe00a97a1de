//! The three front ends (library API, build.rs builder, CLI) emit identical bytes for the
//! same inputs and settings.
//!
//! Every front end is given the same explicit settings, which differ from the CLI's
//! defaults (only `workers-kv_` is stripped, not `workers-kv-`), so that a front end that
//! quietly adds defaults of its own shows up as a difference.

use std::path::{Path, PathBuf};
use std::process::Command;

use cfgen::{Builder, Settings};

/// One generation request, expressed once and handed to every front end.
struct Case {
    spec: PathBuf,
    overlays: Vec<PathBuf>,
    settings: Settings,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A fresh, empty directory under the system temp dir, unique to this test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cfgen-front-ends-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

fn via_library(case: &Case) -> cfgen::Generated {
    let mut doc = cfgen::load::Document::from_path(&case.spec).expect("load spec");
    for overlay in &case.overlays {
        cfgen::overlay::apply_file(&mut doc, overlay).expect("apply overlay");
    }
    cfgen::generate(&doc, &case.settings).expect("library generates")
}

fn builder(case: &Case) -> Builder {
    let builder = Builder::new(&case.spec).settings(case.settings.clone());
    case.overlays.iter().fold(builder, Builder::overlay)
}

/// Runs `cfgen generate --out <dir>` and returns what it wrote to `<dir>/src/generated.rs`.
fn via_cli(case: &Case, dir: &Path) -> String {
    let mut cli = Command::new(env!("CARGO_BIN_EXE_cfgen"));
    cli.arg("generate")
        .arg("--out")
        .arg(dir)
        .arg("--spec")
        .arg(&case.spec);
    for overlay in &case.overlays {
        cli.arg("--overlay").arg(overlay);
    }
    for id in &case.settings.operations {
        cli.args(["--operation", id]);
    }
    for tag in &case.settings.tags {
        cli.args(["--tag", tag]);
    }
    for prefix in &case.settings.strip_prefixes {
        cli.args(["--strip-prefix", prefix]);
    }
    if case.settings.all {
        cli.arg("--all");
    }
    if case.settings.strict {
        cli.arg("--strict");
    }
    let output = cli.output().expect("run cfgen");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "cfgen failed: {stderr}");
    std::fs::read_to_string(dir.join("src/generated.rs")).expect("the CLI wrote src/generated.rs")
}

/// Generates `case` through every front end and checks that the bytes agree.
fn assert_front_ends_agree(name: &str, case: &Case) -> cfgen::Generated {
    let dir = temp_dir(name);
    let library = via_library(case);

    let built = builder(case)
        .emit_rerun_if_changed(false)
        .generate()
        .expect("builder generates");
    assert_eq!(
        built, library,
        "{name}: Builder::generate differs from cfgen::generate"
    );

    let written = builder(case)
        .out_dir(dir.join("out"))
        .file_name("client.rs")
        .emit_rerun_if_changed(false)
        .write()
        .expect("builder writes");
    assert_eq!(written.path, dir.join("out/client.rs"));
    assert!(written.changed, "{name}: a first write creates the file");
    let on_disk = std::fs::read_to_string(&written.path).expect("read what the builder wrote");
    assert!(
        on_disk == library.code,
        "{name}: Builder::write differs from cfgen::generate"
    );

    let cli = via_cli(case, &dir.join("crate"));
    assert!(
        cli == library.code,
        "{name}: the CLI differs from cfgen::generate"
    );

    std::fs::remove_dir_all(&dir).expect("remove temp dir");
    library
}

#[test]
fn library_builder_and_cli_agree_on_the_committed_spec() {
    let spec_dir = workspace().join("spec");
    let case = Case {
        spec: spec_dir.join("openapi.yaml"),
        overlays: vec![spec_dir.join("overlay.yaml")],
        settings: Settings {
            operations: vec![cfgen::BULK_DELETE_OPERATION.to_string()],
            strip_prefixes: vec!["workers-kv_".into()],
            strict: true,
            ..Settings::default()
        },
    };
    let generated = assert_front_ends_agree("committed", &case);
    // Guards against three front ends agreeing on nothing useful.
    assert!(
        generated
            .code
            .contains("pub async fn workers_kv_namespace_delete_multiple_key_value_pairs<S>(")
    );
    assert!(generated.skipped.is_empty(), "{:?}", generated.skipped);
}

#[test]
fn library_builder_and_cli_agree_on_a_tag_of_the_real_spec() {
    let spec = workspace().join("../shared/cloudflare-spec/openapi-2024-08-07.json");
    if !spec.exists() {
        println!("skipped: ../shared/cloudflare-spec not found");
        return;
    }
    let case = Case {
        spec,
        overlays: Vec::new(),
        settings: Settings {
            tags: vec!["Workers KV Namespace".into()],
            strip_prefixes: vec!["workers-kv_".into()],
            ..Settings::default()
        },
    };
    let generated = assert_front_ends_agree("real", &case);
    assert!(generated.code.contains("from `openapi-2024-08-07.json`"));
    assert!(generated.code.matches("pub async fn ").count() > 1);
}

#[test]
fn write_leaves_an_unchanged_file_alone() {
    let dir = temp_dir("unchanged");
    let spec_dir = workspace().join("spec");
    let builder = Builder::new(spec_dir.join("openapi.yaml"))
        .overlay(spec_dir.join("overlay.yaml"))
        .operation(cfgen::BULK_DELETE_OPERATION)
        .out_dir(&dir)
        .emit_rerun_if_changed(false);
    assert!(builder.write().expect("first write").changed);
    let second = builder.write().expect("second write");
    assert!(!second.changed, "the same code is not written twice");
    assert_eq!(second.path, dir.join(cfgen::DEFAULT_FILE_NAME));
    std::fs::remove_dir_all(&dir).expect("remove temp dir");
}
