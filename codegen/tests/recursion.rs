//! Recursive and deeply nested schemas: legal recursion generates, impossible recursion
//! and nesting past [`cfgen::MAX_DEPTH`] are errors naming the schema, in
//! `generate` and in `diff`, through the library and through the `cfgen` binary. None
//! of these may overflow the stack: before, each of them aborted the process.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cfgen::MAX_DEPTH;
use cfgen::load::Document;
use cfgen::{Error, Settings};
use serde_json::json;

/// A document whose one operation `op` takes `#/components/schemas/{root}` as its body
/// and returns it, with `schemas` (YAML lines indented four spaces) as the components.
fn spec(root: &str, schemas: &str) -> String {
    format!(
        "openapi: 3.0.3
info: {{title: t, version: '1'}}
paths:
  /x:
    post:
      operationId: op
      requestBody:
        content:
          application/json:
            schema: {{$ref: '#/components/schemas/{root}'}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {{$ref: '#/components/schemas/{root}'}}
components:
  schemas:
{schemas}"
    )
}

fn load(text: &str) -> Document {
    Document::from_text("spec.yaml", text).expect("the test document loads")
}

/// A document whose operation takes and returns `S0`, the first of [`chain_schemas`].
fn chain(n: usize, link: &str) -> String {
    spec("S0", &chain_schemas(n, link))
}

/// `n` schemas `S0` … `S{n-1}`, each `link` (with `{next}` for the next one's name),
/// ending in `S{n}`, an object.
fn chain_schemas(n: usize, link: &str) -> String {
    let mut schemas = String::new();
    for i in 0..n {
        let next = format!("S{}", i + 1);
        let body = link.replace("{next}", &format!("'#/components/schemas/{next}'"));
        schemas.push_str(&format!("    S{i}: {body}\n"));
    }
    schemas.push_str(&format!(
        "    S{n}: {{type: object, properties: {{a: {{type: string}}}}}}\n"
    ));
    schemas
}

const ARRAY_LINK: &str = "{type: array, items: {$ref: {next}}}";
const ALL_OF_LINK: &str = "{allOf: [{$ref: {next}}]}";
const PROPERTY_LINK: &str = "{type: object, properties: {n: {$ref: {next}}}}";
const REF_LINK: &str = "{$ref: {next}}";

/// Schemas that contain themselves with no object in between, with the schema the
/// error must name and the cycle it must show.
fn impossible() -> Vec<(&'static str, String, &'static str, &'static str)> {
    let a = "#/components/schemas/A";
    vec![
        (
            "allOf of itself",
            spec("A", "    A: {allOf: [{$ref: '#/components/schemas/A'}]}\n"),
            a,
            "#/components/schemas/A -> #/components/schemas/A",
        ),
        (
            "allOf of itself and more",
            spec(
                "A",
                "    A: {allOf: [{$ref: '#/components/schemas/A'}, {type: object, properties: {x: {type: string}}}]}\n",
            ),
            a,
            "#/components/schemas/A -> #/components/schemas/A",
        ),
        (
            "array of only itself",
            spec(
                "A",
                "    A: {type: array, items: {$ref: '#/components/schemas/A'}}\n",
            ),
            a,
            "#/components/schemas/A -> #/components/schemas/A",
        ),
        (
            "map of only itself",
            spec(
                "A",
                "    A: {type: object, additionalProperties: {$ref: '#/components/schemas/A'}}\n",
            ),
            a,
            "#/components/schemas/A -> #/components/schemas/A",
        ),
        (
            "A and B through allOf",
            spec(
                "A",
                "    A: {allOf: [{$ref: '#/components/schemas/B'}]}\n    B: {allOf: [{$ref: '#/components/schemas/A'}]}\n",
            ),
            a,
            "#/components/schemas/A -> #/components/schemas/B -> #/components/schemas/A",
        ),
        (
            "$ref to itself",
            spec("A", "    A: {$ref: '#/components/schemas/A'}\n"),
            a,
            "#/components/schemas/A -> #/components/schemas/A",
        ),
        (
            "oneOf of only itself",
            spec("A", "    A: {oneOf: [{$ref: '#/components/schemas/A'}]}\n"),
            a,
            "#/components/schemas/A -> #/components/schemas/A",
        ),
        (
            "anyOf of itself twice",
            spec(
                "A",
                "    A: {anyOf: [{$ref: '#/components/schemas/A'}, {$ref: '#/components/schemas/A'}]}\n",
            ),
            a,
            "#/components/schemas/A -> #/components/schemas/A",
        ),
    ]
}

fn generate(text: &str) -> cfgen::Result<cfgen::Generated> {
    cfgen::generate(&load(text), &Settings::operations(["op"]))
}

fn diff(text: &str) -> cfgen::Result<cfgen::diff::Report> {
    cfgen::diff::diff(&load(text), &load(text), &Settings::operations(["op"]))
}

#[test]
fn impossible_recursion_is_an_error_naming_the_schema() {
    for (name, text, pointer, cycle) in impossible() {
        for result in [generate(&text).map(|_| ()), diff(&text).map(|_| ())] {
            let err = result.expect_err(name);
            let Error::RecursiveSchema {
                pointer: at,
                cycle: found,
                ..
            } = &err
            else {
                panic!("{name}: {err}");
            };
            assert_eq!(at, pointer, "{name}");
            assert_eq!(found.join(" -> "), cycle, "{name}");
            assert_eq!(
                err.to_string(),
                format!(
                    "spec.yaml: {pointer}: schema contains itself with no object in between: {cycle}"
                ),
                "{name}"
            );
        }
    }
}

#[test]
fn with_all_the_operation_is_skipped_with_the_reason_and_strict_fails() {
    for (name, text, _, cycle) in impossible() {
        let all = Settings {
            all: true,
            ..Settings::default()
        };
        let generated = cfgen::generate(&load(&text), &all).expect(name);
        assert_eq!(generated.skipped.len(), 1, "{name}");
        assert_eq!(generated.skipped[0].operation, "op");
        assert!(generated.skipped[0].reason.contains(cycle), "{name}");
        let strict = Settings {
            strict: true,
            ..all
        };
        let err = cfgen::generate(&load(&text), &strict).expect_err(name);
        assert!(
            matches!(err, Error::Skipped(ref s) if s.len() == 1),
            "{name}: {err}"
        );
    }
}

#[test]
fn chains_of_two_thousand_schemas_stop_at_the_depth_limit() {
    let cases = [
        ("array", ARRAY_LINK, "/items"),
        ("allOf", ALL_OF_LINK, "/allOf/0"),
        ("property", PROPERTY_LINK, "/properties/n"),
        ("$ref", REF_LINK, ""),
    ];
    for (name, link, inner) in cases {
        let text = chain(2000, link);
        for result in [generate(&text).map(|_| ()), diff(&text).map(|_| ())] {
            let err = result.expect_err(name);
            let Error::TooDeep { pointer, limit, .. } = &err else {
                panic!("{name}: {err}");
            };
            assert_eq!(*limit, MAX_DEPTH);
            assert!(
                pointer.starts_with("#/components/schemas/S") && pointer.ends_with(inner),
                "{name}: {pointer}"
            );
            assert!(
                err.to_string()
                    .contains(&format!("schemas nest more than {MAX_DEPTH} levels deep")),
                "{name}: {err}"
            );
        }
    }
}

/// The limit is exact: a chain that stays within it generates, one more link does not.
#[test]
fn the_depth_limit_is_exact() {
    // The body's `$ref` to `S0` is the first level, `S{n}` level n + 1 and its property
    // `a` level n + 2.
    let within = chain(MAX_DEPTH - 2, ARRAY_LINK);
    let generated = generate(&within).expect("a chain within the limit generates");
    let vecs = generated.code.matches("::std::vec::Vec<").count();
    assert!(vecs >= MAX_DEPTH - 2, "{vecs} nested Vecs");
    diff(&within).expect("a chain within the limit compares");
    let beyond = chain(MAX_DEPTH - 1, ARRAY_LINK);
    assert!(matches!(generate(&beyond), Err(Error::TooDeep { .. })));
}

#[test]
fn legal_recursion_generates_with_box_and_vec() {
    let message = spec(
        "message",
        "    message:
      type: object
      properties:
        text: {type: string}
        replies: {type: array, items: {$ref: '#/components/schemas/message'}}
        quoted: {$ref: '#/components/schemas/message'}
",
    );
    let through_properties = spec(
        "A",
        "    A: {type: object, properties: {b: {$ref: '#/components/schemas/B'}}}
    B: {type: object, properties: {a: {$ref: '#/components/schemas/A'}, list: {type: array, items: {$ref: '#/components/schemas/A'}}}}
",
    );
    let union = spec(
        "json",
        "    json:
      oneOf:
        - {type: string}
        - {type: array, items: {$ref: '#/components/schemas/json'}}
",
    );
    let cases = [
        (
            message,
            &[
                "pub replies: ::std::option::Option<::std::vec::Vec<Message>>",
                "pub quoted: ::std::option::Option<::std::boxed::Box<Message>>",
            ][..],
        ),
        (
            through_properties,
            &[
                "pub b: ::std::option::Option<B>",
                "pub a: ::std::option::Option<::std::boxed::Box<A>>",
                "pub list: ::std::option::Option<::std::vec::Vec<A>>",
            ][..],
        ),
        (union, &["JsonList(::std::vec::Vec<Json>)"][..]),
    ];
    for (text, wanted) in cases {
        let code = generate(&text).expect("legal recursion generates").code;
        for want in wanted {
            assert!(code.contains(want), "{want} missing from:\n{code}");
        }
        let report = diff(&text).expect("legal recursion compares");
        assert!(report.findings.is_empty(), "{:?}", report.findings);
    }
}

/// Ten thousand named types, each with a field of the next: resolve converts them
/// from the root's properties last to first, so no resolve path is deep, but the
/// chain that the usage marking and the diff follow is as long as the document makes
/// it. (JSON, not YAML: the test is about resolving, not about parsing 20,000 lines.)
#[test]
fn long_chains_of_named_types_are_followed_without_recursing() {
    let n = 10_000;
    let schema = |i: usize| format!("#/components/schemas/S{i}");
    let mut root = serde_json::Map::new();
    for i in (1..=n).rev() {
        root.insert(format!("p{i}"), json!({"$ref": schema(i)}));
    }
    root.insert("q".into(), json!({"$ref": schema(0)}));
    let mut schemas = serde_json::Map::new();
    schemas.insert("R".into(), json!({"type": "object", "properties": root}));
    for i in 0..n {
        let next = json!({"type": "object", "properties": {"n": {"$ref": schema(i + 1)}}});
        schemas.insert(format!("S{i}"), next);
    }
    let last = |ty: &str| json!({"type": "object", "properties": {"a": {"type": ty}}});
    let document = |ty: &str| {
        let mut schemas = schemas.clone();
        schemas.insert(format!("S{n}"), last(ty));
        let body = json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/R"}}}});
        let op = json!({"operationId": "op", "requestBody": body, "responses": {"200": {"description": "ok"}}});
        let doc = json!({"openapi": "3.0.3", "paths": {"/x": {"post": op}}, "components": {"schemas": schemas}});
        Document::from_text("spec.json", &doc.to_string()).expect("loads")
    };
    let (old, new) = (document("string"), document("integer"));
    let report = cfgen::diff::diff(&old, &new, &Settings::operations(["op"])).expect("compares");
    let changed: Vec<&str> = report.findings.iter().map(|f| f.kind).collect();
    assert_eq!(changed, ["type-changed"]);
    let wanted = format!("#/components/schemas/S{n}/properties/a");
    assert_eq!(
        report.findings[0].new_pointer.as_deref(),
        Some(wanted.as_str())
    );
}

fn cfgen(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cfgen"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run cfgen")
}

