//! Real-spec tests: the two published Cloudflare documents in `../shared/cloudflare-spec/`.
//!
//! Each test prints `skipped: …` and returns when that folder is absent. The bulk-delete
//! outputs are snapshots under the workspace's `tests/snapshots/`; run with `BLESS=1` to rewrite them.

mod common;

use std::sync::OnceLock;

use cfgen::load::Document;
use cfgen::{Error, Settings};
use common::{assert_snapshot, shared_dir};

const BULK_DELETE: &str = "workers-kv-namespace-delete-multiple-key-value-pairs";
const BULK_DELETE_DEPRECATED: &str =
    "workers-kv-namespace-delete-multiple-key-value-pairs-deprecated";

/// The document of the given date, parsed once per test binary; `None` (after saying
/// so) when the shared folder is absent.
fn doc(date: &str) -> Option<&'static Document> {
    static DOCS: OnceLock<[Option<Document>; 2]> = OnceLock::new();
    let docs = DOCS.get_or_init(|| {
        ["2023-01-03", "2024-08-07"].map(|d| {
            let path = shared_dir().join(format!("openapi-{d}.json"));
            path.is_file()
                .then(|| Document::from_path(&path).expect("the published documents load"))
        })
    });
    let found = match date {
        "2023-01-03" => docs[0].as_ref(),
        _ => docs[1].as_ref(),
    };
    if found.is_none() {
        eprintln!("skipped: ../shared/cloudflare-spec not found");
    }
    found
}

/// The settings the CLI uses by default, for the given operations.
fn settings(ids: &[&str]) -> Settings {
    Settings {
        strip_prefixes: vec!["workers-kv_".into(), "workers-kv-".into()],
        ..Settings::operations(ids.iter().copied())
    }
}

