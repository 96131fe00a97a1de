//! Stage 1a: overlay. Applies an OpenAPI Overlay 1.0 document to a loaded tree, so facts
//! the upstream document leaves out can be added without editing the upstream file.
//!
//! Targets are JSONPath (RFC 9535) expressions. The supported subset is what overlays
//! use in practice: the root `$`, member names (`.name`, `['name']`, `["name"]`), array
//! indices (`[0]`, `[-1]`) and wildcards (`.*`, `[*]`). Filters and descendant segments
//! are refused with a message that says so. Every JSONPath crate on crates.io pulls in
//! a second major version of `syn` (through its macros) plus `regex`; this subset keeps
//! the build of every build.rs user lean.

use serde_json::Value;

use crate::error::{Error, Result};
use std::path::Path;

use crate::load::{Document, MAX_NESTING, display_name, parse_tree};

/// One selector of a JSONPath.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Selector {
    Name(String),
    Index(i64),
    Wildcard,
}

/// Reads the overlay at `path` and applies it to `doc`.
pub fn apply_file(doc: &mut Document, path: &Path) -> Result<()> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    apply(doc, &display_name(path), &text)
}

/// Applies the overlay named `overlay_file`, already read into `text`, to `doc`.
pub fn apply(doc: &mut Document, overlay_file: &str, text: &str) -> Result<()> {
    let overlay = parse_tree(overlay_file, text)?;
    let invalid = |pointer: &str, message: String| Error::Invalid {
        file: overlay_file.to_string(),
        pointer: pointer.to_string(),
        message,
    };
    if overlay
        .get("overlay")
        .and_then(Value::as_str)
        .is_none_or(|v| !v.starts_with("1."))
    {
        return Err(invalid(
            "#/overlay",
            "not an Overlay 1.x document: `overlay: 1.0.0` is missing".into(),
        ));
    }
    let actions = overlay
        .get("actions")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("#/actions", "`actions` must be a list".into()))?;
    for (i, action) in actions.iter().enumerate() {
        let at = format!("#/actions/{i}");
        let target = action
            .get("target")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid(&at, "`target` is missing".into()))?;
        let path = parse_path(target).map_err(|m| invalid(&format!("{at}/target"), m))?;
        let pointers = locate(&doc.root, &path);
        if pointers.is_empty() {
            return Err(invalid(
                &format!("{at}/target"),
                format!("`{target}` matches nothing in {}", doc.file),
            ));
        }
        check_nesting(&pointers, action).map_err(|m| invalid(&format!("{at}/update"), m))?;
        // Last match first: removing an array element shifts the indexes of the
        // elements after it, which were matched too, so those must go before it.
        for pointer in pointers.iter().rev() {
            apply_action(&mut doc.root, pointer, action);
        }
    }
    Ok(())
}

/// Refuses an update that would nest the document deeper than the parsers allow: a
/// chain of actions, each adding nesting below the last, could otherwise build a tree
/// deep enough to exhaust the stack of whatever walks it next.
fn check_nesting(pointers: &[String], action: &Value) -> std::result::Result<(), String> {
    let Some(update) = action.get("update") else {
        return Ok(());
    };
    let below = crate::load::nesting(update);
    let deepest = pointers
        .iter()
        .map(|p| p.matches('/').count() + below)
        .max()
        .unwrap_or(0);
    if deepest > MAX_NESTING {
        return Err(format!(
            "the update would nest the document {deepest} levels deep; at most {MAX_NESTING} are allowed"
        ));
    }
    Ok(())
}

fn apply_action(root: &mut Value, pointer: &str, action: &Value) {
    if action.get("remove").and_then(Value::as_bool) == Some(true) {
        remove(root, pointer);
    } else if let (Some(update), Some(node)) = (action.get("update"), root.pointer_mut(pointer)) {
        merge(node, update);
    }
}

