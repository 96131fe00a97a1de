//! Diff, error responses: compares each operation's error responses (`4XX`, `5XX`,
//! specific 4xx and 5xx codes, `default`) at wire level. The generated client decodes
//! error envelopes generically, so no generated type changes, but a user who reads
//! `errors`, `messages` or `result` out of a failure does depend on them: every change
//! is at least a warning.
//!
//! The schemas are compared on the raw documents, as JSON travels: `$ref`s are followed
//! (a renamed component with the same content is no change), `allOf` members are merged,
//! property order and documentation keywords (`description`, `example`, `title`, `x-…`)
//! are ignored.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::compare::{Diff, Loc};
use super::{Affects, Level, locate};
use crate::error::escape_pointer_token;
use crate::ir::Operation;
use crate::load::Document;

/// How deep nested schemas are compared; deeper changes are not reported.
const MAX_DEPTH: usize = 24;
/// How many changes are listed per error response before the rest are counted.
const MAX_CHANGES: usize = 20;
/// Keywords compared as values (constraints that decide which JSON is valid).
const CONSTRAINTS: [&str; 12] = [
    "format",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "uniqueItems",
];

/// The error responses of the operation at `operation`: status (upper-cased, so `4xx`
/// pairs with `4XX`) to the pointer of the response, `$ref`s followed.
fn error_responses(doc: &Document, operation: &str) -> BTreeMap<String, String> {
    let Some(responses) = doc
        .get(&format!("{operation}/responses"))
        .and_then(Value::as_object)
    else {
        return BTreeMap::new();
    };
    responses
        .keys()
        .filter(|code| *code == "default" || code.starts_with(['4', '5']))
        .map(|code| {
            let at = format!("{operation}/responses/{}", escape_pointer_token(code));
            let status = match code.as_str() {
                "default" => code.clone(),
                _ => code.to_ascii_uppercase(),
            };
            (status, locate::follow(doc, &at))
        })
        .collect()
}

/// The pointer of the response's body schema: `application/json`, else the first
/// media type that has a schema.
fn body_schema(doc: &Document, response: &str) -> Option<String> {
    let content = doc
        .get(&format!("{response}/content"))
        .and_then(Value::as_object)?;
    let pick = content
        .get_key_value("application/json")
        .filter(|(_, media)| media.get("schema").is_some())
        .or_else(|| {
            content
                .iter()
                .find(|(_, media)| media.get("schema").is_some())
        })?;
    Some(format!(
        "{response}/content/{}/schema",
        escape_pointer_token(pick.0)
    ))
}

impl Diff<'_> {
    /// Error responses of a pair of operations.
    pub(super) fn error_responses(&mut self, a: &Operation, b: &Operation) {
        let old = error_responses(self.old.doc, &a.pointer);
        let new = error_responses(self.new.doc, &b.pointer);
        let statuses: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
        for status in statuses {
            let loc = Loc {
                old: old.get(status).cloned(),
                new: new.get(status).cloned(),
            };
            let (kind, message) = match (&loc.old, &loc.new) {
                (Some(pa), Some(pb)) => {
                    self.error_bodies(status, pa, pb, &loc);
                    continue;
                }
                (Some(_), None) => (
                    "error-response-removed",
                    format!("the `{status}` error response is no longer documented"),
                ),
                (None, Some(_)) => (
                    "error-response-added",
                    format!("a `{status}` error response is now documented"),
                ),
                (None, None) => continue,
            };
            self.note(Level::Warning, Affects::Wire, kind, &loc)
                .says(message);
        }
    }

    fn error_bodies(&mut self, status: &str, old: &str, new: &str, loc: &Loc) {
        let (sa, sb) = (
            body_schema(self.old.doc, old),
            body_schema(self.new.doc, new),
        );
        let changes = match (&sa, &sb) {
            (Some(sa), Some(sb)) => {
                let mut walk = Walk {
                    old: self.old.doc,
                    new: self.new.doc,
                    changes: Vec::new(),
                    seen: BTreeSet::new(),
                };
                walk.schema(sa, sb, "", 0);
                walk.changes
            }
            (Some(_), None) => vec!["the body is no longer documented".to_string()],
            (None, Some(_)) => vec!["a body is now documented".to_string()],
            (None, None) => Vec::new(),
        };
        let loc = Loc {
            old: sa.or(loc.old.clone()),
            new: sb.or(loc.new.clone()),
        };
        let extra = changes.len().saturating_sub(MAX_CHANGES);
        for change in changes.into_iter().take(MAX_CHANGES) {
            let message = format!("`{status}` error response: {change}");
            self.note(
                Level::Warning,
                Affects::Wire,
                "error-response-changed",
                &loc,
            )
            .says(message);
        }
        if extra > 0 {
            let message = format!("`{status}` error response: {extra} more change(s)");
            self.note(
                Level::Warning,
                Affects::Wire,
                "error-response-changed",
                &loc,
            )
            .says(message);
        }
    }
}