/// The method `name` of the generated `Client`, parsed.
fn function(code: &str, name: &str) -> syn::ImplItemFn {
    let file: syn::File = syn::parse_str(code).expect("generated code parses");
    file.items
        .into_iter()
        .filter_map(|item| match item {
            syn::Item::Impl(block) => Some(block.items),
            _ => None,
        })
        .flatten()
        .find_map(|item| match item {
            syn::ImplItem::Fn(f) if f.sig.ident == name => Some(f),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no method {name} in:\n{code}"))
}

/// What a caller depends on: the name, the generics, the argument types in order, the
/// return type.
fn api_of(f: &syn::ImplItemFn) -> (String, Vec<String>, String) {
    let tokens = |t: &dyn quote::ToTokens| t.to_token_stream().to_string();
    let mut types: Vec<String> = f
        .sig
        .inputs
        .iter()
        .map(|arg| match arg {
            syn::FnArg::Typed(t) => tokens(&t.ty),
            syn::FnArg::Receiver(_) => "self".into(),
        })
        .collect();
    types.push(tokens(&f.sig.generics));
    let output = tokens(&f.sig.output);
    (f.sig.ident.to_string(), types, output)
}

fn arg_names(f: &syn::ImplItemFn) -> Vec<String> {
    f.sig
        .inputs
        .iter()
        .filter_map(|arg| match arg {
            syn::FnArg::Typed(t) => Some(quote::ToTokens::to_token_stream(&t.pat).to_string()),
            syn::FnArg::Receiver(_) => None,
        })
        .collect()
}

/// Source text with all whitespace removed, for checks that ignore formatting.
fn squash(code: &str) -> String {
    code.split_whitespace().collect()
}

#[test]
fn bulk_delete_2023_sends_delete_with_the_old_parameter_names() {
    let Some(doc) = doc("2023-01-03") else { return };
    let code = cfgen::generate(doc, &settings(&[BULK_DELETE]))
        .unwrap()
        .code;
    let f = function(&code, "namespace_delete_multiple_key_value_pairs");
    assert_eq!(
        arg_names(&f),
        ["account_identifier", "namespace_identifier", "body"]
    );
    let body = squash(&code);
    assert!(
        body.contains(
            "Method::DELETE,::std::format!(\"/accounts/{}/storage/kv/namespaces/{}/bulk\","
        ),
        "{code}"
    );
    assert!(body.contains(
        "encode_path(account_identifier),::cfgen_runtime::encode_path(namespace_identifier)"
    ));
    assert_snapshot("bulk-delete-2023-01-03.rs", &code);
}

#[test]
fn bulk_delete_2024_posts_and_marks_the_twin_deprecated() {
    let Some(doc) = doc("2024-08-07") else { return };
    let code = cfgen::generate(doc, &settings(&[BULK_DELETE, BULK_DELETE_DEPRECATED]))
        .unwrap()
        .code;
    let post = function(&code, "namespace_delete_multiple_key_value_pairs");
    let old = function(
        &code,
        "namespace_delete_multiple_key_value_pairs_deprecated",
    );
    assert_eq!(arg_names(&post), ["account_id", "namespace_id", "body"]);
    assert!(!post.attrs.iter().any(|a| a.path().is_ident("deprecated")));
    let note = old
        .attrs
        .iter()
        .find(|a| a.path().is_ident("deprecated"))
        .expect("the twin is deprecated");
    let note = quote::ToTokens::to_token_stream(note).to_string();
    assert!(
        note.contains("use the method `namespace_delete_multiple_key_value_pairs` instead"),
        "{note}"
    );
    let body = squash(&code);
    assert!(body.contains(
        "Method::POST,::std::format!(\"/accounts/{}/storage/kv/namespaces/{}/bulk/delete\","
    ));
    assert!(
        body.contains(
            "Method::DELETE,::std::format!(\"/accounts/{}/storage/kv/namespaces/{}/bulk\","
        )
    );
    assert_snapshot("bulk-delete-2024-08-07.rs", &code);
}

/// DELETE became POST and the path parameters were renamed: callers see the same
/// method, argument types and order, and result type name.
#[test]
fn wire_only_changes_keep_the_rust_api() {
    let (Some(old), Some(new)) = (doc("2023-01-03"), doc("2024-08-07")) else {
        return;
    };
    let name = "namespace_delete_multiple_key_value_pairs";
    let old = function(
        &cfgen::generate(old, &settings(&[BULK_DELETE]))
            .unwrap()
            .code,
        name,
    );
    let new = function(
        &cfgen::generate(new, &settings(&[BULK_DELETE]))
            .unwrap()
            .code,
        name,
    );
    assert_eq!(api_of(&old), api_of(&new));
    assert!(
        api_of(&new)
            .2
            .contains("NamespaceDeleteMultipleKeyValuePairsResult"),
        "{:?}",
        api_of(&new)
    );
}

#[test]
fn a_typo_suggests_the_real_ids() {
    let Some(doc) = doc("2024-08-07") else { return };
    let typo = "workers-kv-namespace-delete-multiple-key-value-pair";
    let err = cfgen::generate(doc, &settings(&[typo])).unwrap_err();
    let Error::UnknownOperation { suggestions, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(suggestions[..2], [BULK_DELETE, BULK_DELETE_DEPRECATED]);
    assert!(
        err.to_string()
            .contains(&format!("`{typo}`; did you mean {BULK_DELETE}, ")),
        "{err}"
    );
}

#[test]
fn an_overlay_adds_limits_that_the_generated_code_checks() {
    let Some(doc) = doc("2024-08-07") else { return };
    let mut doc = doc.clone();
    let overlay = "overlay: 1.0.0\ninfo: {title: limits, version: 1.0.0}\nactions:\n  - target: $.components.schemas['workers-kv_bulk_delete']\n    update: {minItems: 1, maxItems: 10000}\n";
    cfgen::overlay::apply(&mut doc, "overlay.yaml", overlay).unwrap();
    let code = squash(
        &cfgen::generate(&doc, &settings(&[BULK_DELETE]))
            .unwrap()
            .code,
    );
    assert!(
        code.contains("validate::items(\"body\",body.len(),::std::option::Option::Some(1),::std::option::Option::Some(10000),)?;"),
        "{code}"
    );
}

/// `--all` with `strict`: nothing may be skipped, and every operation (duplicate ids
/// included) becomes one `_with_response` method (or one request builder). No
/// generated method needs `clippy::too_many_arguments`: long parameter lists are
/// request builders.
#[test]
fn every_operation_of_both_documents_generates() {
    for (date, count) in [("2023-01-03", 1113), ("2024-08-07", 1533)] {
        let Some(doc) = doc(date) else { return };
        let all = Settings {
            all: true,
            strict: true,
            ..Settings::default()
        };
        let generated = cfgen::generate(doc, &all).unwrap_or_else(|e| panic!("{date}: {e}"));
        assert!(generated.skipped.is_empty());
        let response_forms = generated
            .code
            .lines()
            .filter(|l| l.trim_start().starts_with("pub async fn ") && l.contains("_with_response"))
            .count();
        assert_eq!(response_forms, count, "{date}");
        assert!(!generated.code.contains("too_many_arguments"), "{date}");
    }
}

#[test]
fn a_3_1_version_of_a_real_document_is_refused() {
    let path = shared_dir().join("openapi-2024-08-07.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: ../shared/cloudflare-spec not found");
        return;
    };
    let mut root: serde_json::Value = serde_json::from_str(&text).unwrap();
    root["openapi"] = "3.1.0".into();
    let text = root.to_string();
    let err = Document::from_text("openapi.json", &text)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("openapi.json: OpenAPI 3.1.0 is not supported: only OpenAPI 3.0.x"),
        "{err}"
    );
}

/// The three Workers KV tags of the 2024 document: every doc line is the document's own
/// text or says what an item is for; nothing is invented to fill a gap.
#[test]
fn workers_kv_docs_invent_nothing() {
    let Some(doc) = doc("2024-08-07") else { return };
    let settings = Settings {
        tags: vec![
            "Workers KV Namespace".into(),
            "Workers KV Request Analytics".into(),
            "Workers KV Stored Data Analytics".into(),
        ],
        strict: true,
        strip_prefixes: vec!["workers-kv_".into(), "workers-kv-".into()],
        ..Settings::default()
    };
    let code = cfgen::generate(doc, &settings).unwrap().code;
    assert!(
        code.contains("pub fn namespace_list_a_namespace_s_keys<'a>("),
        "a request builder"
    );
    let filler = [
        "property.",
        "The inline schema at",
        "the request body",
        "` schema.",
    ];
    for line in code.lines().filter(|l| l.trim_start().starts_with("///")) {
        assert!(
            !filler.iter().any(|f| line.contains(f)),
            "invented doc: {line}"
        );
    }
    assert!(!code.contains("too_many_arguments"));
}
