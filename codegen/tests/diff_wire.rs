//! `cfgen diff` on what the generated types do not show but requests depend on: the
//! operation's effective `security`, its error responses, its `servers` and its request
//! body's media types. Each change is made on a real document (the 2023-01-03 one, from
//! `../shared/cloudflare-spec`, skipped with a line saying so when absent) and on the
//! committed `spec/`, the way Cloudflare's monthly history changed bulk delete: in
//! 2023-06 its `security` lost the API token, in 2023-09 it came back.

mod common;

use cfgen::Settings;
use cfgen::diff::{Affects, Finding, Level, Report};
use cfgen::load::Document;
use serde_json::{Value, json};

const BULK_DELETE: &str = cfgen::BULK_DELETE_OPERATION;
const OP_2023: &str = "/paths/~1accounts~1{account_identifier}~1storage~1kv~1namespaces~1{namespace_identifier}~1bulk/delete";
const OP_SPEC: &str =
    "/paths/~1accounts~1{account_id}~1storage~1kv~1namespaces~1{namespace_id}~1bulk~1delete/post";

fn real_2023() -> Option<Document> {
    let dir = common::shared_dir();
    if !dir.exists() {
        println!("skipped: ../shared/cloudflare-spec not found");
        return None;
    }
    let file = "openapi-2023-01-03.json";
    let text = std::fs::read_to_string(dir.join(file)).expect("shared document is readable");
    Some(Document::from_text(file, &text).expect("shared document loads"))
}

fn committed_spec() -> Document {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/openapi.yaml");
    let text = std::fs::read_to_string(path).expect("spec/openapi.yaml is readable");
    Document::from_text("openapi.yaml", &text).expect("spec/openapi.yaml loads")
}

/// A copy of `doc` named `new.json`, changed by `edit`.
fn edited(doc: &Document, edit: impl FnOnce(&mut Value)) -> Document {
    let mut new = doc.clone();
    new.file = "new.json".into();
    edit(&mut new.root);
    new
}

fn at<'a>(root: &'a mut Value, pointer: &str) -> &'a mut Value {
    root.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{pointer} exists"))
}

fn diff(old: &Document, new: &Document) -> Report {
    let settings = Settings {
        operations: vec![BULK_DELETE.into()],
        strip_prefixes: cfgen::WORKERS_KV_PREFIXES.map(String::from).to_vec(),
        ..Settings::default()
    };
    cfgen::diff::diff(old, new, &settings).expect("diff succeeds")
}

/// The findings of `kind`; nothing else may have been found.
fn only<'a>(report: &'a Report, kind: &str) -> Vec<&'a Finding> {
    let others: Vec<&Finding> = report.findings.iter().filter(|f| f.kind != kind).collect();
    assert!(others.is_empty(), "unexpected findings: {others:#?}");
    report.findings.iter().collect()
}

fn drop_scheme(security: &mut Value, scheme: &str) {
    let list = security.as_array_mut().expect("security is a list");
    list.retain(|requirement| requirement.get(scheme).is_none());
}

#[test]
fn removing_the_token_scheme_is_breaking_and_names_the_token() {
    let Some(old) = real_2023() else { return };
    let new = edited(&old, |root| {
        drop_scheme(at(root, &format!("{OP_2023}/security")), "api_token")
    });
    let report = diff(&old, &new);
    let found = only(&report, "security-removed");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        (found[0].level, found[0].affects),
        (Level::Breaking, Affects::Wire)
    );
    assert!(
        found[0].message.starts_with(
            "authentication with an API token (`Authorization: Bearer`, `CLOUDFLARE_API_TOKEN`) \
             is no longer accepted"
        ),
        "{}",
        found[0].message
    );
    assert!(
        found[0].message.contains("still accepted: email + API key"),
        "{}",
        found[0].message
    );
    assert_eq!(
        found[0].new_pointer.as_deref(),
        Some(&*format!("#{OP_2023}/security"))
    );

    // 2023-09: the token came back.
    let back = diff(&new, &old);
    let found = only(&back, "security-added");
    assert_eq!(found[0].level, Level::Additive);
    assert!(
        found[0].message.contains("an API token"),
        "{}",
        found[0].message
    );
}