/// A schema as it constrains JSON: `$ref`s followed, `allOf` merged. Nested schemas
/// are kept as pointers and compared when the walk reaches them.
#[derive(Debug, Default)]
struct View {
    types: BTreeSet<String>,
    nullable: bool,
    values: Option<BTreeSet<String>>,
    properties: BTreeMap<String, String>,
    required: BTreeSet<String>,
    items: Option<String>,
    /// `additionalProperties`: `None` when absent, else `true`/`false` or a pointer.
    additional: Option<String>,
    alternatives: Vec<String>,
    constraints: BTreeMap<&'static str, String>,
}

impl View {
    fn of(doc: &Document, at: &str) -> View {
        let mut view = View::default();
        view.merge(doc, at, &mut BTreeSet::new());
        view
    }

    /// Merges the schema at `at` and its `allOf` members; `merged` holds the schemas
    /// already merged, so that an `allOf` reaching itself (even twice per level) is
    /// merged once instead of exponentially often.
    fn merge(&mut self, doc: &Document, at: &str, merged: &mut BTreeSet<String>) {
        let at = locate::follow(doc, at);
        if !merged.insert(at.clone()) {
            return;
        }
        let Some(node) = doc.get(&at).and_then(Value::as_object) else {
            return;
        };
        let text = |v: &Value| v.to_string();
        if let Some(ty) = node.get("type").and_then(Value::as_str) {
            self.types.insert(ty.to_string());
        }
        self.nullable |= node.get("nullable").and_then(Value::as_bool) == Some(true);
        if let Some(values) = node.get("enum").and_then(Value::as_array) {
            self.values = Some(values.iter().map(text).collect());
        }
        for name in node
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let pointer = format!("{at}/properties/{}", escape_pointer_token(name.0));
            self.properties.insert(name.0.clone(), pointer);
        }
        let required = node.get("required").and_then(Value::as_array);
        self.required.extend(
            required
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(String::from),
        );
        if node.contains_key("items") {
            self.items = Some(format!("{at}/items"));
        }
        match node.get("additionalProperties") {
            Some(Value::Bool(allowed)) => self.additional = Some(allowed.to_string()),
            Some(_) => self.additional = Some(format!("{at}/additionalProperties")),
            None => {}
        }
        for key in ["oneOf", "anyOf"] {
            let count = node.get(key).and_then(Value::as_array).map_or(0, Vec::len);
            self.alternatives
                .extend((0..count).map(|i| format!("{at}/{key}/{i}")));
        }
        for keyword in CONSTRAINTS {
            if let Some(value) = node.get(keyword) {
                self.constraints.insert(keyword, text(value));
            }
        }
        let members = node
            .get("allOf")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        for i in 0..members {
            self.merge(doc, &format!("{at}/allOf/{i}"), merged);
        }
    }
}

/// One comparison of two schemas, collecting what changed as sentences.
struct Walk<'a> {
    old: &'a Document,
    new: &'a Document,
    changes: Vec<String>,
    /// Pairs of schemas already compared, so recursive schemas terminate.
    seen: BTreeSet<(String, String)>,
}

