//! Slice: cuts the selected operations, and every component they reach, out of a
//! document into a minimal self-contained OpenAPI document, so a project can commit
//! the few kilobytes it generates from instead of Cloudflare's 4 MB file.
//!
//! The slice is the upstream tree, filtered: keys keep their upstream order and every
//! kept value its upstream text (descriptions are never reformatted). What is kept:
//!
//! - `openapi`, `info`, `servers`, `security`, `externalDocs`, and the `tags` entries the
//!   kept operations use;
//! - each path item holding a kept operation, with its own keys (`parameters`,
//!   `servers`, …) and the kept methods only;
//! - every component reached by a `$ref` from what is kept, followed transitively
//!   (schemas, parameters, responses, request bodies, headers, examples, …), and the
//!   security schemes named by the kept operations' effective `security`.
//!
//! Besides the selection, two kinds of operations are kept because they decide what a
//! selected operation generates: the other operations sharing its operationId (they
//! decide the key it is generated under) and, for an id ending in `-deprecated`, the
//! operation it names as its replacement (the deprecation note points at it). So
//! generating a selection from its slice gives the same Rust as generating it from the
//! full document.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::ir::Method;
use crate::load::{Document, display_name};
use crate::select::{self, Located};
use crate::settings::Settings;

/// The syntax a slice is written in, chosen by the output file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// `.json`: pretty-printed with two-space indents.
    Json,
    /// `.yaml` or `.yml`.
    Yaml,
}

impl Syntax {
    /// The syntax for `path`, from its extension.
    pub fn for_path(path: &Path) -> Result<Syntax> {
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Ok(Syntax::Json),
            Some("yaml" | "yml") => Ok(Syntax::Yaml),
            _ => Err(Error::Invalid {
                file: display_name(path),
                pointer: "#".into(),
                message: "cannot tell the output syntax: name the file `.json`, `.yaml` or `.yml`"
                    .into(),
            }),
        }
    }
}

/// The minimal document holding what `settings` selects in `doc`.
pub fn slice(doc: &Document, settings: &Settings) -> Result<Value> {
    let kept = kept_operations(doc, &select::select(doc, settings)?);
    let paths = paths(doc, &kept);
    let components = components(doc, &paths, &kept);
    let mut out = Map::new();
    let Some(root) = doc.root.as_object() else {
        return Ok(Value::Object(out));
    };
    for (key, value) in root {
        let value = match key.as_str() {
            "openapi" | "info" | "servers" | "security" | "externalDocs" => value.clone(),
            "tags" => match used_tags(value, &kept) {
                Some(tags) => tags,
                None => continue,
            },
            "paths" => Value::Object(paths.clone()),
            "components" if !components.is_empty() => Value::Object(components.clone()),
            _ => continue,
        };
        out.insert(key.clone(), value);
    }
    Ok(Value::Object(out))
}

/// The slice as text: deterministic, ending in a newline.
pub fn to_text(slice: &Value, syntax: Syntax) -> Result<String> {
    let internal = |e: String| Error::Internal(format!("cannot print the slice: {e}"));
    match syntax {
        Syntax::Json => serde_json::to_string_pretty(slice)
            .map(|text| text + "\n")
            .map_err(|e| internal(e.to_string())),
        Syntax::Yaml => serde_yaml::to_string(slice).map_err(|e| internal(e.to_string())),
    }
}

/// The selected operations plus those that decide how they generate, in document order.
fn kept_operations(doc: &Document, selected: &[Located]) -> Vec<Located> {
    let ids: BTreeSet<&str> = selected
        .iter()
        .map(|op| op.id.as_str())
        .filter(|id| !id.is_empty())
        .collect();
    let twins: BTreeSet<&str> = ids
        .iter()
        .filter_map(|id| id.strip_suffix("-deprecated"))
        .collect();
    let chosen: HashSet<&str> = selected.iter().map(|op| op.pointer.as_str()).collect();
    select::all_operations(doc)
        .into_iter()
        .filter(|op| {
            chosen.contains(op.pointer.as_str())
                || ids.contains(op.id.as_str())
                || twins.contains(op.id.as_str())
        })
        .collect()
}

