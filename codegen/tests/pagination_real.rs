//! Pagination detection on the two published documents in `../shared/cloudflare-spec/`:
//! how many operations stream by cursor and by page number, and that Workers KV's key
//! listing streams by `result_info.cursor`. Each test prints `skipped: …` and returns
//! when that folder is absent.

mod common;

use std::collections::BTreeMap;

use cfgen::Settings;
use cfgen::load::Document;
use common::shared_dir;
use quote::ToTokens;

const LIST_KEYS: &str = "workers-kv-namespace-list-a-namespace'-s-keys";

/// Every `stream()` of the whole document generated with `--all`: operationId to the
/// stream type (`CursorStream` or `PageStream`) and the JSON pointer of the cursor.
fn streams(date: &str) -> Option<BTreeMap<String, (String, Option<String>)>> {
    let path = shared_dir().join(format!("openapi-{date}.json"));
    if !path.is_file() {
        eprintln!("skipped: ../shared/cloudflare-spec not found");
        return None;
    }
    let doc = Document::from_path(&path).expect("the published documents load");
    let settings = Settings {
        all: true,
        ..Settings::bulk_delete()
    };
    let code = cfgen::generate(&doc, &settings).expect("generates").code;
    let file: syn::File = syn::parse_str(&code).expect("generated code parses");
    let mut found = BTreeMap::new();
    for item in file.items {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        for item in block.items {
            match item {
                syn::ImplItem::Fn(f) if f.sig.ident == "stream" => {
                    let (id, style, pointer) = describe(&f);
                    found.insert(id, (style, pointer));
                }
                _ => {}
            }
        }
    }
    Some(found)
}

/// The operationId (the first string in the body), the stream type and, for cursors,
/// the pointer (the string literal starting with `/`).
fn describe(f: &syn::ImplItemFn) -> (String, String, Option<String>) {
    let output = f.sig.output.to_token_stream().to_string();
    let style = ["CursorStream", "PageStream"]
        .into_iter()
        .find(|s| output.contains(s))
        .expect("a stream type")
        .to_owned();
    let strings: Vec<String> = f
        .block
        .to_token_stream()
        .into_iter()
        .flat_map(flatten)
        .filter_map(|token| syn::parse_str::<syn::LitStr>(&token.to_string()).ok())
        .map(|lit| lit.value())
        .collect();
    let pointer = strings.iter().find(|s| s.starts_with('/')).cloned();
    (strings[0].clone(), style, pointer)
}

fn flatten(tree: proc_macro2::TokenTree) -> Vec<proc_macro2::TokenTree> {
    match tree {
        proc_macro2::TokenTree::Group(group) => {
            group.stream().into_iter().flat_map(flatten).collect()
        }
        other => vec![other],
    }
}

fn count(streams: &BTreeMap<String, (String, Option<String>)>, style: &str) -> usize {
    streams.values().filter(|(s, _)| s == style).count()
}

#[test]
fn the_2024_document_has_four_cursor_lists_and_forty_six_paged_ones() {
    let Some(streams) = streams("2024-08-07") else {
        return;
    };
    let cursors: Vec<(&str, Option<&str>)> = streams
        .iter()
        .filter(|(_, (style, _))| style == "CursorStream")
        .map(|(id, (_, pointer))| (id.as_str(), pointer.as_deref()))
        .collect();
    assert_eq!(
        cursors,
        [
            ("durable-objects-namespace-list-objects", Some("/cursor")),
            ("lists-get-list-items", Some("/cursors/after")),
            ("r2-list-buckets", Some("/cursor")),
            (LIST_KEYS, Some("/cursor")),
        ]
    );
    assert_eq!(count(&streams, "PageStream"), 46);
    for id in [
        "accounts-list-accounts",
        "dns-records-for-a-zone-list-dns-records",
        "zones-get",
    ] {
        assert_eq!(streams[id].0, "PageStream", "{id}");
    }
}

/// The 2023 document declares no query parameters on any list (Cloudflare added
/// `cursor`, `page` and friends later), so nothing can page, Workers KV's listing
/// included; an overlay that adds the `cursor` parameter the API has always taken is
/// enough for the listing to stream.
#[test]
fn the_2023_document_pages_once_an_overlay_adds_the_cursor_parameter() {
    let Some(streams) = streams("2023-01-03") else {
        return;
    };
    assert_eq!(
        (
            count(&streams, "CursorStream"),
            count(&streams, "PageStream")
        ),
        (0, 0)
    );
    let path = shared_dir().join("openapi-2023-01-03.json");
    let mut doc = Document::from_path(&path).expect("the published documents load");
    let overlay = r#"
overlay: 1.0.0
info: {title: KV listing parameters, version: '1'}
actions:
  - target: $.paths['/accounts/{account_identifier}/storage/kv/namespaces/{namespace_identifier}/keys'].get
    update:
      parameters:
        - {in: query, name: cursor, schema: {type: string}}
"#;
    cfgen::overlay::apply(&mut doc, "kv-cursor.yaml", overlay).expect("overlay applies");
    let settings = Settings::operations([LIST_KEYS]);
    let code = cfgen::generate(&doc, &settings).expect("generates").code;
    assert!(code.contains("paginate::CursorStream<'a, Key>"), "{code}");
    assert!(code.contains("\"/cursor\""));
}