impl Walk<'_> {
    fn schema(&mut self, old: &str, new: &str, path: &str, depth: usize) {
        let pair = (locate::follow(self.old, old), locate::follow(self.new, new));
        if depth > MAX_DEPTH || !self.seen.insert(pair.clone()) {
            return;
        }
        let (a, b) = (View::of(self.old, &pair.0), View::of(self.new, &pair.1));
        let at = place(path);
        self.keywords(&a, &b, &at);
        self.properties(&a, &b, path, depth);
        match (&a.items, &b.items) {
            (Some(ia), Some(ib)) => self.schema(ia, ib, &format!("{path}[]"), depth + 1),
            (None, None) => {}
            _ => self.say(format!("{at}: `items` {}", presence(&a.items, &b.items))),
        }
        match (&a.additional, &b.additional) {
            (Some(pa), Some(pb)) if pa.starts_with('#') && pb.starts_with('#') => {
                self.schema(pa, pb, &format!("{path}{{*}}"), depth + 1);
            }
            (pa, pb) if pa != pb => self.say(format!(
                "{at}: `additionalProperties` changed from {} to {}",
                shown(pa),
                shown(pb)
            )),
            _ => {}
        }
        self.alternatives(&a, &b, path, depth);
    }

    fn keywords(&mut self, a: &View, b: &View, at: &str) {
        if a.types != b.types {
            let list = |t: &BTreeSet<String>| match t.is_empty() {
                true => "none".to_string(),
                false => t
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            self.say(format!(
                "{at}: type changed from {} to {}",
                list(&a.types),
                list(&b.types)
            ));
        }
        if a.nullable != b.nullable {
            let how = if b.nullable {
                "now allows"
            } else {
                "no longer allows"
            };
            self.say(format!("{at}: {how} `null`"));
        }
        if a.values != b.values {
            let set = |v: &Option<BTreeSet<String>>| match v {
                Some(values) => values.iter().cloned().collect::<Vec<_>>().join(", "),
                None => "any value".to_string(),
            };
            self.say(format!(
                "{at}: allowed values changed from [{}] to [{}]",
                set(&a.values),
                set(&b.values)
            ));
        }
        for keyword in CONSTRAINTS {
            let (ca, cb) = (a.constraints.get(keyword), b.constraints.get(keyword));
            if ca != cb {
                let show = |c: Option<&String>| c.cloned().unwrap_or_else(|| "nothing".into());
                self.say(format!(
                    "{at}: `{keyword}` changed from {} to {}",
                    show(ca),
                    show(cb)
                ));
            }
        }
    }

    fn properties(&mut self, a: &View, b: &View, path: &str, depth: usize) {
        let at = place(path);
        let names: BTreeSet<&String> = a.properties.keys().chain(b.properties.keys()).collect();
        for name in names {
            let child = match path.is_empty() {
                true => name.clone(),
                false => format!("{path}.{name}"),
            };
            match (a.properties.get(name), b.properties.get(name)) {
                (Some(pa), Some(pb)) => self.schema(pa, pb, &child, depth + 1),
                (Some(_), None) => self.say(format!("{at}: property `{name}` removed")),
                (None, Some(_)) => self.say(format!("{at}: property `{name}` added")),
                (None, None) => {}
            }
            match (a.required.contains(name), b.required.contains(name)) {
                (false, true) => self.say(format!("{at}: property `{name}` became required")),
                (true, false) => self.say(format!("{at}: property `{name}` became optional")),
                _ => {}
            }
        }
    }

    fn alternatives(&mut self, a: &View, b: &View, path: &str, depth: usize) {
        if a.alternatives.len() != b.alternatives.len() {
            self.say(format!(
                "{}: {} alternatives (`oneOf`/`anyOf`) instead of {}",
                place(path),
                b.alternatives.len(),
                a.alternatives.len()
            ));
            return;
        }
        for (i, (pa, pb)) in a.alternatives.iter().zip(&b.alternatives).enumerate() {
            self.schema(pa, pb, &format!("{path}<{i}>"), depth + 1);
        }
    }

    fn say(&mut self, change: String) {
        self.changes.push(change);
    }
}

/// How a place in the body is named: `the body`, or its path in backticks.
fn place(path: &str) -> String {
    match path {
        "" => "the body".to_string(),
        path => format!("`{path}`"),
    }
}

fn presence(old: &Option<String>, new: &Option<String>) -> &'static str {
    match (old, new) {
        (None, Some(_)) => "added",
        _ => "removed",
    }
}

fn shown(value: &Option<String>) -> String {
    match value.as_deref() {
        None => "absent".into(),
        Some(pointer) if pointer.starts_with('#') => "a schema".into(),
        Some(flag) => format!("`{flag}`"),
    }
}
