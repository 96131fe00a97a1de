//! `cfgen diff` on small inline documents: one test per kind of change, the changes the
//! diff must ignore, the output formats, and the command line's exit codes.

use std::path::PathBuf;
use std::process::Command;

use Affects::{None as Unaffected, Rust, Wire};
use Level::{Additive, Breaking, Docs, Warning};
use cfgen::Settings;
use cfgen::diff::{Affects, Level, Report, diff};
use cfgen::load::Document;

const OP: &str = "workers-kv-update-thing";

/// One operation with path, query and body parameters, a request schema with an enum
/// and a response envelope around a named struct.
const BASE: &str = r#"
openapi: 3.0.3
info: {title: things, version: '1'}
paths:
  /accounts/{account_id}/things/{thing_id}:
    post:
      operationId: workers-kv-update-thing
      summary: Update a thing
      description: Replaces the thing.
      tags: [things]
      parameters:
        - {name: account_id, in: path, required: true, schema: {type: string, maxLength: 32}}
        - {name: thing_id, in: path, required: true, schema: {type: string}}
        - {name: dry_run, in: query, schema: {type: boolean}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/workers-kv_thing-input'}
      responses:
        '200':
          description: The updated thing
          content:
            application/json:
              schema: {$ref: '#/components/schemas/workers-kv_envelope'}
components:
  schemas:
    workers-kv_thing-input:
      type: object
      required: [name]
      properties:
        name: {type: string}
        color: {$ref: '#/components/schemas/workers-kv_color'}
    workers-kv_color:
      type: string
      enum: [red, green]
    workers-kv_envelope:
      type: object
      required: [success, result]
      properties:
        success: {type: boolean}
        result: {$ref: '#/components/schemas/workers-kv_thing'}
    workers-kv_thing:
      type: object
      required: [id, name]
      properties:
        id: {type: string}
        name: {type: string}
        note: {type: string}
"#;

fn settings(ops: &[&str]) -> Settings {
    Settings {
        operations: ops.iter().map(|s| s.to_string()).collect(),
        strip_prefixes: cfgen::WORKERS_KV_PREFIXES
            .iter()
            .map(|s| s.to_string())
            .collect(),
        ..Settings::default()
    }
}

fn doc(name: &str, text: &str) -> Document {
    Document::from_text(name, text).expect("test document loads")
}

fn run(old: &str, new: &str) -> Report {
    diff(
        &doc("old.yaml", old),
        &doc("new.yaml", new),
        &settings(&[OP]),
    )
    .expect("diff succeeds")
}

/// `text` with `from` replaced by `to`; `from` must occur exactly once, so a test
/// cannot silently edit nothing.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` must occur once");
    text.replacen(from, to, 1)
}

/// Every finding as (kind, level, affects), sorted, for comparing whole reports.
fn kinds(report: &Report) -> Vec<(&'static str, Level, Affects)> {
    let mut kinds: Vec<_> = report
        .findings
        .iter()
        .map(|f| (f.kind, f.level, f.affects))
        .collect();
    kinds.sort();
    kinds
}

fn only(report: &Report, kind: &str) -> cfgen::diff::Finding {
    let found: Vec<_> = report.findings.iter().filter(|f| f.kind == kind).collect();
    assert_eq!(
        found.len(),
        1,
        "one `{kind}` expected in {:#?}",
        report.findings
    );
    found[0].clone()
}

#[test]
fn identical_documents_have_no_findings() {
    let report = run(BASE, BASE);
    assert_eq!(report.findings, []);
    assert_eq!(report.operations, [OP]);
    assert_eq!(report.worst(), None);
}

#[test]
fn a_renamed_schema_with_the_same_structure_and_rust_name_is_no_change() {
    // `workers-kv_thing` and `thing` both generate `Thing` once the prefix is stripped.
    let new = BASE
        .replace("workers-kv_thing'", "thing'")
        .replace("    workers-kv_thing:\n", "    thing:\n");
    assert_ne!(new, BASE);
    assert_eq!(run(BASE, &new).findings, []);
}

#[test]
fn reordered_properties_and_required_lists_are_no_change() {
    let reordered = "      required: [name, id]\n      properties:\n        note: {type: string}\n        name: {type: string}\n        id: {type: string}\n";
    let original = "      required: [id, name]\n      properties:\n        id: {type: string}\n        name: {type: string}\n        note: {type: string}\n";
    let new = edit(BASE, original, reordered);
    assert_eq!(run(BASE, &new).findings, []);
}

