//! Stage 1b: select. Finds the operations the settings ask for in the loaded tree,
//! before anything is resolved, so only their closure is ever converted.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::error::{Error, Result, escape_pointer_token};
use crate::ir::Method;
use crate::load::Document;
use crate::settings::Settings;

/// Where one operation sits in the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The key the operation is known by: its operationId, or, for a later duplicate of
    /// an id, the id followed by `@METHOD path` so that both can be generated.
    pub key: String,
    /// The operationId as written (empty if the document gives none).
    pub id: String,
    /// The path template.
    pub path: String,
    /// The method.
    pub method: Method,
    /// JSON pointer of the operation object.
    pub pointer: String,
    /// The operation's tags.
    pub tags: Vec<String>,
}

/// Every operation in the document, in document order.
pub fn all_operations(doc: &Document) -> Vec<Located> {
    let Some(paths) = doc.root.get("paths").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut seen = BTreeSet::new();
    let mut found = Vec::new();
    for (path, item) in paths {
        for method in Method::ALL {
            let Some(op) = item.get(method.key()).filter(|op| op.is_object()) else {
                continue;
            };
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let key = if id.is_empty() || !seen.insert(id.to_string()) {
                format!("{id}@{} {path}", method.wire())
            } else {
                id.to_string()
            };
            found.push(Located {
                key,
                id: id.to_string(),
                path: path.clone(),
                method,
                pointer: format!("#/paths/{}/{}", escape_pointer_token(path), method.key()),
                tags: tags(op),
            });
        }
    }
    found
}

/// The operations the settings select, in document order, each once.
pub fn select(doc: &Document, settings: &Settings) -> Result<Vec<Located>> {
    if !settings.all && settings.operations.is_empty() && settings.tags.is_empty() {
        return Err(Error::NothingSelected);
    }
    let all = all_operations(doc);
    check_ids_exist(doc, &all, &settings.operations)?;
    check_tags_exist(doc, &all, &settings.tags)?;
    Ok(all
        .into_iter()
        .filter(|op| {
            settings.all
                || settings.operations.contains(&op.id)
                || op.tags.iter().any(|t| settings.tags.contains(t))
        })
        .collect())
}

fn check_ids_exist(doc: &Document, all: &[Located], ids: &[String]) -> Result<()> {
    let known: BTreeSet<&str> = all.iter().map(|op| op.id.as_str()).collect();
    match ids.iter().find(|id| !known.contains(id.as_str())) {
        None => Ok(()),
        Some(id) => Err(Error::UnknownOperation {
            file: doc.file.clone(),
            id: id.clone(),
            suggestions: closest(id, &known),
        }),
    }
}

fn check_tags_exist(doc: &Document, all: &[Located], tags: &[String]) -> Result<()> {
    let known: BTreeSet<&str> = all
        .iter()
        .flat_map(|op| op.tags.iter().map(String::as_str))
        .collect();
    match tags.iter().find(|t| !known.contains(t.as_str())) {
        None => Ok(()),
        Some(tag) => Err(Error::UnknownTag {
            file: doc.file.clone(),
            tag: tag.clone(),
        }),
    }
}

/// Up to three known ids closest to `wanted`, best first; ties break alphabetically.
fn closest(wanted: &str, known: &BTreeSet<&str>) -> Vec<String> {
    let mut scored: BTreeMap<(u64, &str), ()> = BTreeMap::new();
    for id in known {
        let score = strsim::jaro_winkler(wanted, id);
        if score >= 0.8 {
            // Higher similarity sorts first.
            scored.insert(((1.0 - score).mul_add(1e9, 0.0) as u64, id), ());
        }
    }
    scored
        .into_keys()
        .take(3)
        .map(|(_, id)| id.to_string())
        .collect()
}

fn tags(op: &Value) -> Vec<String> {
    op.get("tags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Document {
        Document::from_text(
            "t.yaml",
            r#"
openapi: 3.0.3
paths:
  /a:
    get: {operationId: list-things, tags: [things]}
    post: {operationId: create-thing, tags: [things]}
  /b:
    delete: {operationId: delete-thing, tags: [other]}
    put: {operationId: list-things}
"#,
        )
        .unwrap()
    }

    #[test]
    fn duplicate_ids_get_distinct_keys() {
        let keys: Vec<String> = all_operations(&doc()).into_iter().map(|o| o.key).collect();
        assert_eq!(
            keys,
            [
                "list-things",
                "create-thing",
                "list-things@PUT /b",
                "delete-thing"
            ]
        );
    }

    #[test]
    fn selection_by_id_tag_and_all() {
        let by_tag = Settings {
            tags: vec!["other".into()],
            ..Settings::default()
        };
        let got: Vec<String> = select(&doc(), &by_tag)
            .unwrap()
            .into_iter()
            .map(|o| o.key)
            .collect();
        assert_eq!(got, ["delete-thing"]);
        let all = Settings {
            all: true,
            ..Settings::default()
        };
        assert_eq!(select(&doc(), &all).unwrap().len(), 4);
        let one = Settings::operations(["create-thing"]);
        assert_eq!(select(&doc(), &one).unwrap()[0].pointer, "#/paths/~1a/post");
    }

    #[test]
    fn unknown_id_suggests_the_closest() {
        let err = select(&doc(), &Settings::operations(["delete-thngs"])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.yaml: no operation with operationId `delete-thngs`; did you mean delete-thing?"
        );
        let err = select(
            &doc(),
            &Settings {
                tags: vec!["nope".into()],
                ..Settings::default()
            },
        );
        assert_eq!(
            err.unwrap_err().to_string(),
            "t.yaml: no operation has the tag `nope`"
        );
        assert!(matches!(
            select(&doc(), &Settings::default()),
            Err(Error::NothingSelected)
        ));
    }
}