/// Overlay `update` semantics: objects merge recursively, arrays append, anything else
/// replaces.
fn merge(node: &mut Value, update: &Value) {
    match (node, update) {
        (Value::Object(node), Value::Object(update)) => {
            for (key, value) in update {
                match node.get_mut(key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        node.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (Value::Array(node), Value::Array(update)) => node.extend(update.iter().cloned()),
        (node, update) => *node = update.clone(),
    }
}

fn remove(root: &mut Value, pointer: &str) {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return;
    };
    let key = last.replace("~1", "/").replace("~0", "~");
    match root.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.shift_remove(&key);
        }
        Some(Value::Array(list)) => {
            if let Ok(i) = key.parse::<usize>() {
                if i < list.len() {
                    list.remove(i);
                }
            }
        }
        _ => {}
    }
}

/// The JSON pointers of every node `path` selects, in document order.
fn locate(root: &Value, path: &[Selector]) -> Vec<String> {
    let mut current = vec![(String::new(), root)];
    for selector in path {
        current = current
            .into_iter()
            .flat_map(|(at, node)| children(&at, node, selector))
            .collect();
    }
    current.into_iter().map(|(at, _)| at).collect()
}

fn children<'a>(at: &str, node: &'a Value, selector: &Selector) -> Vec<(String, &'a Value)> {
    let child = |key: &str| format!("{at}/{}", crate::error::escape_pointer_token(key));
    match (selector, node) {
        (Selector::Name(name), Value::Object(map)) => map
            .get(name)
            .map(|v| (child(name), v))
            .into_iter()
            .collect(),
        (Selector::Index(i), Value::Array(list)) => {
            let index = if *i < 0 { list.len() as i64 + i } else { *i };
            usize::try_from(index)
                .ok()
                .and_then(|i| list.get(i).map(|v| (child(&i.to_string()), v)))
                .into_iter()
                .collect()
        }
        (Selector::Wildcard, Value::Object(map)) => {
            map.iter().map(|(k, v)| (child(k), v)).collect()
        }
        (Selector::Wildcard, Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, v)| (child(&i.to_string()), v))
            .collect(),
        _ => Vec::new(),
    }
}

/// Parses the supported JSONPath subset.
fn parse_path(text: &str) -> std::result::Result<Vec<Selector>, String> {
    let rest = text
        .trim()
        .strip_prefix('$')
        .ok_or_else(|| format!("JSONPath `{text}` must start with `$`"))?;
    let mut chars = rest.chars().peekable();
    let mut path = Vec::new();
    while let Some(c) = chars.next() {
        match c {
            '.' if chars.peek() == Some(&'.') => {
                return Err(format!(
                    "JSONPath `{text}`: descendant segments (`..`) are not supported"
                ));
            }
            '.' => {
                let name: String =
                    std::iter::from_fn(|| chars.next_if(|c| *c != '.' && *c != '[')).collect();
                path.push(if name == "*" {
                    Selector::Wildcard
                } else {
                    Selector::Name(name)
                });
            }
            '[' => {
                let inner: String = std::iter::from_fn(|| chars.next_if(|c| *c != ']')).collect();
                chars
                    .next()
                    .ok_or_else(|| format!("JSONPath `{text}`: unclosed `[`"))?;
                path.push(bracket(text, inner.trim())?);
            }
            other => return Err(format!("JSONPath `{text}`: unexpected `{other}`")),
        }
    }
    Ok(path)
}

