//! CLI layer: the `cfgen` binary's exit codes, `--check`, `--help`, and that bad input
//! writes nothing.

mod common;

use std::path::{Path, PathBuf};

use common::{cfgen, stderr};

/// A scratch directory holding a spec, unique per test.
fn scratch(name: &str, spec: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cfgen-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("spec.yaml"), spec).unwrap();
    dir
}

const SPEC: &str = r##"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /things/{id}:
    post:
      operationId: make-thing
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/thing'}
      responses:
        '200': {description: ok}
components:
  schemas:
    thing: {type: object, properties: {name: {type: string}}}
"##;

#[test]
fn generate_writes_then_check_reports_fresh_and_stale() {
    let dir = scratch("check", SPEC);
    let args = [
        "generate",
        "--spec",
        "spec.yaml",
        "--out",
        "out",
        "--operation",
        "make-thing",
    ];
    let out = cfgen(&args, &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    let target = dir.join("out/src/generated.rs");
    let code = std::fs::read_to_string(&target).unwrap();
    assert!(code.contains("pub async fn make_thing("), "{code}");

    let check = [&args[..], &["--check"]].concat();
    let out = cfgen(&check, &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    std::fs::write(&target, "// edited by hand\n").unwrap();
    let out = cfgen(&check, &dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("stale: out/src/generated.rs"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "// edited by hand\n",
        "--check wrote"
    );
}

/// Each kind of bad input: exit 2, one error naming the file and where, nothing written.
#[test]
fn bad_input_fails_cleanly_and_writes_nothing() {
    let cases: &[(&str, &str, &[&str], &str)] = &[
        ("syntax", "openapi: [", &[], "spec.yaml: syntax error: "),
        (
            "swagger",
            "swagger: '2.0'\n",
            &[],
            "spec.yaml: Swagger 2.0 documents are not supported",
        ),
        (
            "v31",
            "openapi: 3.1.0\npaths: {}\n",
            &[],
            "spec.yaml: OpenAPI 3.1.0 is not supported",
        ),
        (
            "unknown-op",
            SPEC,
            &["--operation", "make-thingy"],
            "no operation with operationId `make-thingy`; did you mean make-thing?",
        ),
        (
            "dangling",
            &SPEC.replace("#/components/schemas/thing", "#/components/schemas/nope"),
            &["--operation", "make-thing"],
            "spec.yaml: #/paths/~1things~1{id}/post/requestBody/content/application~1json/schema: `$ref` target `#/components/schemas/nope` does not exist",
        ),
        (
            "missing",
            SPEC,
            &["--overlay", "does-not-exist.yaml"],
            "does-not-exist.yaml: No such file",
        ),
    ];
    for (name, spec, extra, want) in cases {
        let dir = scratch(name, spec);
        let mut args = vec!["generate", "--spec", "spec.yaml", "--out", "out"];
        args.extend_from_slice(extra);
        if !extra.contains(&"--operation") {
            args.extend(["--operation", "make-thing"]);
        }
        let out = cfgen(&args, &dir);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{name}: {}", stderr(&out));
        // The library's error names its cause; the CLI must not print it again.
        assert_eq!(
            stderr(&out).matches("(os error").count(),
            usize::from(*name == "missing"),
            "{name}: {}",
            stderr(&out)
        );
        assert!(!stderr(&out).contains("panicked"), "{name}");
        assert!(
            !dir.join("out").exists(),
            "{name}: bad input created output"
        );
    }
}

#[test]
fn help_documents_the_contract() {
    let out = cfgen(&["generate", "--help"], Path::new("."));
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--spec",
        "--out",
        "--operation",
        "--tag",
        "--all",
        "--overlay",
        "--strict",
        "--check",
        "--strip-prefix",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
    assert!(help.contains("1 when --check finds stale files"), "{help}");
}

#[test]
fn defaults_regenerate_the_committed_crate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let out = cfgen(&["generate", "--check"], root);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("fresh: generated/src/generated.rs"),
        "{}",
        stderr(&out)
    );
}

/// Generates every operation into `out/` as the crate family `x`.
const FAMILY_ARGS: [&str; 8] = [
    "generate",
    "--spec",
    "spec.yaml",
    "--out",
    "out",
    "--all",
    "--product-crates",
    "x",
];

/// The facade manifest `x` with the markers cfgen writes its tables between.
fn marked_manifest() -> String {
    format!(
        "[package]\nname = \"x\"\n\n{}\n{}\n",
        cfgen::write::FEATURES_BEGIN,
        cfgen::write::FEATURES_END
    )
}

/// With `--product-crates`, the CLI writes the generated tables into the facade's
/// `Cargo.toml` between its markers and one crate per product under `products/`;
/// `--check` reports any of them stale and a product crate the document no longer has;
/// a manifest without the markers fails before anything is written; folders cfgen did
/// not write are left alone.
#[test]
fn product_crates_fill_the_manifest_and_the_products_folder() {
    let dir = scratch("product-crates", SPEC);
    let args = FAMILY_ARGS;
    std::fs::create_dir_all(dir.join("out")).unwrap();
    std::fs::write(dir.join("out/Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
    let out = cfgen(&args, &dir);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("out/Cargo.toml: needs the lines `# @generated by cfgen"),
        "{}",
        stderr(&out)
    );
    assert!(
        !dir.join("out/src/generated.rs").exists() && !dir.join("out/products").exists(),
        "nothing is written"
    );

    let manifest = marked_manifest();
    std::fs::write(dir.join("out/Cargo.toml"), manifest).unwrap();
    let retired = dir.join("out/products/gone");
    std::fs::create_dir_all(&retired).unwrap();
    std::fs::write(
        retired.join("Cargo.toml"),
        "# @generated by cfgen from `old.json`.\n",
    )
    .unwrap();
    let mine = dir.join("out/products/mine");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("Cargo.toml"), "[package]\nname = \"mine\"\n").unwrap();
    let out = cfgen(&args, &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    let written = std::fs::read_to_string(dir.join("out/Cargo.toml")).unwrap();
    // The operation refers to `thing` (no prefix) and has no tag: `untagged`.
    assert!(
        written.contains("full = [\n    \"untagged\",\n]\nuntagged = [\"dep:x-untagged\"]\n"),
        "{written}"
    );
    assert!(
        written.contains("[dependencies.x-untagged]\npath = \"products/untagged\"\n"),
        "{written}"
    );
    let product = std::fs::read_to_string(dir.join("out/products/untagged/src/lib.rs")).unwrap();
    assert!(product.contains("pub struct UntaggedApi<'a>"), "{product}");
    let facade = std::fs::read_to_string(dir.join("out/src/generated.rs")).unwrap();
    assert!(
        facade.contains("#[cfg(feature = \"untagged\")]"),
        "{facade}"
    );
    assert!(!retired.exists(), "the retired product crate is removed");
    assert!(
        mine.join("Cargo.toml").exists(),
        "a folder cfgen did not write stays"
    );
    assert!(
        stderr(&out).contains("removed out/products/gone"),
        "{}",
        stderr(&out)
    );

    let check = [&args[..], &["--check"]].concat();
    assert!(cfgen(&check, &dir).status.success());
    std::fs::write(dir.join("out/products/untagged/src/lib.rs"), "// edited\n").unwrap();
    std::fs::create_dir_all(&retired).unwrap();
    std::fs::write(
        retired.join("Cargo.toml"),
        "# @generated by cfgen from `old.json`.\n",
    )
    .unwrap();
    let out = cfgen(&check, &dir);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("stale: out/products/untagged/src/lib.rs"),
        "{err}"
    );
    assert!(
        err.contains("stale: out/products/gone (no longer generated)"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A document of the given operations, each answering one component schema: its
/// product comes from the schema's prefix.
fn prefixed_spec(operations: &[(&str, &str)]) -> String {
    let paths: Vec<String> = operations
        .iter()
        .map(|(id, schema)| {
            format!(
                r##""/{id}": {{"get": {{"operationId": "{id}", "responses": {{"200": {{
                  "description": "ok", "content": {{"application/json": {{"schema":
                  {{"$ref": "#/components/schemas/{schema}"}}}}}}}}}}}}}}"##
            )
        })
        .collect();
    let schemas: Vec<String> = operations
        .iter()
        .map(|(_, schema)| format!(r#""{schema}": {{"type": "string"}}"#))
        .collect();
    format!(
        r#"{{"openapi": "3.0.3", "info": {{"title": "t", "version": "1"}},
           "paths": {{{}}}, "components": {{"schemas": {{{}}}}}}}"#,
        paths.join(","),
        schemas.join(",")
    )
}