#[test]
fn a_new_rust_type_name_is_a_rust_only_break() {
    let new = BASE
        .replace("workers-kv_thing'", "workers-kv_item'")
        .replace("    workers-kv_thing:\n", "    workers-kv_item:\n");
    let report = run(BASE, &new);
    assert_eq!(kinds(&report), [("type-renamed", Breaking, Rust)]);
    let finding = only(&report, "type-renamed");
    assert_eq!(finding.rust_item.as_deref(), Some("Item"));
    assert_eq!(
        finding.old_pointer.as_deref(),
        Some("#/components/schemas/workers-kv_thing")
    );
    assert_eq!(
        finding.new_pointer.as_deref(),
        Some("#/components/schemas/workers-kv_item")
    );
    assert!(
        finding.message.contains("`Thing`") && finding.message.contains("`Item`"),
        "{}",
        finding.message
    );
}

#[test]
fn method_change_breaks_the_wire() {
    let report = run(BASE, &edit(BASE, "    post:\n", "    put:\n"));
    assert_eq!(kinds(&report), [("method-changed", Breaking, Wire)]);
    let finding = only(&report, "method-changed");
    assert_eq!(finding.message, "method changed from POST to PUT");
    assert_eq!(
        finding.old_pointer.as_deref(),
        Some("#/paths/~1accounts~1{account_id}~1things~1{thing_id}/post")
    );
    assert_eq!(
        finding.new_pointer.as_deref(),
        Some("#/paths/~1accounts~1{account_id}~1things~1{thing_id}/put")
    );
}

#[test]
fn path_change_breaks_the_wire_and_names_the_old_routes_heir() {
    let new = edit(BASE, "/things/{thing_id}:", "/items/{thing_id}:");
    let report = run(BASE, &new);
    assert_eq!(kinds(&report), [("path-changed", Breaking, Wire)]);
    assert!(
        only(&report, "path-changed")
            .message
            .contains("the old route is gone")
    );

    // When the new document still serves the old route under another id, say so.
    let heir = "  /accounts/{account_id}/things/{thing_id}:\n    post:\n      operationId: legacy-update\n      deprecated: true\n      responses: {'200': {description: ok}}\n";
    let new = edit(&new, "paths:\n", &format!("paths:\n{heir}"));
    let message = only(&run(BASE, &new), "path-changed").message;
    assert!(
        message.ends_with("is now operation `legacy-update`, deprecated"),
        "{message}"
    );
}

#[test]
fn renamed_path_parameter_changes_only_the_argument_name() {
    let new = BASE.replace("thing_id", "item_id");
    let report = run(BASE, &new);
    assert_eq!(kinds(&report), [("parameter-renamed", Docs, Unaffected)]);
    let finding = only(&report, "parameter-renamed");
    assert_eq!(finding.rust_item.as_deref(), Some("update_thing(item_id)"));
    assert!(
        finding
            .message
            .contains("the argument `thing_id` of `update_thing()` is now named `item_id`"),
        "{}",
        finding.message
    );
    assert_eq!(
        finding.old_pointer.as_deref(),
        Some("#/paths/~1accounts~1{account_id}~1things~1{thing_id}/post/parameters/1")
    );
}

#[test]
fn removed_and_added_operations_are_findings_not_errors() {
    let other = edit(
        BASE,
        "operationId: workers-kv-update-thing",
        "operationId: workers-kv-replace-thing",
    );
    let report = run(BASE, &other);
    assert_eq!(kinds(&report), [("operation-removed", Breaking, Wire)]);
    assert_eq!(only(&report, "operation-removed").new_pointer, None);

    let report = run(&other, BASE);
    assert_eq!(kinds(&report), [("operation-added", Additive, Wire)]);

    let deprecated = edit(
        BASE,
        "      tags: [things]\n",
        "      tags: [things]\n      deprecated: true\n",
    );
    let report = run(&other, &deprecated);
    assert_eq!(
        kinds(&report),
        [
            ("operation-added", Additive, Wire),
            ("operation-deprecated", Warning, Unaffected)
        ]
    );
}