fn bracket(text: &str, inner: &str) -> std::result::Result<Selector, String> {
    let quoted = |q: char| inner.strip_prefix(q).and_then(|s| s.strip_suffix(q));
    if let Some(name) = quoted('\'').or_else(|| quoted('"')) {
        return Ok(Selector::Name(name.to_string()));
    }
    if inner == "*" {
        return Ok(Selector::Wildcard);
    }
    if inner.starts_with('?') {
        return Err(format!(
            "JSONPath `{text}`: filter expressions are not supported"
        ));
    }
    inner
        .parse()
        .map(Selector::Index)
        .map_err(|_| format!("JSONPath `{text}`: unsupported selector `[{inner}]`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Document {
        Document::from_text(
            "spec.yaml",
            "openapi: 3.0.3\npaths:\n  /a/{b}:\n    post:\n      tags: [x]\n      summary: old\ncomponents:\n  schemas:\n    s-1: {type: array}\n",
        )
        .unwrap()
    }

    #[test]
    fn paths_parse_to_selectors() {
        assert_eq!(
            parse_path("$.paths['/a/{b}'].post[\"tags\"][0].*").unwrap(),
            [
                Selector::Name("paths".into()),
                Selector::Name("/a/{b}".into()),
                Selector::Name("post".into()),
                Selector::Name("tags".into()),
                Selector::Index(0),
                Selector::Wildcard,
            ]
        );
        assert!(parse_path("$..x").unwrap_err().contains("descendant"));
        assert!(parse_path("$.a[?(@.b)]").unwrap_err().contains("filter"));
        assert!(
            parse_path("a.b")
                .unwrap_err()
                .contains("must start with `$`")
        );
    }

    #[test]
    fn update_merges_and_remove_deletes() {
        let mut d = doc();
        let overlay = "overlay: 1.0.0\nactions:\n  - target: $.components.schemas['s-1']\n    update: {maxItems: 3}\n  - target: $.paths.*.post\n    update: {summary: new, tags: [y]}\n  - target: $.paths.*.post.tags[0]\n    remove: true\n";
        apply(&mut d, "o.yaml", overlay).unwrap();
        assert_eq!(
            d.get("#/components/schemas/s-1/maxItems"),
            Some(&Value::from(3))
        );
        assert_eq!(
            d.get("#/paths/~1a~1{b}/post/summary"),
            Some(&Value::from("new"))
        );
        assert_eq!(
            d.get("#/paths/~1a~1{b}/post/tags"),
            Some(&serde_json::json!(["y"]))
        );
    }

    #[test]
    fn remove_deletes_every_matched_element() {
        let mut d = Document::from_text(
            "spec.yaml",
            "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      parameters: [{name: p0}, {name: p1}, {name: p2}, {name: p3}, {name: p4}]\n  /b:\n    get:\n      parameters: [{name: q0}, {name: q1}, {name: q2}]\n      tags: [t0, t1, t2]\n",
        )
        .unwrap();
        let overlay = "overlay: 1.0.0\nactions:\n  - target: $.paths.*.get.parameters[*]\n    remove: true\n  - target: $.paths['/b'].get.tags[1]\n    remove: true\n";
        apply(&mut d, "o.yaml", overlay).unwrap();
        assert_eq!(
            d.get("#/paths/~1a/get/parameters"),
            Some(&serde_json::json!([]))
        );
        assert_eq!(
            d.get("#/paths/~1b/get/parameters"),
            Some(&serde_json::json!([]))
        );
        assert_eq!(
            d.get("#/paths/~1b/get/tags"),
            Some(&serde_json::json!(["t0", "t2"]))
        );
    }

    #[test]
    fn updates_cannot_nest_the_document_past_the_parsers_limit() {
        let deep = |n: usize| (0..n).fold(serde_json::json!(1), |v, _| serde_json::json!({"a": v}));
        let first = serde_json::json!({"target": "$.paths", "update": {"x": deep(100)}});
        let below_first = format!("$.paths.x{}", ".a".repeat(99));
        let second = serde_json::json!({"target": below_first, "update": deep(100)});
        let overlay = serde_json::json!({"overlay": "1.0.0", "actions": [first, second]});
        let mut d = doc();
        let err = apply(&mut d, "o.json", &overlay.to_string()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "o.json: #/actions/1/update: the update would nest the document 201 levels deep; at most 128 are allowed"
        );
    }

    #[test]
    fn targets_that_match_nothing_are_errors() {
        let err = apply(
            &mut doc(),
            "o.yaml",
            "overlay: 1.0.0\nactions:\n  - target: $.nope\n    update: {}\n",
        );
        assert_eq!(
            err.unwrap_err().to_string(),
            "o.yaml: #/actions/0/target: `$.nope` matches nothing in spec.yaml"
        );
        let err = apply(&mut doc(), "o.yaml", "actions: []\n").unwrap_err();
        assert!(
            err.to_string().contains("not an Overlay 1.x document"),
            "{err}"
        );
    }
}
