//! Pagination detection: which operations get a `stream()`, decided from the document
//! (a `cursor` or `page` query parameter and a `result_info` that answers it) or from the
//! `x-cfgen-pagination` extension, and the errors a wrong extension gets. The real
//! documents are in `pagination_real.rs`; `tests/fixtures/pagination.yaml` shows the
//! rendered streams.

use cfgen::load::Document;
use cfgen::{Error, Settings};

/// A document with one `GET /items` operation: `params` (YAML flow items), a `result`
/// schema and a `result_info` schema, plus `extra` keys on the operation.
fn doc(params: &str, result: &str, result_info: &str, extra: &str) -> Document {
    let text = format!(
        r#"
openapi: 3.0.3
info: {{title: t, version: '1'}}
paths:
  /items:
    get:
      operationId: list-items
      {extra}
      parameters: [{params}]
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [success, errors, messages]
                properties:
                  success: {{type: boolean}}
                  errors: {{type: array, items: {{type: object}}}}
                  messages: {{type: array, items: {{type: object}}}}
                  result: {result}
                  result_info: {result_info}
"#
    );
    Document::from_text("items.yaml", &text).expect("test document loads")
}

fn generate(doc: &Document) -> Result<String, Error> {
    cfgen::generate(doc, &Settings::operations(["list-items"])).map(|g| g.code)
}

/// `cursor`, `page` or `none`: the stream the generated builder has.
fn style(doc: &Document) -> &'static str {
    let code = generate(doc).expect("generates");
    match (
        code.contains("paginate::CursorStream<'a"),
        code.contains("paginate::PageStream<'a"),
    ) {
        (true, false) => "cursor",
        (false, true) => "page",
        (false, false) => "none",
        (true, true) => panic!("two streams"),
    }
}

const ARRAY: &str = "{type: array, items: {type: string}}";
const CURSOR: &str = "{name: cursor, in: query, schema: {type: string}}";
const PAGE: &str = "{name: page, in: query, schema: {type: integer, minimum: 1}}";

#[test]
fn the_document_decides_which_list_operations_page() {
    let kv = "{properties: {count: {type: number}, cursor: {type: string}}}";
    let after = "{properties: {cursors: {properties: {after: {type: string}}}}}";
    let pages = "{type: object, properties: {total_count: {type: number}}}";
    let cases = [
        (CURSOR, ARRAY, kv, "", "cursor"),
        (CURSOR, ARRAY, after, "", "cursor"),
        (PAGE, ARRAY, pages, "", "page"),
        // A cursor parameter and page fields: the cursor wins, as it is exact.
        (
            &*format!("{CURSOR}, {PAGE}"),
            ARRAY,
            "{properties: {cursor: {type: string}, page: {type: number}}}",
            "",
            "cursor",
        ),
        // Nothing to send the position with.
        (
            "{name: limit, in: query, schema: {type: integer}}",
            ARRAY,
            kv,
            "",
            "none",
        ),
        // Nothing to read it from.
        (
            CURSOR,
            ARRAY,
            "{properties: {count: {type: number}}}",
            "",
            "none",
        ),
        (
            PAGE,
            ARRAY,
            "{properties: {cursor: {type: string}}}",
            "",
            "none",
        ),
        // Not a list.
        (
            CURSOR,
            "{type: object, properties: {id: {type: string}}}",
            kv,
            "",
            "none",
        ),
        // A position the caller must always give is not a list to stream.
        (
            "{name: cursor, in: query, required: true, schema: {type: string}}",
            ARRAY,
            kv,
            "",
            "none",
        ),
        // Turned off.
        (CURSOR, ARRAY, kv, "x-cfgen-pagination: false", "none"),
        // Declared where the document cannot tell.
        (
            "{name: after, in: query, schema: {type: string}}",
            ARRAY,
            "{type: object}",
            "x-cfgen-pagination: {style: cursor, param: after, cursor: /next}",
            "cursor",
        ),
        (
            "{name: p, in: query, schema: {type: string}}",
            ARRAY,
            "{type: object}",
            "x-cfgen-pagination: {style: page, param: p}",
            "page",
        ),
    ];
    for (params, result, info, extra, expected) in cases {
        let doc = doc(params, result, info, extra);
        assert_eq!(
            style(&doc),
            expected,
            "params {params}, result {result}, info {info}, {extra}"
        );
    }
}

#[test]
fn only_get_operations_page_unless_declared() {
    let info = "{properties: {cursor: {type: string}}}";
    let text = |extra: &str| {
        let doc = doc(CURSOR, ARRAY, info, extra);
        let raw = serde_json::to_string(&doc.get("#").unwrap()).unwrap();
        raw.replace("\"get\":", "\"post\":")
    };
    let post = Document::from_text("items.json", &text("")).unwrap();
    assert_eq!(style(&post), "none");
    let declared =
        Document::from_text("items.json", &text("x-cfgen-pagination: {style: cursor}")).unwrap();
    assert_eq!(style(&declared), "cursor");
}

#[test]
fn the_cursor_is_read_from_the_declared_pointer() {
    let doc = doc(
        CURSOR,
        ARRAY,
        "{type: object}",
        "x-cfgen-pagination: {style: cursor, cursor: /cursors/next}",
    );
    let code = generate(&doc).unwrap();
    assert!(code.contains("\"/cursors/next\""), "{code}");
    let doc = doc_with_defaults();
    assert!(generate(&doc).unwrap().contains("\"/cursor\""));
}

fn doc_with_defaults() -> Document {
    doc(
        CURSOR,
        ARRAY,
        "{type: object}",
        "x-cfgen-pagination: {style: cursor}",
    )
}

#[test]
fn a_wrong_extension_is_an_error_that_says_where_and_what() {
    let at = "items.yaml: #/paths/~1items/get/x-cfgen-pagination";
    let cases = [
        (
            "x-cfgen-pagination: true",
            CURSOR,
            ARRAY,
            "expected `false` or an object {style, param?, cursor?}, got `true`",
        ),
        (
            "x-cfgen-pagination: {style: offset}",
            CURSOR,
            ARRAY,
            "expected `false` or an object {style, param?, cursor?}: unknown variant `offset`, expected `cursor` or `page`",
        ),
        (
            "x-cfgen-pagination: {style: page, size: 3}",
            PAGE,
            ARRAY,
            "expected `false` or an object {style, param?, cursor?}: unknown field `size`, expected one of `style`, `param`, `cursor`",
        ),
        (
            "x-cfgen-pagination: {style: page}",
            CURSOR,
            ARRAY,
            "the operation has no `page`: it must be an optional number or string query parameter",
        ),
        (
            "x-cfgen-pagination: {style: cursor, param: next}",
            CURSOR,
            ARRAY,
            "the operation has no `next`: it must be an optional query parameter",
        ),
        (
            "x-cfgen-pagination: {style: cursor, cursor: next}",
            CURSOR,
            ARRAY,
            "`cursor` must be a JSON pointer such as `/cursor`, got `next`",
        ),
        (
            "x-cfgen-pagination: {style: cursor}",
            CURSOR,
            "{type: string}",
            "the success response's `result` is not an array",
        ),
    ];
    for (extra, params, result, message) in cases {
        let error = generate(&doc(params, result, "{type: object}", extra)).unwrap_err();
        assert_eq!(error.to_string(), format!("{at}: {message}"), "{extra}");
    }
}