#[test]
fn an_id_in_neither_document_is_an_error_with_suggestions() {
    let err = diff(
        &doc("old.yaml", BASE),
        &doc("new.yaml", BASE),
        &settings(&["workers-kv-update-thingz"]),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "new.yaml: no operation with operationId `workers-kv-update-thingz`; did you mean workers-kv-update-thing?"
    );
    let by_tag = Settings {
        tags: vec!["nope".into()],
        ..Settings::default()
    };
    let err = diff(&doc("old.yaml", BASE), &doc("new.yaml", BASE), &by_tag).unwrap_err();
    assert_eq!(err.to_string(), "new.yaml: no operation has the tag `nope`");
}

#[test]
fn selection_by_tag_works_on_both_sides() {
    let by_tag = Settings {
        tags: vec!["things".into()],
        ..settings(&[])
    };
    let new = edit(BASE, "    post:\n", "    patch:\n");
    let report = diff(&doc("old.yaml", BASE), &doc("new.yaml", &new), &by_tag).unwrap();
    assert_eq!(report.operations, [OP]);
    assert_eq!(kinds(&report), [("method-changed", Breaking, Wire)]);
}

#[test]
fn an_operation_that_can_no_longer_be_generated_is_not_called_removed() {
    // Cookie parameters are unsupported: selected by tag, the operation is skipped.
    let param = "        - {name: dry_run, in: query, schema: {type: boolean}}\n";
    let cookie =
        format!("{param}        - {{name: session, in: cookie, schema: {{type: string}}}}\n");
    let new = edit(BASE, param, &cookie);
    let by_tag = Settings {
        tags: vec!["things".into()],
        ..settings(&[])
    };
    let report = diff(&doc("old.yaml", BASE), &doc("new.yaml", &new), &by_tag).unwrap();
    assert_eq!(
        kinds(&report),
        [("operation-not-generated", Breaking, Rust)]
    );
    let finding = only(&report, "operation-not-generated");
    assert!(
        finding.message.contains("unsupported: cookie parameters"),
        "{}",
        finding.message
    );
    // Asked for by id, the same document is bad input, as in `generate`.
    let by_id = diff(
        &doc("old.yaml", BASE),
        &doc("new.yaml", &new),
        &settings(&[OP]),
    );
    assert!(by_id.unwrap_err().to_string().contains("cookie parameters"));
}

#[test]
fn newly_deprecated_operation_is_a_warning() {
    let new = edit(
        BASE,
        "      tags: [things]\n",
        "      tags: [things]\n      deprecated: true\n",
    );
    let report = run(BASE, &new);
    assert_eq!(
        kinds(&report),
        [("operation-deprecated", Warning, Unaffected)]
    );
    assert_eq!(
        kinds(&run(&new, BASE)),
        [("operation-undeprecated", Additive, Unaffected)]
    );
}

#[test]
fn query_parameters_required_added_and_removed() {
    let required = edit(
        BASE,
        "{name: dry_run, in: query, schema",
        "{name: dry_run, in: query, required: true, schema",
    );
    assert_eq!(
        kinds(&run(BASE, &required)),
        [("became-required", Breaking, Wire)]
    );
    assert_eq!(
        kinds(&run(&required, BASE)),
        [("became-optional", Breaking, Rust)]
    );

    let param = "        - {name: dry_run, in: query, schema: {type: boolean}}\n";
    let extra_required = edit(
        BASE,
        param,
        &format!(
            "{param}        - {{name: force, in: query, required: true, schema: {{type: boolean}}}}\n"
        ),
    );
    assert_eq!(
        kinds(&run(BASE, &extra_required)),
        [("parameter-added", Breaking, Wire)]
    );
    let extra_optional = edit(
        BASE,
        param,
        &format!("{param}        - {{name: force, in: header, schema: {{type: boolean}}}}\n"),
    );
    let report = run(BASE, &extra_optional);
    // Generated functions take every parameter positionally, so even an optional one
    // changes the signature.
    assert_eq!(kinds(&report), [("parameter-added", Breaking, Rust)]);
    assert_eq!(
        only(&report, "parameter-added").new_pointer.as_deref(),
        Some("#/paths/~1accounts~1{account_id}~1things~1{thing_id}/post/parameters/3")
    );
    assert_eq!(
        kinds(&run(BASE, &edit(BASE, param, ""))),
        [("parameter-removed", Breaking, Rust)]
    );
}

