//! `cfgen slice` on the real Cloudflare documents: generating a selection from its
//! slice gives byte-identical Rust to generating it from the full document, for bulk
//! delete, the Workers KV tags and operations of other products; and the bulk-delete
//! slice of the 4.2 MB document is small. Skipped, with a line saying so, when
//! `../shared/cloudflare-spec` is absent.

mod common;

use cfgen::Settings;
use cfgen::load::Document;
use cfgen::slice::{Syntax, slice, to_text};
use common::shared_document;

const OLD: &str = "openapi-2023-01-03.json";
const NEW: &str = "openapi-2024-08-07.json";

fn workers_kv(settings: Settings) -> Settings {
    Settings {
        strip_prefixes: cfgen::WORKERS_KV_PREFIXES.map(String::from).to_vec(),
        ..settings
    }
}

/// Slices `full`, prints the slice in `syntax`, reads it back under the full
/// document's name (so the `@generated` header, which names the file, is the same),
/// and checks that both generate the same code and skip the same operations. Returns
/// the slice's size in bytes.
fn assert_slice_generates_the_same(full: &Document, settings: &Settings, syntax: Syntax) -> usize {
    let from_full = cfgen::generate(full, settings);
    let text = to_text(&slice(full, settings).expect("slice"), syntax).expect("print");
    let sliced = Document::from_text(&full.file, &text).expect("the slice loads");
    let from_slice = cfgen::generate(&sliced, settings);
    match (from_full, from_slice) {
        (Ok(a), Ok(b)) => {
            assert_eq!(
                a.skipped, b.skipped,
                "{settings:?}: skipped operations differ"
            );
            assert!(
                a.code == b.code,
                "{settings:?} ({syntax:?}): the slice generates different code:\n{}",
                similar::TextDiff::from_lines(&a.code, &b.code).unified_diff()
            );
            assert!(a.code.contains("pub async fn "), "nothing generated");
        }
        (a, b) => panic!("{settings:?}: full {:?} / slice {:?}", a.err(), b.err()),
    }
    text.len()
}

#[test]
fn bulk_delete_slices_generate_the_same_code_and_are_small() {
    let Some(new) = shared_document(NEW) else {
        return;
    };
    let settings = workers_kv(Settings::operations([cfgen::BULK_DELETE_OPERATION]));
    let yaml = assert_slice_generates_the_same(&new, &settings, Syntax::Yaml);
    let json = assert_slice_generates_the_same(&new, &settings, Syntax::Json);
    println!("bulk-delete slice of {NEW}: {yaml} bytes as YAML, {json} as JSON");
    assert!(yaml < 100_000 && json < 100_000, "{yaml} / {json} bytes");

    let Some(old) = shared_document(OLD) else {
        return;
    };
    assert_slice_generates_the_same(&old, &settings, Syntax::Yaml);
}

#[test]
fn workers_kv_tag_slices_generate_the_same_code() {
    let tags = [
        "Workers KV Namespace",
        "Workers KV Request Analytics",
        "Workers KV Stored Data Analytics",
    ];
    for file in [OLD, NEW] {
        let Some(doc) = shared_document(file) else {
            return;
        };
        let settings = workers_kv(Settings {
            tags: tags.map(String::from).to_vec(),
            ..Settings::default()
        });
        assert_slice_generates_the_same(&doc, &settings, Syntax::Yaml);
    }
}

/// Five operations of other products per document, chosen for what they exercise:
/// path-item parameters, `$ref`s into `components/parameters`, `responses` and
/// `requestBodies`, large request bodies.
#[test]
fn other_products_slices_generate_the_same_code() {
    let cases: [(&str, [&str; 5]); 2] = [
        (
            NEW,
            [
                "dns-records-for-a-zone-create-dns-record",
                "accounts-turnstile-widgets-list",
                "dls-account-regional-hostnames-account-list-regions",
                "listAccountRulesets",
                "createAccountRuleset",
            ],
        ),
        (
            OLD,
            [
                "dns-records-for-a-zone-list-dns-records",
                "accounts-list-accounts",
                "user-user-details",
                "load-balancers-list-load-balancers",
                "waiting-room-list-waiting-rooms",
            ],
        ),
    ];
    for (file, ops) in cases {
        let Some(doc) = shared_document(file) else {
            return;
        };
        for op in ops {
            assert_slice_generates_the_same(&doc, &Settings::operations([op]), Syntax::Json);
        }
        assert_slice_generates_the_same(&doc, &Settings::operations(ops), Syntax::Yaml);
    }
}
