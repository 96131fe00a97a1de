//! Resolve, part 0b: checks every schema of a raw piece of the document one level at a
//! time, before the piece is converted to `openapiv3` types.
//!
//! `openapiv3` derives its deserializers with untagged enums (`ReferenceOr`,
//! `SchemaKind`, `AdditionalProperties`). When a nested schema is invalid, each level
//! above it tries its remaining variants, and each try converts the nested schemas
//! again: the time doubles or more with every level (14 levels took 0.1 s, 30 would
//! take hours), so an invalid leaf under a deep schema hangs the generator. Checked
//! here level by level, with nested schemas replaced by `{}`, every schema is known to
//! convert before the whole piece is, and a valid piece converts in linear time. The
//! error also names the exact schema that is wrong.
//!
//! Outside schemas, two objects nest without bound and are never generated: callbacks
//! (operations within operations) and encodings (headers within media types within
//! headers). They are dropped before conversion, for the same reason.

use openapiv3::{ReferenceOr, Schema};
use serde_json::{Map, Value};

use crate::error::escape_pointer_token;

/// Keys of a schema whose value is one schema.
const ONE: [&str; 3] = ["items", "additionalProperties", "not"];
/// Keys of a schema whose value is a list of schemas.
const LIST: [&str; 3] = ["allOf", "oneOf", "anyOf"];

/// Keys outside schemas whose values are free-form JSON, never OpenAPI objects.
fn free_form(key: &str) -> bool {
    matches!(key, "example" | "examples" | "default" | "links") || key.starts_with("x-")
}

/// Keys outside schemas that nest without bound and that nothing generated uses.
const UNUSED: [&str; 2] = ["callbacks", "encoding"];

/// Prepares `value` (an operation, a parameter, a body, a response…) for conversion:
/// drops [`UNUSED`] keys, and checks every schema in it (every value of a `schema` key);
/// `at` is where `value` sits.
pub fn prepare(value: &mut Value, at: &str) -> Result<(), (String, String)> {
    let mut todo = vec![&mut *value];
    while let Some(value) = todo.pop() {
        match value {
            Value::Object(map) => {
                UNUSED.iter().for_each(|key| drop(map.shift_remove(*key)));
                todo.extend(
                    map.iter_mut()
                        .filter(|(k, _)| *k != "schema" && !free_form(k))
                        .map(|(_, v)| v),
                );
            }
            Value::Array(items) => todo.extend(items.iter_mut()),
            _ => {}
        }
    }
    check_pieces(value, at)
}

/// Finds the schemas in `value` (every value of a `schema` key) and checks each.
fn check_pieces(value: &Value, at: &str) -> Result<(), (String, String)> {
    let mut todo = vec![(at.to_string(), value)];
    while let Some((at, value)) = todo.pop() {
        let children: Vec<(String, &Value)> = match value {
            Value::Object(map) => map
                .iter()
                .filter(|(k, _)| !free_form(k))
                .map(|(k, v)| (k.clone(), v))
                .collect(),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
            _ => continue,
        };
        for (key, child) in children.into_iter().rev() {
            let child_at = format!("{at}/{}", escape_pointer_token(&key));
            if key == "schema" {
                check_schema(child, &child_at)?;
            } else {
                todo.push((child_at, child));
            }
        }
    }
    Ok(())
}

/// Checks the schema `value` (or `$ref`) and every schema nested in it, one level at a
/// time. The error is the pointer of the first wrong schema and what is wrong.
pub fn check_schema(value: &Value, at: &str) -> Result<(), (String, String)> {
    let mut todo = vec![(at.to_string(), value)];
    while let Some((at, value)) = todo.pop() {
        let shallow = hollow(value);
        if let Err(err) = serde_json::from_value::<ReferenceOr<Schema>>(shallow) {
            return Err((at, err.to_string()));
        }
        let Some(map) = value.as_object().filter(|m| !m.contains_key("$ref")) else {
            continue;
        };
        let mut nested = nested(map, &at);
        nested.reverse();
        todo.extend(nested);
    }
    Ok(())
}