/// The path items of the kept operations, with only the kept methods.
fn paths(doc: &Document, kept: &[Located]) -> Map<String, Value> {
    let mut out = Map::new();
    let Some(paths) = doc.root.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        let keeps = |method: &str| {
            kept.iter()
                .any(|op| &op.path == path && op.method.key() == method)
        };
        if !Method::ALL.iter().any(|m| keeps(m.key())) {
            continue;
        }
        let is_method = |key: &str| Method::ALL.iter().any(|m| m.key() == key);
        let filtered: Map<String, Value> = item
            .iter()
            .filter(|(key, _)| !is_method(key) || keeps(key))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        out.insert(path.clone(), Value::Object(filtered));
    }
    out
}

/// Every component reached from the kept path items, each section and entry in
/// upstream order.
fn components(doc: &Document, paths: &Map<String, Value>, kept: &[Located]) -> Map<String, Value> {
    let mut reached = BTreeSet::new();
    let mut pending: Vec<&Value> = paths.values().collect();
    for name in security_schemes(doc, kept) {
        reached.insert(("securitySchemes".to_string(), name));
    }
    while let Some(value) = pending.pop() {
        for target in refs(value) {
            let Some(entry) = component_of(&target) else {
                continue;
            };
            if let Some(found) = doc.root.pointer(&component_pointer(&entry)) {
                if reached.insert(entry) {
                    pending.push(found);
                }
            }
        }
    }
    let mut out = Map::new();
    let Some(sections) = doc.root.get("components").and_then(Value::as_object) else {
        return out;
    };
    for (section, entries) in sections {
        let Some(entries) = entries.as_object() else {
            continue;
        };
        let kept: Map<String, Value> = entries
            .iter()
            .filter(|(name, _)| reached.contains(&(section.clone(), (*name).clone())))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        if !kept.is_empty() {
            out.insert(section.clone(), Value::Object(kept));
        }
    }
    out
}

/// The security schemes named by the kept operations' effective `security` (their own,
/// else the document's) and by the document's own `security`, which the slice keeps.
fn security_schemes(doc: &Document, kept: &[Located]) -> BTreeSet<String> {
    let root = doc.root.get("security");
    let requirements = kept
        .iter()
        .filter_map(|op| doc.get(&format!("{}/security", op.pointer)))
        .chain(root);
    requirements
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|requirement| requirement.keys().cloned())
        .collect()
}

/// Every internal `$ref` in `value`, walked with an explicit stack so that a deeply
/// nested document cannot overflow the call stack.
fn refs(value: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                if let Some(target) = map.get("$ref").and_then(Value::as_str) {
                    if target.starts_with("#/") {
                        found.push(target.to_string());
                    }
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    found
}

/// The component (section, name) a `$ref` points into, such as
/// `("schemas", "workers-kv_messages")` for `#/components/schemas/workers-kv_messages/items`.
fn component_of(target: &str) -> Option<(String, String)> {
    let mut tokens = target.strip_prefix("#/components/")?.split('/');
    let section = unescape(tokens.next()?);
    let name = unescape(tokens.next()?);
    Some((section, name))
}

fn component_pointer((section, name): &(String, String)) -> String {
    format!(
        "/components/{}/{}",
        crate::error::escape_pointer_token(section),
        crate::error::escape_pointer_token(name)
    )
}

/// Undoes JSON pointer escaping (RFC 6901), as `resolve` reads `$ref`s.
fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// The document's `tags` entries that kept operations use, or `None` when none is.
fn used_tags(tags: &Value, kept: &[Located]) -> Option<Value> {
    let used: Vec<Value> = tags
        .as_array()?
        .iter()
        .filter(|tag| {
            let name = tag.get("name").and_then(Value::as_str);
            name.is_some_and(|name| kept.iter().any(|op| op.tags.iter().any(|t| t == name)))
        })
        .cloned()
        .collect();
    (!used.is_empty()).then_some(Value::Array(used))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r##"
openapi: 3.0.3
info: {title: t, version: '1'}
x-logo: dropped
servers: [{url: 'https://example.com/v1'}]
security: [{token: []}]
tags: [{name: a, description: The a tag.}, {name: b}]
paths:
  /a/{id}:
    parameters: [{$ref: '#/components/parameters/id'}]
    get:
      operationId: get-a
      tags: [a]
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {$ref: '#/components/schemas/a'}}}
    delete:
      operationId: delete-a
      security: [{key: []}]
      responses: {'204': {description: gone}}
  /b:
    get:
      operationId: get-b
      tags: [b]
      responses: {'200': {$ref: '#/components/responses/b'}}
