//! Untrusted documents: whatever a spec says, the code generated from it compiles with
//! warnings denied, and nothing in it runs when the user runs `cargo test`.
//!
//! Each test generates into a scratch crate beside the target directory and runs cargo
//! on it, because doc-tests and crate-level lints cannot be checked from inside this
//! crate.

use std::path::Path;

use cfgen::load::Document;
use cfgen_tests::support::{ScratchCrate, workspace_root};
use serde_json::{Value, json};

/// A doc-test body that leaves a trace and fails, so that a doc comment run as a
/// doc-test shows up both in cargo's count and on disk.
const SENTINEL: &str = "std::fs::write(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/DOCTEST-RAN\"), \"\").unwrap();\npanic!(\"a doc comment ran as a doc-test\");";

/// The file the sentinel writes.
const TRACE: &str = "DOCTEST-RAN";

/// Descriptions that each hold the sentinel in a form CommonMark reads as code: every
/// fence form, indented code, and line breaks that rustdoc sees but `str::lines` does not.
fn hostile_texts() -> Vec<(&'static str, String)> {
    let s = SENTINEL;
    vec![
        ("backtick_fence", format!("a\n```\n{s}\n```")),
        ("rust_fence", format!("a\n```rust,should_panic\n{s}\n```")),
        ("tilde_fence", format!("a\n~~~\n{s}\n~~~")),
        ("tilde_fence_info", format!("a\n~~~~ rust\n{s}\n~~~~")),
        ("indented_fence", format!("a\n   ```\n{s}\n   ```")),
        ("long_fence", format!("a\n````\n```\n{s}\n```\n{s}\n````")),
        ("unclosed_fence", format!("a\n~~~\n{s}")),
        ("bare_cr", format!("a\r```\r{s}\r```\r")),
        ("crlf", format!("a\r\n```\r\n{s}\r\n```\r\n")),
        ("mixed_breaks", format!("a\r\r~~~\r\n{s}\n~~~")),
        (
            "indented_code",
            format!("a\n\n    {}", s.replace('\n', "\n    ")),
        ),
        ("tab_code", format!("a\n\n\t{}", s.replace('\n', "\n\t"))),
        ("list_code", format!("a\n\n-      {}", s.replace('\n', " "))),
        (
            "ordered_list_code",
            format!("1.      {}", s.replace('\n', " ")),
        ),
        ("list_fence", format!("- ```\n  {s}\n  ```")),
        ("nested_list_fence", format!("- 1. ~~~\n{s}")),
        (
            "quote_fence",
            format!("> ```\n> {}\n> ```", s.replace('\n', "\n> ")),
        ),
        (
            "bidi",
            "right\u{202e}left\u{2066} and \u{0}\u{1b}[31m controls".to_string(),
        ),
    ]
}

/// An inline document that puts [`hostile_texts`] everywhere prose reaches a comment:
/// schema, property, operation, parameter and body descriptions, the summary, the
/// deprecation note, a path, property names and enum values.
fn hostile_docs_spec() -> Value {
    let texts = hostile_texts();
    let properties: serde_json::Map<String, Value> = texts
        .iter()
        .map(|(name, text)| {
            (
                name.to_string(),
                json!({"type": "string", "description": text}),
            )
        })
        .chain([
            // A name with line breaks shows in the fallback doc of its field.
            (
                format!("name\r```\r{SENTINEL}\r```"),
                json!({"type": "string"}),
            ),
            (
                format!("name2\n~~~\n{SENTINEL}\n~~~"),
                json!({"type": "string"}),
            ),
        ])
        .collect();
    let all = texts
        .iter()
        .map(|(_, t)| t.as_str())
        .collect::<Vec<_>>()
        .join("\n\n");
    let fence_value = format!("x`\n```\n{SENTINEL}\n```\n`");
    json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            format!("/things/{{id}}/`\r```\r{SENTINEL}\r```"): {"post": {
                "operationId": "hostile",
                "summary": format!("summary\r```\r{SENTINEL}\r```"),
                "description": all,
                "deprecated": true,
                "x-cfDeprecation": {"description": format!("gone\r```\r{SENTINEL}\r```")},
                "parameters": [
                    {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}, "description": format!("id\r```\r{SENTINEL}\r```")},
                    {"name": format!("q`\r```\r{SENTINEL}"), "in": "query", "schema": {"type": "string"}},
                ],
                "requestBody": {
                    "required": true,
                    "description": format!("body\n~~~\n{SENTINEL}\n~~~"),
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Hostile"}}},
                },
                "responses": {"200": {
                    "description": format!("ok\r```\r{SENTINEL}"),
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Value"}}},
                }},
            }},
        },
        "components": {"schemas": {
            "Hostile": {"type": "object", "description": all, "properties": properties},
            "Value": {
                "type": "string",
                "description": format!("values\r~~~\r{SENTINEL}"),
                "enum": [fence_value, "``", "`", "a``b", " x ", "", "<b>", "\u{202e}x", "\r", "tab\there"],
            },
        }},
    })
}

#[test]
fn doc_comments_never_run_as_doctests() {
    let spec = hostile_docs_spec().to_string();
    // The file name reaches the header comment, a plain `//` line.
    let file = "evil\r\n```\nfn injected() {}\n\u{202e}.json";
    let doc = Document::from_text(file, &spec).expect("the hostile document loads");
    let settings = cfgen::Settings {
        all: true,
        strict: true,
        ..cfgen::Settings::default()
    };
    let code = cfgen::generate(&doc, &settings)
        .expect("the hostile document generates")
        .code;
    assert!(!code.contains('\r'), "a carriage return reached the output");

    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let krate = ScratchCrate::new(tmp, "hostile_docs", &code);
    let (ok, output) = krate.cargo(&["test", "--doc"]);
    assert!(
        ok,
        "cargo test --doc failed on the generated code:\n{output}"
    );
    assert!(
        !krate.root().join(TRACE).exists(),
        "a doc comment ran as a doc-test:\n{output}"
    );
    assert!(
        output.contains("running 0 tests") && !output.contains("test src/lib.rs"),
        "doc comments were collected as doc-tests:\n{output}"
    );
}

#[test]
fn hostile_names_compile_without_warnings() {
    let path = workspace_root().join("tests/fixtures/hostile_names.yaml");
    let doc = Document::from_path(&path).expect("the fixture loads");
    let settings = cfgen::Settings {
        all: true,
        strict: true,
        ..cfgen::Settings::default()
    };
    let code = cfgen::generate(&doc, &settings)
        .expect("the fixture generates")
        .code;
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let krate = ScratchCrate::new(tmp, "hostile_names", &code);
    // `#![deny(warnings)]` at the crate root also denies the lints rustc checks only
    // there (`uncommon_codepoints`, `mixed_script_confusables`, `confusable_idents`).
    let (ok, output) = krate.cargo(&["build"]);
    assert!(ok, "the generated code does not build cleanly:\n{output}");
}
