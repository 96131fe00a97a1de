//! Stage 1: load. Reads a document (JSON or YAML, told apart by content), checks that it
//! is OpenAPI 3.0, and keeps it as a plain JSON tree. YAML is read by `load::yaml`,
//! which applies merge keys (`<<`), keeps keys as written and bounds alias expansion.
//!
//! The tree is not deserialized into `openapiv3` types as a whole: `resolve` converts
//! only the pieces the selected operations reach. A broken operation far from the
//! selection therefore cannot stop generation, and picking one operation out of a
//! 4 MB document costs little more than parsing it.

mod yaml;

use std::path::Path;

use serde_json::Value;

pub use yaml::ALIAS_ALLOWANCE;

use crate::error::{Error, Result};

/// How deeply arrays and objects may nest in a document: the limit both parsers
/// (`serde_json`, `serde_yaml`) enforce while reading, which overlays must keep too, so
/// that no later stage can be made to recurse deeper.
pub const MAX_NESTING: usize = 128;

/// A loaded OpenAPI document.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The name used in error messages and the generated header: the file name as the
    /// user gave it, never made absolute.
    pub file: String,
    /// The document as a JSON tree.
    pub root: Value,
}

impl Document {
    /// Reads and checks the document at `path`.
    pub fn from_path(path: &Path) -> Result<Document> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Document::from_text(&display_name(path), &text)
    }

    /// Parses and checks a document held in memory; `file` names it in errors.
    pub fn from_text(file: &str, text: &str) -> Result<Document> {
        let root = parse_tree(file, text)?;
        check_version(file, &root)?;
        Ok(Document {
            file: file.to_string(),
            root,
        })
    }

    /// The value at a JSON pointer written as `#/a/b`, or `/a/b`.
    pub fn get(&self, pointer: &str) -> Option<&Value> {
        self.root.pointer(pointer.trim_start_matches('#'))
    }
}

/// Parses JSON or YAML text into a tree, choosing the parser by the first character.
pub fn parse_tree(file: &str, text: &str) -> Result<Value> {
    let syntax = |message: String| Error::Syntax {
        file: file.to_string(),
        message,
    };
    let text = text.trim_start_matches('\u{feff}');
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| syntax(e.to_string()))
    } else {
        yaml::parse(text).map_err(syntax)
    }
}

fn check_version(file: &str, root: &Value) -> Result<()> {
    let not_openapi = |message: &str| Error::NotOpenApi {
        file: file.to_string(),
        message: message.to_string(),
    };
    let Some(object) = root.as_object() else {
        return Err(not_openapi(
            "not an OpenAPI document: the top level is not an object",
        ));
    };
    if object.contains_key("swagger") {
        return Err(not_openapi(
            "Swagger 2.0 documents are not supported: convert it to OpenAPI 3.0 first",
        ));
    }
    match object.get("openapi").and_then(Value::as_str) {
        None => Err(not_openapi(
            "not an OpenAPI document: the top-level `openapi` field is missing",
        )),
        Some(v) if v.starts_with("3.0") => Ok(()),
        Some(v) if v.starts_with("3.1") => Err(not_openapi(&format!(
            "OpenAPI {v} is not supported: only OpenAPI 3.0.x documents are (3.1 changes `nullable`, `exclusiveMinimum` and `$ref` siblings)"
        ))),
        Some(v) => Err(not_openapi(&format!(
            "unsupported OpenAPI version {v}: only 3.0.x is supported"
        ))),
    }
}

/// How deeply arrays and objects nest in `value` (0 for a scalar), counted without
/// recursion.
pub fn nesting(value: &Value) -> usize {
    let mut deepest = 0;
    let mut todo = vec![(value, 1)];
    while let Some((value, depth)) = todo.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        deepest = deepest.max(depth);
        todo.extend(children.map(|child| (child, depth + 1)));
    }
    deepest
}

/// How a path is named in messages: as given, with separators normalised to `/`.
pub fn display_name(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_yaml_are_told_apart_by_content() {
        let json = Document::from_text("a", r#"{"openapi":"3.0.3","paths":{}}"#).unwrap();
        let yaml = Document::from_text("b", "openapi: 3.0.3\npaths:\n  /x: {}\n").unwrap();
        assert_eq!(json.get("#/openapi"), Some(&Value::from("3.0.3")));
        assert!(yaml.get("#/paths/~1x").is_some());
    }

    #[test]
    fn yaml_integer_keys_become_strings() {
        let doc = Document::from_text("a", "openapi: 3.0.3\nresponses:\n  200: {}\n").unwrap();
        assert!(doc.get("#/responses/200").is_some());
    }

    #[test]
    fn versions_other_than_3_0_are_refused_with_a_reason() {
        let cases = [
            (
                "swagger: '2.0'\n",
                "Swagger 2.0 documents are not supported",
            ),
            ("openapi: 3.1.0\n", "OpenAPI 3.1.0 is not supported"),
            ("info: {}\n", "top-level `openapi` field is missing"),
            ("- 1\n", "top level is not an object"),
        ];
        for (text, want) in cases {
            let err = Document::from_text("spec.yaml", text)
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("spec.yaml: "), "{err}");
            assert!(err.contains(want), "{err}");
        }
    }

    #[test]
    fn deeply_nested_documents_are_syntax_errors() {
        let deep = 100_000;
        let flow = format!("{}{}", "[".repeat(deep), "]".repeat(deep));
        // Block nesting costs indentation: 2,000 levels are 2 MB of spaces.
        let block: String = (0..2_000)
            .map(|i| format!("{}- \n", " ".repeat(i)))
            .collect();
        let cases = [
            (
                "a.json",
                format!("{{\"openapi\": \"3.0.3\", \"x\": {flow}}}"),
            ),
            ("a.yaml", format!("openapi: 3.0.3\nx: {flow}\n")),
            ("a.yaml", format!("openapi: 3.0.3\nx:\n{block}")),
        ];
        for (file, text) in cases {
            let err = Document::from_text(file, &text).unwrap_err().to_string();
            assert!(err.starts_with(&format!("{file}: syntax error: ")), "{err}");
            assert!(err.contains("recursion limit exceeded") || err.contains("nest more than 128"));
        }
    }

    #[test]
    fn syntax_errors_name_the_file_and_line() {
        let err = Document::from_text("spec.json", "{\"openapi\": }").unwrap_err();
        assert!(
            err.to_string().starts_with("spec.json: syntax error: "),
            "{err}"
        );
        assert!(err.to_string().contains("line 1"), "{err}");
    }
}