#[test]
fn removing_email_and_key_names_them() {
    let Some(old) = real_2023() else { return };
    let new = edited(&old, |root| {
        drop_scheme(at(root, &format!("{OP_2023}/security")), "api_email")
    });
    let found = only(&diff(&old, &new), "security-removed")[0].clone();
    assert!(
        found
            .message
            .starts_with("authentication with email + API key (`X-Auth-Email` and `X-Auth-Key`"),
        "{}",
        found.message
    );
}

#[test]
fn security_is_compared_as_inherited_and_schemes_by_what_they_send() {
    let old = committed_spec();
    // Dropping the operation's own list inherits the document's, which is the same.
    let inherited = edited(&old, |root| {
        at(root, OP_SPEC)
            .as_object_mut()
            .unwrap()
            .remove("security");
    });
    assert_eq!(diff(&old, &inherited).findings, []);
    // A renamed scheme that sends the same header is no change either.
    let renamed = edited(&old, |root| {
        let schemes = at(root, "/components/securitySchemes")
            .as_object_mut()
            .unwrap();
        let token = schemes.shift_remove("api_token").unwrap();
        schemes.insert("bearer_token".into(), token);
        for pointer in [format!("{OP_SPEC}/security"), "/security".to_string()] {
            for requirement in at(root, &pointer).as_array_mut().unwrap() {
                let requirement = requirement.as_object_mut().unwrap();
                if let Some(scopes) = requirement.shift_remove("api_token") {
                    requirement.insert("bearer_token".into(), scopes);
                }
            }
        }
    });
    assert_eq!(diff(&old, &renamed).findings, []);
    // Inherited from the document: removing the token there is found.
    let root_only = edited(&inherited, |root| {
        drop_scheme(at(root, "/security"), "api_token")
    });
    let found = only(&diff(&inherited, &root_only), "security-removed")[0].clone();
    assert_eq!(found.new_pointer.as_deref(), Some("#/security"));
}

#[test]
fn a_changed_4xx_schema_is_a_warning_naming_the_property() {
    let Some(new) = real_2023() else { return };
    // The month before, the failure envelope's `result` had no type.
    let old = edited(&new, |root| {
        let result = at(
            root,
            "/components/schemas/api-response-common-failure/properties/result",
        );
        result.as_object_mut().unwrap().remove("type");
    });
    let report = diff(&old, &new);
    let found = only(&report, "error-response-changed");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        (found[0].level, found[0].affects),
        (Level::Warning, Affects::Wire)
    );
    assert_eq!(
        found[0].message,
        "`4XX` error response: `result`: type changed from none to `object`"
    );
    assert_eq!(
        found[0].new_pointer.as_deref(),
        Some(&*format!(
            "#{OP_2023}/responses/4xx/content/application~1json/schema"
        ))
    );
}

#[test]
fn error_responses_added_removed_and_changed_in_the_committed_spec() {
    let old = committed_spec();
    let new = edited(&old, |root| {
        let responses = at(root, &format!("{OP_SPEC}/responses"))
            .as_object_mut()
            .unwrap();
        let failure = responses.shift_remove("4XX").unwrap();
        responses.insert("default".into(), failure.clone());
        let mut changed = failure;
        changed["content"]["application/json"]["schema"]["allOf"][1]["properties"]["result"] =
            json!({"type": "string"});
        responses.insert("429".into(), changed.clone());
    });
    let mut kinds: Vec<(&str, Level)> = diff(&old, &new)
        .findings
        .iter()
        .map(|f| (f.kind, f.level))
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            ("error-response-added", Level::Warning),
            ("error-response-added", Level::Warning),
            ("error-response-removed", Level::Warning)
        ]
    );
    // The same body under a schema that differs only where it changed.
    let changed = edited(&old, |root| {
        let schema = at(
            root,
            &format!("{OP_SPEC}/responses/4XX/content/application~1json/schema"),
        );
        schema["allOf"][1]["properties"]["result"] = json!({"type": "string"});
    });
    let report = diff(&old, &changed);
    let messages: Vec<&str> = only(&report, "error-response-changed")
        .iter()
        .map(|f| f.message.as_str())
        .collect();
    // Later `allOf` members win a property, as the generated structs merge them.
    assert_eq!(
        messages,
        [
            "`4XX` error response: `result`: property `successful_key_count` removed",
            "`4XX` error response: `result`: property `unsuccessful_keys` removed",
            "`4XX` error response: `result`: type changed from `object` to `string`"
        ]
    );
}