components:
  schemas:
    unused: {type: string}
    a:
      type: object
      properties:
        child: {$ref: '#/components/schemas/a~1child'}
        self: {$ref: '#/components/schemas/a'}
    a/child: {type: string, description: "kept   verbatim\n"}
    b: {type: integer}
  parameters:
    id: {name: id, in: path, required: true, schema: {type: string}}
  responses:
    b:
      description: b
      content: {application/json: {schema: {$ref: '#/components/schemas/b'}}}
  securitySchemes:
    token: {type: http, scheme: bearer}
    key: {type: apiKey, in: header, name: X-Key}
"##;

    fn sliced(ops: &[&str]) -> Value {
        let doc = Document::from_text("d.yaml", DOC).unwrap();
        slice(&doc, &Settings::operations(ops.iter().copied())).unwrap()
    }

    #[test]
    fn keeps_the_selected_method_its_path_item_and_what_it_reaches() {
        let got = sliced(&["get-a"]);
        let keys: Vec<&String> = got.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "openapi",
                "info",
                "servers",
                "security",
                "tags",
                "paths",
                "components"
            ]
        );
        let item = &got["paths"]["/a/{id}"];
        let item_keys: Vec<&String> = item.as_object().unwrap().keys().collect();
        assert_eq!(item_keys, ["parameters", "get"], "delete-a is not selected");
        assert!(got["paths"].get("/b").is_none());
        let schemas: Vec<&String> = got["components"]["schemas"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(
            schemas,
            ["a", "a/child"],
            "upstream order, `unused` and `b` dropped"
        );
        assert_eq!(
            got["components"]["schemas"]["a/child"]["description"],
            "kept   verbatim\n"
        );
        assert!(got["components"]["parameters"].get("id").is_some());
        let schemes: Vec<&String> = got["components"]["securitySchemes"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(schemes, ["token"]);
        assert_eq!(
            got["tags"],
            serde_json::json!([{"name": "a", "description": "The a tag."}])
        );
    }

    #[test]
    fn follows_refs_through_responses_and_operation_security() {
        let got = sliced(&["get-b", "delete-a"]);
        assert!(got["components"]["responses"].get("b").is_some());
        assert!(got["components"]["schemas"].get("b").is_some());
        let schemes: Vec<&String> = got["components"]["securitySchemes"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(
            schemes,
            ["token", "key"],
            "the operation's own and the document's"
        );
    }

    #[test]
    fn a_slice_reslices_to_itself_and_prints_deterministically() {
        let once = sliced(&["get-a", "get-b"]);
        let doc = Document {
            file: "s.json".into(),
            root: once.clone(),
        };
        let twice = slice(&doc, &Settings::operations(["get-a", "get-b"])).unwrap();
        assert_eq!(once, twice);
        for syntax in [Syntax::Json, Syntax::Yaml] {
            let text = to_text(&once, syntax).unwrap();
            assert_eq!(text, to_text(&twice, syntax).unwrap());
            let back = Document::from_text("s", &text).unwrap();
            assert_eq!(
                back.root, once,
                "{syntax:?} text reads back to the same tree"
            );
        }
    }

    #[test]
    fn the_syntax_comes_from_the_extension() {
        assert_eq!(
            Syntax::for_path(Path::new("a/s.json")).unwrap(),
            Syntax::Json
        );
        assert_eq!(Syntax::for_path(Path::new("s.yml")).unwrap(), Syntax::Yaml);
        let err = Syntax::for_path(Path::new("s.txt"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("s.txt: #: cannot tell the output syntax"),
            "{err}"
        );
    }

    #[test]
    fn deprecated_twins_and_same_id_operations_come_along() {
        let doc = Document::from_text(
            "d.yaml",
            r#"
openapi: 3.0.3
paths:
  /old: {delete: {operationId: x-deprecated, deprecated: true, responses: {}}}
  /new: {post: {operationId: x, responses: {}}}
  /dup: {get: {operationId: y, tags: [t]}, put: {operationId: y}}
  /other: {get: {operationId: z}}
"#,
        )
        .unwrap();
        let settings = Settings {
            operations: vec!["x-deprecated".into()],
            tags: vec!["t".into()],
            ..Settings::default()
        };
        let got = slice(&doc, &settings).unwrap();
        let paths: Vec<&String> = got["paths"].as_object().unwrap().keys().collect();
        assert_eq!(paths, ["/old", "/new", "/dup"]);
        let dup: Vec<&String> = got["paths"]["/dup"].as_object().unwrap().keys().collect();
        assert_eq!(
            dup,
            ["get", "put"],
            "the second `y` decides the first one's key"
        );
    }
}