#[test]
fn request_properties_added_required_or_optional() {
    let props = "        name: {type: string}\n        color:";
    let required = edit(
        &edit(
            BASE,
            props,
            "        name: {type: string}\n        size: {type: integer}\n        color:",
        ),
        "required: [name]",
        "required: [name, size]",
    );
    let report = run(BASE, &required);
    assert_eq!(kinds(&report), [("property-added", Breaking, Wire)]);
    assert_eq!(
        only(&report, "property-added").new_pointer.as_deref(),
        Some("#/components/schemas/workers-kv_thing-input/properties/size")
    );

    let optional = edit(
        BASE,
        props,
        "        name: {type: string}\n        size: {type: integer}\n        color:",
    );
    assert_eq!(
        kinds(&run(BASE, &optional)),
        [("property-added", Additive, Wire)]
    );

    let now_required = edit(BASE, "required: [name]", "required: [name, color]");
    assert_eq!(
        kinds(&run(BASE, &now_required)),
        [("became-required", Breaking, Wire)]
    );
}

#[test]
fn a_changed_type_breaks_the_wire() {
    let new = edit(
        BASE,
        "        id: {type: string}\n",
        "        id: {type: integer}\n",
    );
    let report = run(BASE, &new);
    assert_eq!(kinds(&report), [("type-changed", Breaking, Wire)]);
    let finding = only(&report, "type-changed");
    assert_eq!(
        finding.message,
        "type of property `id` of `Thing` changed from `String` to `i64`"
    );
    assert_eq!(finding.rust_item.as_deref(), Some("Thing.id"));
    assert_eq!(
        finding.old_pointer.as_deref(),
        Some("#/components/schemas/workers-kv_thing/properties/id")
    );
}

#[test]
fn enum_values_removed_break_and_added_warn() {
    let removed = edit(BASE, "enum: [red, green]", "enum: [red]");
    let report = run(BASE, &removed);
    assert_eq!(kinds(&report), [("enum-value-removed", Breaking, Wire)]);
    assert_eq!(
        only(&report, "enum-value-removed").old_pointer.as_deref(),
        Some("#/components/schemas/workers-kv_color/enum")
    );

    let added = edit(BASE, "enum: [red, green]", "enum: [red, green, blue]");
    let report = run(BASE, &added);
    assert_eq!(kinds(&report), [("enum-value-added", Warning, Rust)]);
    assert!(
        only(&report, "enum-value-added")
            .message
            .contains("`Color::Blue`")
    );
}

#[test]
fn success_status_removed_and_added() {
    let new = edit(BASE, "        '200':\n", "        '201':\n");
    let report = run(BASE, &new);
    assert_eq!(
        kinds(&report),
        [
            ("success-status-added", Additive, Wire),
            ("success-status-removed", Breaking, Wire)
        ]
    );
    assert!(
        only(&report, "success-status-removed")
            .old_pointer
            .unwrap()
            .ends_with("/post/responses/200")
    );
}

#[test]
fn response_properties_removed_made_optional_or_nullable() {
    let removed = edit(BASE, "        note: {type: string}\n", "");
    let report = run(BASE, &removed);
    assert_eq!(kinds(&report), [("property-removed", Breaking, Wire)]);
    let finding = only(&report, "property-removed");
    assert_eq!(
        finding.old_pointer.as_deref(),
        Some("#/components/schemas/workers-kv_thing/properties/note")
    );
    assert_eq!(finding.new_pointer, None);

    let optional = edit(BASE, "required: [id, name]", "required: [id]");
    assert_eq!(
        kinds(&run(BASE, &optional)),
        [("became-optional", Breaking, Wire)]
    );

    let nullable = edit(
        BASE,
        "        name: {type: string}\n        note",
        "        name: {type: string, nullable: true}\n        note",
    );
    assert_eq!(
        kinds(&run(BASE, &nullable)),
        [("became-nullable", Breaking, Wire)]
    );

    let added = edit(
        BASE,
        "        note: {type: string}\n",
        "        note: {type: string}\n        size: {type: integer}\n",
    );
    assert_eq!(
        kinds(&run(BASE, &added)),
        [("property-added", Additive, Wire)]
    );
}

