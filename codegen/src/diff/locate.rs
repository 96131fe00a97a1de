//! Diff, pointers: finds where a parameter, property or response sits in the raw
//! document, so every finding can point at the text a person would open.
//!
//! The IR keeps the pointers of operations and named types only; these helpers look the
//! rest up in the loaded tree. They never fail: when a lookup finds nothing, the closest
//! enclosing pointer is returned instead.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::error::escape_pointer_token;
use crate::ir::ParamLocation;
use crate::load::Document;

/// Follows `$ref`s from the node at `pointer` to the pointer of what it names.
pub fn follow(doc: &Document, pointer: &str) -> String {
    let mut at = pointer.to_string();
    // A bound on the chain length keeps a `$ref` cycle from looping forever.
    for _ in 0..32 {
        match doc
            .get(&at)
            .and_then(|v| v.get("$ref"))
            .and_then(Value::as_str)
        {
            Some(target) if target.starts_with("#/") => at = target.to_string(),
            _ => break,
        }
    }
    at
}

/// Where the parameter `name` in `location` of the operation at `operation` is
/// declared: on the operation, else on its path item.
pub fn param(doc: &Document, operation: &str, name: &str, location: ParamLocation) -> String {
    let item = operation.rsplit_once('/').map_or("#", |(item, _)| item);
    let wanted = match location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
    };
    for owner in [operation, item] {
        let list = format!("{owner}/parameters");
        let count = doc.get(&list).and_then(Value::as_array).map_or(0, Vec::len);
        for i in 0..count {
            let at = follow(doc, &format!("{list}/{i}"));
            let Some(p) = doc.get(&at) else { continue };
            if p.get("name").and_then(Value::as_str) == Some(name)
                && p.get("in").and_then(Value::as_str) == Some(wanted)
            {
                return at;
            }
        }
    }
    format!("{operation}/parameters")
}

/// Where the property `name` of the schema at `schema` is declared, looking through
/// `$ref`s and into `allOf` members, where merged structs found it.
pub fn property(doc: &Document, schema: &str, name: &str) -> String {
    find_property(doc, schema, name, 0)
        .unwrap_or_else(|| format!("{schema}/properties/{}", escape_pointer_token(name)))
}

fn find_property(doc: &Document, schema: &str, name: &str, depth: usize) -> Option<String> {
    if depth > 16 {
        return None;
    }
    let at = follow(doc, schema);
    let node = doc.get(&at)?;
    let direct = format!("{at}/properties/{}", escape_pointer_token(name));
    if node.get("properties").and_then(|p| p.get(name)).is_some() {
        return Some(direct);
    }
    let members = node
        .get("allOf")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    // Later members win when `allOf` merges, so they are searched first.
    (0..members)
        .rev()
        .find_map(|i| find_property(doc, &format!("{at}/allOf/{i}"), name, depth + 1))
}

/// The success status codes (`2xx`, `2XX`) the operation at `operation` documents.
pub fn success_statuses(doc: &Document, operation: &str) -> BTreeSet<String> {
    doc.get(&format!("{operation}/responses"))
        .and_then(Value::as_object)
        .map(|responses| {
            responses
                .keys()
                .filter(|code| code.starts_with('2'))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the operation at `operation` is marked `deprecated: true`.
pub fn is_deprecated(doc: &Document, operation: &str) -> bool {
    doc.get(&format!("{operation}/deprecated"))
        .and_then(Value::as_bool)
        == Some(true)
}

/// The pointer of the success response `status` of the operation, `$ref`s followed.
pub fn response(doc: &Document, operation: &str, status: &str) -> String {
    if status.is_empty() {
        return format!("{operation}/responses");
    }
    follow(
        doc,
        &format!("{operation}/responses/{}", escape_pointer_token(status)),
    )
}
