//! `cfgen diff` on two real Cloudflare documents (2023-01-03 and 2024-08-07), between
//! which bulk delete moved from `DELETE …/bulk` to `POST …/bulk/delete`, its path
//! parameters were renamed, and the old route stayed as a deprecated twin.
//!
//! The text report is pinned in `tests/snapshots/`; rerun with `BLESS=1` to accept a
//! change. Skipped, with a line saying so, when `../shared/cloudflare-spec` is absent.

mod common;

use cfgen::Settings;
use cfgen::diff::{Affects, Level, Report};
use cfgen::load::Document;
use common::{assert_snapshot, shared_document};

const BULK_DELETE: &str = cfgen::BULK_DELETE_OPERATION;
const TWIN: &str = "workers-kv-namespace-delete-multiple-key-value-pairs-deprecated";
const OLD: &str = "openapi-2023-01-03.json";
const NEW: &str = "openapi-2024-08-07.json";

fn diff(ops: &[&str]) -> Option<Report> {
    let (old, new) = (shared_document(OLD)?, shared_document(NEW)?);
    let settings = Settings {
        operations: ops.iter().map(|s| s.to_string()).collect(),
        strip_prefixes: cfgen::WORKERS_KV_PREFIXES
            .iter()
            .map(|s| s.to_string())
            .collect(),
        ..Settings::default()
    };
    Some(cfgen::diff::diff(&old, &new, &settings).expect("diff of the real documents succeeds"))
}

fn find<'a>(report: &'a Report, operation: &str, kind: &str) -> Vec<&'a cfgen::diff::Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.operation == operation && f.kind == kind)
        .collect()
}

#[test]
fn bulk_delete_2023_to_2024() {
    let Some(report) = diff(&[BULK_DELETE, TWIN]) else {
        return;
    };
    assert_eq!(report.operations, [BULK_DELETE, TWIN]);

    let method = find(&report, BULK_DELETE, "method-changed");
    assert_eq!(method.len(), 1);
    assert_eq!(method[0].message, "method changed from DELETE to POST");
    assert_eq!(
        (method[0].level, method[0].affects),
        (Level::Breaking, Affects::Wire)
    );

    let path = find(&report, BULK_DELETE, "path-changed");
    assert_eq!(path.len(), 1);
    assert!(path[0].message.starts_with(
        "path changed from `/accounts/{account_identifier}/storage/kv/namespaces/{namespace_identifier}/bulk` \
         to `/accounts/{account_id}/storage/kv/namespaces/{namespace_id}/bulk/delete`"
    ));
    assert!(
        path[0]
            .message
            .contains(&format!("is now operation `{TWIN}`, deprecated")),
        "{}",
        path[0].message
    );

    let mut renames: Vec<&str> = find(&report, BULK_DELETE, "parameter-renamed")
        .iter()
        .map(|f| f.rust_item.as_deref().unwrap())
        .collect();
    renames.sort();
    assert_eq!(
        renames,
        [
            "namespace_delete_multiple_key_value_pairs(account_id)",
            "namespace_delete_multiple_key_value_pairs(namespace_id)"
        ]
    );

    let twin: Vec<(&str, Level)> = report
        .findings
        .iter()
        .filter(|f| f.operation == TWIN)
        .map(|f| (f.kind, f.level))
        .collect();
    assert_eq!(
        twin,
        [
            ("operation-deprecated", Level::Warning),
            ("operation-added", Level::Additive)
        ]
    );

    // Everything else is a real change of the `result` the call returns, read off the
    // two documents: `api-response-single` (2023) typed it `anyOf: [object, string]`,
    // `workers-kv_api-response-common-no-result` (2024) an object. The envelopes
    // themselves are no longer in the signature (calls return `result`), so their new
    // schema name and the optional `result` change nothing a caller sees. The
    // description changed "Namespace" to "namespace". The failure envelope's `result`
    // (`4xx` in 2023, `4XX` in 2024) lost its `enum: [null]`. The schema renames that
    // keep the structure (`bulk_delete` → `workers-kv_bulk_delete`) produce nothing.
    let mut kinds: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.operation == BULK_DELETE)
        .map(|f| f.kind)
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "docs-changed",
            "error-response-changed",
            "method-changed",
            "parameter-renamed",
            "parameter-renamed",
            "path-changed",
            "type-changed"
        ]
    );

    assert_snapshot(
        "diff_bulk_delete_2023-01-03_2024-08-07.txt",
        &report.to_text(),
    );
}

#[test]
fn default_selection_does_not_report_the_twin() {
    let Some(report) = diff(&[BULK_DELETE]) else {
        return;
    };
    assert_eq!(report.operations, [BULK_DELETE]);
    assert!(report.findings.iter().all(|f| f.operation == BULK_DELETE));
    assert_eq!(report.worst(), Some(Level::Breaking));
}

/// Cloudflare renames shared schemas without changing them: in 2023 the bulk-delete
/// response `api-response-single` became `api-response-single-e7nXo5md`, then
/// `api-response-single-aMDCDDRZ`, then went back. Such a rename must move no name a
/// caller uses: the types in the operation's signature are named after the operation.
#[test]
fn an_upstream_schema_rename_changes_no_generated_name() {
    let Some(old) = shared_document(OLD) else {
        return;
    };
    let renamed = rename_schema(&old, "api-response-single", "api-response-single-e7nXo5md");
    let settings = Settings {
        operations: vec![BULK_DELETE.to_string()],
        strip_prefixes: cfgen::WORKERS_KV_PREFIXES
            .iter()
            .map(|s| s.to_string())
            .collect(),
        ..Settings::default()
    };
    let before = cfgen::generate(&old, &settings).unwrap().code;
    let after = cfgen::generate(&renamed, &settings).unwrap().code;
    assert!(
        before.contains("::std::option::Option<NamespaceDeleteMultipleKeyValuePairsResult>"),
        "{before}"
    );
    // Not only the signature: nothing generated names the renamed schema.
    assert_eq!(before, after);
    let report = cfgen::diff::diff(&old, &renamed, &settings).unwrap();
    assert_eq!(report.findings.len(), 0, "{}", report.to_text());
}

/// `doc` with the component schema `from` renamed to `to`, every `$ref` included.
fn rename_schema(doc: &Document, from: &str, to: &str) -> Document {
    let mut root = doc.root.clone();
    let schemas = root["components"]["schemas"].as_object_mut().unwrap();
    let schema = schemas.remove(from).expect("the schema exists");
    schemas.insert(to.to_string(), schema);
    let text = root.to_string().replace(
        &format!("\"#/components/schemas/{from}\""),
        &format!("\"#/components/schemas/{to}\""),
    );
    assert!(!text.contains(&format!("\"#/components/schemas/{from}\"")));
    Document::from_text(&doc.file, &text).unwrap()
}