#[test]
fn optionality_breaks_the_rust_api_only_when_the_option_comes_or_goes() {
    // A response field that must now be present loses its `Option`.
    let required = edit(BASE, "required: [id, name]", "required: [id, name, note]");
    let report = run(BASE, &required);
    assert_eq!(kinds(&report), [("became-required", Breaking, Rust)]);
    assert!(
        only(&report, "became-required")
            .message
            .ends_with("`Thing.note` is no longer an `Option`")
    );

    // Nullable and optional: `Option` either way, so requiring it only tightens a promise.
    let nullable = edit(
        BASE,
        "        note: {type: string}\n",
        "        note: {type: string, nullable: true}\n",
    );
    let both = edit(
        &nullable,
        "required: [id, name]",
        "required: [id, name, note]",
    );
    assert_eq!(
        kinds(&run(&nullable, &both)),
        [("became-required", Additive, Wire)]
    );
    assert_eq!(
        kinds(&run(&both, &nullable)),
        [("became-optional", Breaking, Wire)]
    );

    // In a request, a field that may now be left out becomes an `Option`.
    let optional_input = edit(BASE, "required: [name]", "required: []");
    assert_eq!(
        kinds(&run(BASE, &optional_input)),
        [("became-optional", Breaking, Rust)]
    );
}

#[test]
fn summaries_and_descriptions_are_docs_only() {
    let new = edit(
        &edit(BASE, "summary: Update a thing", "summary: Update one thing"),
        "description: Replaces the thing.",
        "description: Replaces it.",
    );
    let report = run(BASE, &new);
    assert_eq!(
        kinds(&report),
        [
            ("docs-changed", Docs, Unaffected),
            ("docs-changed", Docs, Unaffected)
        ]
    );
    assert!(report.findings.iter().any(|f| f.message == "summary changed from \"Update a thing\" to \"Update one thing\""));
}

#[test]
fn constraints_tightened_break_and_loosened_are_additive() {
    let tighter = edit(BASE, "maxLength: 32", "maxLength: 16");
    let report = run(BASE, &tighter);
    assert_eq!(kinds(&report), [("constraint-tightened", Breaking, Wire)]);
    assert_eq!(
        only(&report, "constraint-tightened").message,
        "maxLength of path parameter `account_id` changed from 32 to 16"
    );
    assert_eq!(
        kinds(&run(&tighter, BASE)),
        [("constraint-loosened", Additive, Wire)]
    );
}

#[test]
fn request_body_content_type_and_presence() {
    let ct = edit(
        BASE,
        "          application/json:\n            schema: {$ref: '#/components/schemas/workers-kv_thing-input'}",
        "          application/octet-stream:\n            schema: {type: string, format: binary}",
    );
    let report = run(BASE, &ct);
    assert_eq!(
        kinds(&report),
        [
            ("content-type-changed", Breaking, Wire),
            ("type-changed", Breaking, Wire)
        ]
    );

    let body = "      requestBody:\n        required: true\n        content:\n          application/json:\n            schema: {$ref: '#/components/schemas/workers-kv_thing-input'}\n";
    let without = edit(BASE, body, "");
    assert_eq!(
        kinds(&run(BASE, &without)),
        [("body-removed", Breaking, Rust)]
    );
    assert_eq!(
        kinds(&run(&without, BASE)),
        [("body-added", Breaking, Wire)]
    );
}

#[test]
fn recursive_types_terminate_and_report_once() {
    let tree = "    workers-kv_thing:\n      type: object\n      required: [id, name]\n      properties:\n        children: {type: array, items: {$ref: '#/components/schemas/workers-kv_thing'}}\n";
    let old = edit(
        BASE,
        "    workers-kv_thing:\n      type: object\n      required: [id, name]\n      properties:\n",
        tree,
    );
    let new = edit(
        &old,
        "        note: {type: string}\n",
        "        note: {type: integer}\n",
    );
    let report = run(&old, &new);
    assert_eq!(kinds(&report), [("type-changed", Breaking, Wire)]);
}

#[test]
fn findings_are_sorted_most_severe_first() {
    let new = edit(
        &edit(BASE, "summary: Update a thing", "summary: Changed"),
        "    post:\n",
        "    put:\n",
    );
    let new = edit(&new, "enum: [red, green]", "enum: [red, green, blue]");
    let levels: Vec<Level> = run(BASE, &new).findings.iter().map(|f| f.level).collect();
    assert_eq!(levels, [Breaking, Warning, Docs]);
    // Same inputs, same bytes.
    assert_eq!(run(BASE, &new).to_json(), run(BASE, &new).to_json());
}

#[test]
fn json_report_follows_schema_version_1() {
    let new = edit(BASE, "    post:\n", "    put:\n");
    let json: serde_json::Value =
        serde_json::from_str(&run(BASE, &new).to_json()).expect("valid JSON");
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["old"], "old.yaml");
    assert_eq!(json["operations"], serde_json::json!([OP]));
    assert_eq!(
        json["summary"],
        serde_json::json!({"breaking": 1, "warning": 0, "additive": 0, "docs": 0})
    );
    let finding = &json["findings"][0];
    assert_eq!(finding["level"], "breaking");
    assert_eq!(finding["affects"], "wire");
    assert_eq!(finding["kind"], "method-changed");
    assert_eq!(finding["rust_item"], serde_json::Value::Null);
    assert!(finding["old_pointer"].as_str().unwrap().ends_with("/post"));
}