fn scratch(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cfgen-recursion-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("spec.yaml"), text).unwrap();
    dir
}

/// The binary exits 2 with the message, in `generate` and `diff`; it never aborts.
#[test]
fn the_cli_exits_2_with_the_message() {
    let mut cases: Vec<(String, String, String)> = impossible()
        .into_iter()
        .map(|(name, text, _, cycle)| (name.replace(['$', ' '], "-"), text, cycle.to_string()))
        .collect();
    cases.push((
        "chain".into(),
        chain(2000, ARRAY_LINK),
        format!("schemas nest more than {MAX_DEPTH} levels deep"),
    ));
    for (name, text, want) in cases {
        let dir = scratch(&name, &text);
        let generate = [
            "generate",
            "--spec",
            "spec.yaml",
            "--out",
            "out",
            "--operation",
            "op",
        ];
        let diff = [
            "diff",
            "--old",
            "spec.yaml",
            "--new",
            "spec.yaml",
            "--operation",
            "op",
        ];
        for args in [&generate[..], &diff[..]] {
            let out = cfgen(args, &dir);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{name} {}: {stderr}", args[0]);
            assert!(stderr.contains(&want), "{name}: {stderr}");
            assert!(!dir.join("out").exists(), "{name}: output written");
        }
        let all = ["generate", "--spec", "spec.yaml", "--out", "out", "--all"];
        let out = cfgen(&all, &dir);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{name} --all: {stderr}");
        assert!(
            stderr.contains("skipped 1 operation(s):\n  op: spec.yaml: "),
            "{stderr}"
        );
        assert!(stderr.contains(&want), "{name}: {stderr}");
        let _ = std::fs::remove_dir_all(dir.join("out"));
        let out = cfgen(&[&all[..], &["--strict"]].concat(), &dir);
        assert_eq!(out.status.code(), Some(2), "{name} --strict");
        assert!(!dir.join("out").exists(), "{name}: --strict wrote output");
    }
}

/// An invalid schema under many levels of nesting is reported where it is. Converted
/// whole, each level above it retried every variant of `openapiv3`'s untagged enums:
/// time doubled per level, so 60 levels never finished.
#[test]
fn an_invalid_schema_deep_down_is_named_without_retrying_each_level() {
    for depth in [12, 60] {
        let mut schema = "{type: 5}".to_string();
        for _ in 0..depth {
            schema = format!("{{type: array, items: {schema}}}");
        }
        let text = spec("S", &format!("    S: {schema}\n"));
        for result in [generate(&text).map(|_| ()), diff(&text).map(|_| ())] {
            let err = result.expect_err("an invalid schema");
            let Error::Invalid { pointer, .. } = &err else {
                panic!("{err}");
            };
            assert_eq!(
                *pointer,
                format!("#/components/schemas/S{}", "/items".repeat(depth))
            );
        }
    }
}
