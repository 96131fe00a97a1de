//! CLI layer, `cfgen.toml`: every command reads the config from the current directory
//! (or `--config`), flags replace configured settings of the same name, and without
//! either the command says what it needs.

mod common;

use std::path::{Path, PathBuf};

use common::{cfgen, stderr};

/// Two operations with different tags; `thing` is the schema the overlay edits.
const SPEC: &str = r##"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /things:
    post:
      operationId: make-thing
      tags: [things]
      requestBody:
        content:
          application/json:
            # A type of its own only in a field: the body itself is named after the
            # operation (`MakeThingBody`), a component it uses keeps its schema name.
            schema: {type: object, properties: {thing: {$ref: '#/components/schemas/p_thing'}}}
      responses:
        '200': {description: ok}
  /others:
    get:
      operationId: list-others
      tags: [others]
      responses:
        '200': {description: ok}
components:
  schemas:
    p_thing: {type: object, properties: {name: {type: string}}}
"##;

const OVERLAY: &str = r#"
overlay: 1.0.0
info: {title: o, version: '1'}
actions:
  - target: $.components.schemas['p_thing']
    update: {required: [name]}
"#;

const CONFIG: &str = r#"
spec = "spec/openapi.yaml"
overlays = ["spec/overlay.yaml"]
out = "client"
operations = ["make-thing"]
strip_prefixes = ["p_"]
"#;

/// A project folder holding `cfgen.toml`, `spec/openapi.yaml` and `spec/overlay.yaml`.
fn project(name: &str, config: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cfgen-cli-config-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("spec")).unwrap();
    std::fs::write(dir.join("spec/openapi.yaml"), SPEC).unwrap();
    std::fs::write(dir.join("spec/overlay.yaml"), OVERLAY).unwrap();
    std::fs::write(dir.join("cfgen.toml"), config).unwrap();
    dir
}

fn generated(dir: &Path, out: &str) -> String {
    std::fs::read_to_string(dir.join(out).join("src/generated.rs")).unwrap_or_default()
}

#[test]
fn generate_with_no_flags_does_what_the_config_says() {
    let dir = project("plain", CONFIG);
    let out = cfgen(&["generate"], &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    let code = generated(&dir, "client");
    assert!(code.contains("pub async fn make_thing("), "{code}");
    assert!(
        !code.contains("list_others"),
        "only the configured operation"
    );
    // `p_thing` lost its prefix, and the overlay made `name` required.
    assert!(code.contains("pub struct Thing"), "{code}");
    assert!(
        code.contains("pub name: ::std::string::String"),
        "the overlay applied: {code}"
    );
    let out = cfgen(&["generate", "--check"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn config_paths_are_relative_to_the_config_file_not_the_current_directory() {
    let dir = project("elsewhere", CONFIG);
    let config = dir.join("cfgen.toml");
    let out = cfgen(
        &["generate", "--config", config.to_str().unwrap()],
        &std::env::temp_dir(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(generated(&dir, "client").contains("pub async fn make_thing("));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_selection_flag_replaces_the_configured_selection() {
    let dir = project("replace", CONFIG);
    let out = cfgen(&["generate", "--tag", "others"], &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    let code = generated(&dir, "client");
    assert!(code.contains("pub async fn list_others("), "{code}");
    assert!(
        !code.contains("make_thing"),
        "--tag replaced the configured operations instead of adding to them"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn spec_without_overlay_drops_the_configured_overlays() {
    let dir = project("other-spec", CONFIG);
    // The configured overlay targets `p_thing`, which this document does not have:
    // applying it would fail, so success shows that it was not applied.
    let other = SPEC.replace("p_thing", "q_thing");
    std::fs::write(dir.join("other.yaml"), other).unwrap();
    let args = [
        "generate",
        "--spec",
        "other.yaml",
        "--operation",
        "make-thing",
        "--out",
        "elsewhere",
    ];
    let out = cfgen(&args, &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    let code = generated(&dir, "elsewhere");
    assert!(code.contains("from `other.yaml`"), "{code}");
    assert!(code.contains("pub struct QThing"), "{code}");
    assert!(
        !dir.join("client").exists(),
        "--out replaced the configured out"
    );

    // With --overlay the configured overlays are replaced, not kept.
    let out = cfgen(
        &[&args[..], &["--overlay", "spec/overlay.yaml"]].concat(),
        &dir,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("`$.components.schemas['p_thing']` matches nothing"),
        "{}",
        stderr(&out)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn without_config_or_flags_the_command_says_what_it_needs() {
    let dir = std::env::temp_dir().join(format!("cfgen-cli-config-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = cfgen(&["generate"], &dir);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    for needed in ["--spec PATH", "--out DIR", "--operation ID", "cfgen.toml"] {
        assert!(err.contains(needed), "{err}");
    }
    let out = cfgen(&["diff", "--new", "x.yaml"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--old PATH"), "{}", stderr(&out));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unknown_key_names_the_key_the_file_and_the_line_and_writes_nothing() {
    let dir = project("typo", &CONFIG.replace("operations =", "operation ="));
    let out = cfgen(&["generate"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("error: cfgen.toml:5: unknown key `operation`"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.join("client").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn diff_compares_the_configured_spec_and_gates_on_the_configured_level() {
    let config = format!("{CONFIG}\n[diff]\nfail_on = \"breaking\"\n");
    let dir = project("diff", &config);
    // The new document drops the `name` property the client sends: breaking.
    let new = SPEC.replace("properties: {name: {type: string}}", "properties: {}");
    std::fs::write(dir.join("new.yaml"), new).unwrap();
    let out = cfgen(&["diff", "--new", "new.yaml"], &dir);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("make-thing"), "{report}");
    assert!(!report.contains("list-others"), "{report}");
    let out = cfgen(&["diff", "--new", "new.yaml", "--fail-on", "none"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn slice_writes_a_document_that_generates_the_same_code() {
    let dir = project("slice", CONFIG);
    let out = cfgen(
        &[
            "slice",
            "--spec",
            "spec/openapi.yaml",
            "--tag",
            "things",
            "--out",
            "s.json",
        ],
        &dir,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("wrote s.json"), "{}", stderr(&out));
    let sliced = std::fs::read_to_string(dir.join("s.json")).unwrap();
    assert!(sliced.contains("\"make-thing\"") && !sliced.contains("list-others"));

    let out = cfgen(&["generate", "--out", "from-full"], &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = cfgen(
        &[
            "generate",
            "--spec",
            "s.json",
            "--overlay",
            "spec/overlay.yaml",
            "--out",
            "from-slice",
        ],
        &dir,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let header = |code: String| code.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert_eq!(
        header(generated(&dir, "from-full")),
        header(generated(&dir, "from-slice")),
        "only the first line (the header naming the file) may differ"
    );

    let out = cfgen(&["slice", "--out", "s.txt"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("s.txt: #: cannot tell the output syntax"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.join("s.txt").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_builder_and_the_cli_read_a_config_the_same_way() {
    let dir = project("builder", CONFIG);
    let out = cfgen(&["generate"], &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    let written = cfgen::Builder::from_config(dir.join("cfgen.toml"))
        .expect("config loads")
        .out_dir(dir.join("built"))
        .emit_rerun_if_changed(false)
        .write()
        .expect("builder writes");
    let built = std::fs::read_to_string(written.path).unwrap();
    assert!(built == generated(&dir, "client"), "builder and CLI differ");
    std::fs::remove_dir_all(&dir).unwrap();
}