#[test]
fn markdown_report_is_a_table_with_escaped_cells() {
    let new = edit(BASE, "summary: Update a thing", "summary: Update a | b");
    let markdown = run(BASE, &new).to_markdown();
    assert!(
        markdown.contains("| level | operation | kind | change | Rust item | old | new |\n|---|"),
        "{markdown}"
    );
    assert!(markdown.contains("\"Update a \\| b\""), "{markdown}");
    assert_eq!(
        markdown
            .lines()
            .filter(|l| l.starts_with("| docs |"))
            .count(),
        1,
        "{markdown}"
    );
    assert!(run(BASE, BASE).to_markdown().contains("No changes"));
}

#[test]
fn text_report_groups_by_operation() {
    let new = edit(BASE, "    post:\n", "    put:\n");
    let text = run(BASE, &new).to_text();
    assert!(text.starts_with("cfgen diff: old.yaml -> new.yaml\n1 breaking, 0 warning, 0 additive, 0 docs in 1 operation(s)\n"), "{text}");
    assert!(
        text.contains(&format!(
            "\n{OP}\n  breaking (wire)   method-changed: method changed from POST to PUT\n"
        )),
        "{text}"
    );
}

/// Writes the two documents where the CLI test can read them.
fn files(name: &str, old: &str, new: &str) -> (PathBuf, PathBuf) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("diff-cli")
        .join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let (o, n) = (dir.join("old.yaml"), dir.join("new.yaml"));
    std::fs::write(&o, old).unwrap();
    std::fs::write(&n, new).unwrap();
    (o, n)
}

fn cfgen(args: &[&str], old: &PathBuf, new: &PathBuf) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cfgen"))
        .arg("diff")
        .arg("--old")
        .arg(old)
        .arg("--new")
        .arg(new)
        .args(["--operation", OP])
        .args(args)
        .output()
        .expect("cfgen runs")
}

#[test]
fn cli_exit_codes_follow_fail_on() {
    let enum_added = edit(BASE, "enum: [red, green]", "enum: [red, green, blue]");
    let (old, new) = files("exit-codes", BASE, &enum_added);
    let code = |args: &[&str]| cfgen(args, &old, &new).status.code();
    assert_eq!(code(&[]), Some(0), "without --fail-on nothing fails");
    assert_eq!(
        code(&["--fail-on", "breaking"]),
        Some(0),
        "a warning is below breaking"
    );
    assert_eq!(code(&["--fail-on", "warning"]), Some(1));
    let (same_old, same_new) = files("no-change", BASE, BASE);
    assert_eq!(
        cfgen(&["--fail-on", "warning"], &same_old, &same_new)
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn cli_bad_input_exits_2() {
    let (old, new) = files("bad-input", BASE, "openapi: 3.1.0\n");
    let output = cfgen(&[], &old, &new);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("loading the new document")
            && stderr.contains("OpenAPI 3.1.0 is not supported"),
        "{stderr}"
    );

    let (old, new) = files("unknown-op", BASE, BASE);
    assert_eq!(
        cfgen(&["--operation", "nope"], &old, &new).status.code(),
        Some(2)
    );
    assert_eq!(
        cfgen(&["--format", "yaml"], &old, &new).status.code(),
        Some(2)
    );
}

#[test]
fn cli_json_output_parses() {
    let (old, new) = files("json", BASE, &edit(BASE, "    post:\n", "    put:\n"));
    let output = cfgen(&["--format", "json", "--fail-on", "breaking"], &old, &new);
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["findings"][0]["kind"], "method-changed");
    assert_eq!(json["summary"]["breaking"], 1);
}

#[test]
fn cli_help_documents_the_json_schema() {
    let output = Command::new(env!("CARGO_BIN_EXE_cfgen"))
        .args(["diff", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    for needle in [
        "schema_version",
        "\"affects\": \"wire\" | \"rust\" | \"none\"",
        "--fail-on <LEVEL>",
        "markdown",
    ] {
        assert!(help.contains(needle), "`{needle}` missing from:\n{help}");
    }
}
