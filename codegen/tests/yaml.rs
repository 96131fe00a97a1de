//! YAML features a JSON tree has no room for, seen in the generated code: merge keys,
//! anchors and aliases, and keys that YAML would read as numbers or booleans.

use cfgen::Settings;
use cfgen::load::Document;

const SPEC: &str = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /things:
    post:
      operationId: make-thing
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/keys'}
      responses:
        200:
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/listed'}
components:
  schemas:
    base: &base
      type: object
      required: [name]
      properties:
        name: {type: string, maxLength: 64}
        note: &note {type: string, description: A note.}
    derived:
      <<: *base
      description: A thing, with everything `base` has.
    key-list: &key-list
      type: array
      maxItems: 10000
      items: {type: string, maxLength: 512}
    keys:
      <<: *key-list
      description: The keys, checked as `key-list` says.
    listed:
      type: object
      properties:
        <<: [{id: {type: integer}, note: {type: integer}}, {note: *note, extra: *note}]
        true: {type: boolean}
        label: *note
        thing: {$ref: '#/components/schemas/derived'}
"#;

fn code() -> String {
    let doc = Document::from_text("spec.yaml", SPEC).expect("the document loads");
    let settings = Settings::operations(["make-thing"]);
    cfgen::generate(&doc, &settings).expect("generates").code
}

#[test]
fn a_schema_merged_from_another_keeps_its_properties_and_checks() {
    let code = code();
    assert!(
        code.contains("/// A thing, with everything `base` has.\n"),
        "{code}"
    );
    assert!(code.contains("pub struct Derived {"), "{code}");
    assert!(code.contains("pub name: ::std::string::String,"), "{code}");
    assert!(
        code.contains("pub thing: ::std::option::Option<Derived>,"),
        "{code}"
    );
    // A merged array keeps its type (a list of string-likes) and the checks made
    // before sending.
    assert!(code.contains("body: &[S],"), "{code}");
    assert!(code.contains("S: ::std::convert::AsRef<str>"), "{code}");
    assert!(code.contains("10000"), "{code}");
    assert!(code.contains("512"), "{code}");
}

#[test]
fn merged_properties_become_fields_and_no_field_is_named_after_the_merge_key() {
    let code = code();
    assert!(!code.contains("lt_lt"), "{code}");
    // Earlier mappings in the merge list win: `note` is the integer of the first.
    for field in [
        "pub id: ::std::option::Option<i64>,",
        "pub note: ::std::option::Option<i64>,",
        "pub extra: ::std::option::Option<::std::string::String>,",
        "pub r#true: ::std::option::Option<bool>,",
        "pub label: ::std::option::Option<::std::string::String>,",
    ] {
        assert!(code.contains(field), "{field} missing:\n{code}");
    }
}