/// The schemas nested one level below the schema `map`, with their pointers.
fn nested<'a>(map: &'a Map<String, Value>, at: &str) -> Vec<(String, &'a Value)> {
    let mut found = Vec::new();
    if let Some(Value::Object(properties)) = map.get("properties") {
        for (name, schema) in properties {
            let name = escape_pointer_token(name);
            found.push((format!("{at}/properties/{name}"), schema));
        }
    }
    for key in ONE {
        match map.get(key) {
            Some(schema @ Value::Object(_)) => found.push((format!("{at}/{key}"), schema)),
            _ => continue,
        }
    }
    for key in LIST {
        if let Some(Value::Array(members)) = map.get(key) {
            for (i, schema) in members.iter().enumerate() {
                found.push((format!("{at}/{key}/{i}"), schema));
            }
        }
    }
    found
}

/// A copy of the schema `value` with each nested schema replaced by `{}`, which always
/// converts; anything of the wrong JSON type is kept, so the check reports it.
fn hollow(value: &Value) -> Value {
    let Some(map) = value.as_object() else {
        return value.clone();
    };
    let mut copy = map.clone();
    if let Some(Value::Object(properties)) = copy.get_mut("properties") {
        properties
            .values_mut()
            .for_each(|v| *v = Value::Object(Map::new()));
    }
    for key in ONE {
        if let Some(v @ Value::Object(_)) = copy.get_mut(key) {
            *v = Value::Object(Map::new());
        }
    }
    for key in LIST {
        if let Some(Value::Array(members)) = copy.get_mut(key) {
            members
                .iter_mut()
                .for_each(|v| *v = Value::Object(Map::new()));
        }
    }
    Value::Object(copy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Puts a schema one level deeper.
    type Wrap = fn(Value) -> Value;

    /// A schema `depth` levels deep with `leaf` at the bottom, nested by `wrap`.
    fn deep(depth: usize, leaf: Value, wrap: Wrap) -> Value {
        (0..depth).fold(leaf, |inner, _| wrap(inner))
    }

    #[test]
    fn an_invalid_leaf_deep_down_is_named_without_exponential_retries() {
        let wraps: [(Wrap, &str); 3] = [
            (|v| json!({"type": "array", "items": v}), "/items"),
            (
                |v| json!({"type": "object", "properties": {"a~b": v}}),
                "/properties/a~0b",
            ),
            (|v| json!({"allOf": [v, {"type": "object"}]}), "/allOf/0"),
        ];
        for (wrap, step) in wraps {
            // 60 levels: converted whole, this would take longer than the universe.
            let schema = deep(60, json!({"type": 5}), wrap);
            let (at, message) = check_schema(&schema, "#/s").unwrap_err();
            assert_eq!(at, format!("#/s{}", step.repeat(60)));
            assert!(!message.is_empty());
        }
    }

    #[test]
    fn valid_schemas_pass_and_wrong_json_types_are_caught() {
        let valid = json!({"type": "object", "properties": {"a": {"$ref": "#/x", "bogus": 1}},
            "additionalProperties": true, "allOf": [{}], "not": {"type": "string"}});
        assert_eq!(check_schema(&valid, "#/s"), Ok(()));
        let wrong = json!({"type": "object", "properties": {"a": 5}});
        assert_eq!(
            check_schema(&wrong, "#/s").unwrap_err().0,
            "#/s/properties/a"
        );
        let wrong = json!({"items": [1]});
        assert_eq!(check_schema(&wrong, "#/s").unwrap_err().0, "#/s");
    }

    #[test]
    fn schemas_are_found_in_operations_but_not_in_examples() {
        let op = json!({
            "parameters": [{"name": "p", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": {"content": {"application/json": {
                "schema": {"type": "array", "items": {"type": []}},
                "example": {"schema": {"type": 5}}}}}},
        });
        let (at, _) = check_pieces(&op, "#/op").unwrap_err();
        assert_eq!(
            at,
            "#/op/responses/200/content/application~1json/schema/items"
        );
    }

    #[test]
    fn callbacks_and_encodings_are_dropped_before_conversion() {
        let mut op = json!({
            "callbacks": {"c": {"{$url}": {"post": {"responses": {"200": {"description": 5}}}}}},
            "requestBody": {"content": {"multipart/form-data": {
                "schema": {"type": "object"},
                "encoding": {"f": {"headers": {"h": {"style": 5}}}}}}},
            "responses": {"200": {"description": "ok"}},
        });
        prepare(&mut op, "#/op").unwrap();
        assert_eq!(op.get("callbacks"), None);
        assert_eq!(
            op["requestBody"]["content"]["multipart/form-data"].get("encoding"),
            None
        );
        serde_json::from_value::<openapiv3::Operation>(op).unwrap();
    }
}
