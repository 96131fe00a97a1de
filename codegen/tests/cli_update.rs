//! `cfgen update`: report, gate, re-slice, regenerate, for a project with a
//! `cfgen.toml`; a no-op on the document the spec was sliced from; nothing written when
//! the gate stops it, on --dry-run, or on bad input. The real-document case uses
//! `../shared/cloudflare-spec` and says it was skipped when that is absent.

mod common;

use std::path::{Path, PathBuf};

use common::{cfgen, stderr, stdout};

/// Two operations; the project generates `make-thing` only.
const FULL: &str = r##"
openapi: 3.0.3
info: {title: t, version: '1'}
servers: [{url: 'https://example.com/v1'}]
paths:
  /things:
    post:
      operationId: make-thing
      description: Makes a thing.
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/p_thing'}
      responses:
        '200': {description: ok}
  /others:
    get:
      operationId: list-others
      responses:
        '200': {description: ok}
components:
  schemas:
    p_thing: {type: object, properties: {name: {type: string}}}
    p_unused: {type: string}
"##;

const CONFIG: &str = r#"
spec = "spec/openapi.yaml"
out = "client"
operations = ["make-thing"]
strip_prefixes = ["p_"]
"#;

/// A project whose spec was sliced from `full.yaml` and whose client was generated
/// from that slice, as a user sets one up.
fn project(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cfgen-cli-update-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("full.yaml"), FULL).unwrap();
    std::fs::write(dir.join("cfgen.toml"), CONFIG).unwrap();
    let out = cfgen(
        &["slice", "--spec", "full.yaml", "--out", "spec/openapi.yaml"],
        &dir,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = cfgen(&["generate"], &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    dir
}

/// Every file under `dir`, with its bytes, sorted: what "nothing written" compares.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                files.push((path, bytes));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn update_from_the_document_the_spec_was_sliced_from_changes_nothing() {
    let dir = project("noop");
    let before = snapshot(&dir);
    let out = cfgen(&["update", "--from", "full.yaml"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("0 breaking, 0 warning, 0 additive, 0 docs"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("up to date: spec/openapi.yaml and client/src/generated.rs"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(&dir), before, "a no-op update wrote something");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A crate family's config is refused: `update` writes one crate and a sliced spec,
/// which would leave the product crates and their tables behind the facade.
#[test]
fn a_crate_family_is_refused_before_anything_is_written() {
    let dir = project("family");
    std::fs::write(
        dir.join("cfgen.toml"),
        format!("{CONFIG}product_crates = \"fam\"\n"),
    )
    .unwrap();
    std::fs::write(dir.join("new.yaml"), FULL).unwrap();
    let before = snapshot(&dir);
    let out = cfgen(&["update", "--from", "new.yaml"], &dir);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "cfgen.toml: `product_crates = \"fam\"`: `cfgen update` writes a sliced spec and \
             one crate, not a family of crates"
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(&dir), before);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_breaking_report_stops_the_update_and_writes_nothing() {
    let dir = project("gate");
    // The body loses its properties: the generated struct becomes a map, breaking.
    let new = FULL.replace("properties: {name: {type: string}}", "properties: {}");
    std::fs::write(dir.join("new.yaml"), new).unwrap();
    let before = snapshot(&dir);
    let out = cfgen(&["update", "--from", "new.yaml"], &dir);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("breaking (wire)   type-changed"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("stopped: the report reaches --fail-on breaking; nothing written"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(&dir), before);

    // The config's gate is the default; a flag replaces it.
    std::fs::write(
        dir.join("cfgen.toml"),
        format!("{CONFIG}[diff]\nfail_on = \"docs\"\n"),
    )
    .unwrap();
    let docs_only = FULL.replace("Makes a thing.", "Makes one thing.");
    std::fs::write(dir.join("docs.yaml"), docs_only).unwrap();
    let out = cfgen(&["update", "--from", "docs.yaml", "--format", "json"], &dir);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    assert_eq!(report["summary"]["docs"], 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_accepted_update_rewrites_the_slice_and_the_client_and_says_what_to_review() {
    let dir = project("apply");
    let new = FULL
        .replace(
            "properties: {name: {type: string}}",
            "properties: {name: {type: string}, size: {type: integer}}",
        )
        .replace("p_unused: {type: string}", "p_unused: {type: integer}");
    std::fs::write(dir.join("new.yaml"), &new).unwrap();

    let before = snapshot(&dir);
    let out = cfgen(&["update", "--from", "new.yaml", "--dry-run"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("would write spec/openapi.yaml"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("would write client/src/generated.rs"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(&dir), before, "--dry-run wrote something");

    let out = cfgen(&["update", "--from", "new.yaml"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(stdout(&out).contains("property-added"), "{}", stdout(&out));
    assert!(
        err.contains("wrote spec/openapi.yaml\nwrote client/src/generated.rs"),
        "{err}"
    );
    assert!(
        err.contains("git diff") && err.contains("cargo test"),
        "{err}"
    );
    let code = std::fs::read_to_string(dir.join("client/src/generated.rs")).unwrap();
    assert!(code.contains("pub size: ::std::option::Option<"), "{code}");
    let spec = std::fs::read_to_string(dir.join("spec/openapi.yaml")).unwrap();
    assert!(
        !spec.contains("p_unused") && !spec.contains("list-others"),
        "{spec}"
    );

    // The project is consistent afterwards, and a second update is a no-op.
    let out = cfgen(&["generate", "--check"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let after = snapshot(&dir);
    let out = cfgen(&["update", "--from", "new.yaml"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(snapshot(&dir), after);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn update_needs_a_config_and_a_readable_document() {
    let dir = std::env::temp_dir().join(format!("cfgen-cli-update-none-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = cfgen(&["update", "--from", "x.json"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no cfgen.toml in the current directory"),
        "{}",
        stderr(&out)
    );
    std::fs::remove_dir_all(&dir).unwrap();

    let dir = project("missing");
    let before = snapshot(&dir);
    let out = cfgen(&["update", "--from", "nope.json"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("nope.json: No such file"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(&dir), before);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The 10,000-key limit of this repository's overlay, the part of it that applies to
/// the 2024 document.
const OVERLAY_2024: &str = r#"
overlay: 1.0.0
info: {title: limits, version: 1.0.0}
actions:
  - target: $.components.schemas['workers-kv_bulk_delete']
    update: {minItems: 1, maxItems: 10000}
"#;

/// The library half on the real 2024 document with the 2024 part of this repository's overlay: the
/// first update from the full document writes the slice and the client, the second is
/// a no-op.
#[test]
fn updating_twice_from_the_real_document_is_a_no_op_the_second_time() {
    let full = common::shared_dir().join("openapi-2024-08-07.json");
    if !full.exists() {
        println!("skipped: ../shared/cloudflare-spec not found");
        return;
    }
    let dir = std::env::temp_dir().join(format!("cfgen-update-real-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("spec")).unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    // The repository's overlay also types `workers-kv_bulk-result`, a schema the 2024
    // document does not have yet, and an overlay target that matches nothing is an
    // error (a stale fact must not vanish silently). So this project keeps the action
    // the 2024 document can take.
    std::fs::write(dir.join("spec/overlay.yaml"), OVERLAY_2024).unwrap();
    std::fs::copy(
        repo.join("spec/openapi.yaml"),
        dir.join("spec/openapi.yaml"),
    )
    .unwrap();
    std::fs::copy(repo.join("cfgen.toml"), dir.join("cfgen.toml")).unwrap();
    let config = cfgen::Config::from_path(&dir.join("cfgen.toml")).unwrap();

    let first = cfgen::update::plan(&config, &full, cfgen::FailOn::None).unwrap();
    assert!(!first.stopped);
    assert_eq!(
        first.changes().count(),
        2,
        "the slice and the client are new"
    );
    first.write().unwrap();
    let second = cfgen::update::plan(&config, &full, cfgen::FailOn::Docs).unwrap();
    assert_eq!(
        second.report.findings,
        [],
        "the slice compares equal to its source"
    );
    assert!(!second.stopped);
    assert_eq!(
        second.changes().count(),
        0,
        "{:?}",
        second.files.iter().map(|f| &f.path).collect::<Vec<_>>()
    );
    let slice = std::fs::metadata(dir.join("spec/openapi.yaml"))
        .unwrap()
        .len();
    assert!(slice < 100_000, "{slice} bytes");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn help_documents_update_and_slice() {
    let here = Path::new(".");
    let help = stdout(&cfgen(&["update", "--help"], here));
    for text in [
        "--from",
        "--fail-on",
        "--dry-run",
        "--format",
        "1 when the\nreport reached --fail-on (nothing written)",
        "and breaking for `update`",
    ] {
        assert!(help.contains(text), "update --help lacks {text:?}:\n{help}");
    }
    let help = stdout(&cfgen(&["slice", "--help"], here));
    for text in [
        "--spec",
        "--operation",
        "--tag",
        "--out",
        "`.json`, `.yaml` or `.yml`",
    ] {
        assert!(help.contains(text), "slice --help lacks {text:?}:\n{help}");
    }
    let help = stdout(&cfgen(&["--help"], here));
    assert!(
        help.contains("--config <PATH>") && help.contains("cfgen.toml"),
        "{help}"
    );
}