#[test]
fn a_moved_base_url_breaks_and_a_new_one_is_additive() {
    let Some(old) = real_2023() else { return };
    let moved = edited(&old, |root| {
        root["servers"] = json!([{"url": "https://api.cloudflare.com/client/v5"}]);
    });
    let report = diff(&old, &moved);
    let kinds: Vec<(&str, Level)> = report.findings.iter().map(|f| (f.kind, f.level)).collect();
    assert_eq!(
        kinds,
        [
            ("server-removed", Level::Breaking),
            ("server-added", Level::Additive)
        ]
    );
    let found = report.findings[0].clone();
    assert_eq!(found.affects, Affects::Wire);
    assert!(
        found.message.starts_with(
            "base URL `https://api.cloudflare.com/client/v4` removed, the document now names \
             `https://api.cloudflare.com/client/v5`"
        ),
        "{}",
        found.message
    );
    // An operation-level server list wins over the document's.
    let added = edited(&old, |root| {
        at(root, OP_2023)["servers"] = json!([
            {"url": "https://api.cloudflare.com/client/v4"},
            {"url": "https://{region}.example.com", "variables": {"region": {"default": "eu"}}}
        ]);
    });
    let found = only(&diff(&old, &added), "server-added")[0].clone();
    assert_eq!(found.message, "base URL `https://eu.example.com` added");
}

#[test]
fn request_media_types_besides_the_one_sent() {
    let Some(old) = real_2023() else { return };
    let content = format!("{OP_2023}/requestBody/content");
    let more = edited(&old, |root| {
        let content = at(root, &content).as_object_mut().unwrap();
        content.insert(
            "application/x-ndjson".into(),
            json!({"schema": {"type": "string"}}),
        );
    });
    let found = only(&diff(&old, &more), "request-content-type-added")[0].clone();
    assert_eq!(found.level, Level::Additive);
    assert_eq!(
        found.message,
        "the request body now also accepts `application/x-ndjson` (the generated client sends `application/json`)"
    );
    let found = only(&diff(&more, &old), "request-content-type-removed")[0].clone();
    assert_eq!(
        (found.level, found.affects),
        (Level::Warning, Affects::Wire)
    );
}

/// Specs are untrusted: an error schema whose `allOf` reaches itself twice per level
/// would be merged 2^depth times by a naive walk; it must finish, and still compare.
#[test]
fn a_self_referencing_error_schema_terminates() {
    let loops = |result: Value| {
        move |root: &mut Value| {
            let schemas = at(root, "/components/schemas").as_object_mut().unwrap();
            schemas.insert(
                "loop".into(),
                json!({
                    "allOf": [{"$ref": "#/components/schemas/loop"}, {"$ref": "#/components/schemas/loop"}],
                    "properties": {"result": result, "next": {"$ref": "#/components/schemas/loop"}}
                }),
            );
            let schema = at(
                root,
                &format!("{OP_SPEC}/responses/4XX/content/application~1json/schema"),
            );
            *schema = json!({"$ref": "#/components/schemas/loop"});
        }
    };
    let spec = committed_spec();
    let old = edited(&spec, loops(json!({"type": "object"})));
    let new = edited(&spec, loops(json!({"type": "string"})));
    let report = diff(&old, &new);
    let messages: Vec<&str> = only(&report, "error-response-changed")
        .iter()
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(
        messages,
        ["`4XX` error response: `result`: type changed from `object` to `string`"]
    );
}