/// The product table: an operation keeps its product when the document moves it to
/// another prefix, a new operation gets the product of its own prefix, an edited entry
/// moves its operation, and a product that is not a product name is refused with the
/// file, line and operation, before anything is written.
#[test]
fn the_product_table_keeps_products_across_spec_updates() {
    let dir = scratch(
        "product-table",
        &prefixed_spec(&[("get-thing", "widgets_thing")]),
    );
    let args = FAMILY_ARGS;
    let manifest = marked_manifest();
    std::fs::create_dir_all(dir.join("out")).unwrap();
    std::fs::write(dir.join("out/Cargo.toml"), manifest).unwrap();
    let out = cfgen(&args, &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    let table_path = dir.join("out/products.toml");
    let table = std::fs::read_to_string(&table_path).unwrap();
    assert!(
        table.ends_with("[operations]\nget-thing = \"widgets\"\n"),
        "{table}"
    );

    // The update renames the prefix and adds an operation.
    let updated = prefixed_spec(&[
        ("get-thing", "gadgets_thing"),
        ("get-other", "gadgets_other"),
    ]);
    std::fs::write(dir.join("spec.yaml"), updated).unwrap();
    let out = cfgen(&args, &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = std::fs::read_to_string(&table_path).unwrap();
    assert!(
        table.ends_with("[operations]\nget-other = \"gadgets\"\nget-thing = \"widgets\"\n"),
        "{table}"
    );
    let widgets = std::fs::read_to_string(dir.join("out/products/widgets/src/lib.rs")).unwrap();
    assert!(widgets.contains("pub async fn get_thing("), "{widgets}");
    let gadgets = std::fs::read_to_string(dir.join("out/products/gadgets/src/lib.rs")).unwrap();
    assert!(gadgets.contains("pub async fn get_other("), "{gadgets}");

    // Editing the table moves the operation; until regenerated, --check says so.
    std::fs::write(&table_path, table.replace("\"widgets\"", "\"gadgets\"")).unwrap();
    let check = [&args[..], &["--check"]].concat();
    let out = cfgen(&check, &dir);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("stale: out/products/widgets (no longer generated)"),
        "{}",
        stderr(&out)
    );
    assert!(cfgen(&args, &dir).status.success());
    let gadgets = std::fs::read_to_string(dir.join("out/products/gadgets/src/lib.rs")).unwrap();
    assert!(gadgets.contains("pub async fn get_thing("), "{gadgets}");
    assert!(!dir.join("out/products/widgets").exists());

    // A product name that would be a path or an invalid feature is refused.
    let before = std::fs::read_to_string(dir.join("out/src/generated.rs")).unwrap();
    let bad = "[operations]\nget-other = \"gadgets\"\nget-thing = \"../../etc\"\n";
    std::fs::write(&table_path, bad).unwrap();
    let out = cfgen(&args, &dir);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("products.toml:3: operation `get-thing`: `../../etc` is not a product name"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("out/src/generated.rs")).unwrap(),
        before,
        "nothing is written"
    );
    assert_eq!(std::fs::read_to_string(&table_path).unwrap(), bad);
    std::fs::remove_dir_all(&dir).unwrap();
}
