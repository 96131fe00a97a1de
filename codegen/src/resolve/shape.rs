//! Resolve, part 1: one normalised view of a schema, whatever form the document used.
//!
//! `openapiv3` puts any schema whose keywords do not fit its typed variants into
//! `AnySchema`: an array carrying `minLength`, an object carrying `uniqueItems`, a
//! schema with no `type`. The real Cloudflare documents are full of these, so every
//! schema goes through [`shape`] and the rest of `resolve` never looks at `SchemaKind`.

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, AnySchema, ReferenceOr, Schema, SchemaKind, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};
use serde_json::Value;

/// A schema reduced to what code generation needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// A string, possibly an enumeration.
    String {
        /// Allowed values; empty when any string is allowed.
        values: Vec<String>,
        /// `minLength`.
        min_length: Option<usize>,
        /// `maxLength`.
        max_length: Option<usize>,
        /// `format: binary`.
        binary: bool,
    },
    /// An integer; `unsigned` when its `minimum` is zero or more.
    Integer {
        /// Whether the value can never be negative.
        unsigned: bool,
    },
    /// A number.
    Number,
    /// A boolean (`enum: [true]` included: the value is still a boolean).
    Boolean,
    /// An object.
    Object {
        /// Declared properties, in document order.
        properties: IndexMap<String, ReferenceOr<Schema>>,
        /// Names of required properties.
        required: Vec<String>,
        /// `additionalProperties`: `None` when absent or `false`, `Some(None)` for `true`.
        additional: Option<Option<ReferenceOr<Schema>>>,
    },
    /// An array.
    Array {
        /// The item schema, if any.
        items: Option<ReferenceOr<Schema>>,
        /// `minItems`.
        min_items: Option<usize>,
        /// `maxItems`.
        max_items: Option<usize>,
    },
    /// `allOf`: every member applies.
    AllOf(Vec<ReferenceOr<Schema>>),
    /// `oneOf` or `anyOf`: one of the members applies.
    OneOf(Vec<ReferenceOr<Schema>>),
    /// Anything (no constraint we can type, or `not`).
    Any,
}

/// The normalised view of `schema`.
pub fn shape(schema: &Schema) -> Shape {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => Shape::String {
            values: s.enumeration.iter().flatten().cloned().collect(),
            min_length: s.min_length,
            max_length: s.max_length,
            binary: matches!(
                s.format,
                VariantOrUnknownOrEmpty::Item(StringFormat::Binary)
            ),
        },
        SchemaKind::Type(Type::Integer(i)) => Shape::Integer {
            unsigned: i.minimum.is_some_and(|m| m >= 0),
        },
        SchemaKind::Type(Type::Number(_)) => Shape::Number,
        SchemaKind::Type(Type::Boolean(_)) => Shape::Boolean,
        SchemaKind::Type(Type::Object(o)) => {
            object(&o.properties, &o.required, &o.additional_properties)
        }
        SchemaKind::Type(Type::Array(a)) => Shape::Array {
            items: a.items.as_ref().map(unbox),
            min_items: a.min_items,
            max_items: a.max_items,
        },
        SchemaKind::AllOf { all_of } => Shape::AllOf(all_of.clone()),
        SchemaKind::OneOf { one_of: list } | SchemaKind::AnyOf { any_of: list } => {
            Shape::OneOf(list.clone())
        }
        SchemaKind::Not { .. } => Shape::Any,
        SchemaKind::Any(any) => any_shape(any),
    }
}

/// Infers the shape of a schema that did not fit a typed variant: by `type` when given,
/// otherwise by the keywords present.
fn any_shape(any: &AnySchema) -> Shape {
    if !any.all_of.is_empty() {
        return all_of_with_siblings(any);
    }
    if !any.one_of.is_empty() || !any.any_of.is_empty() {
        return Shape::OneOf(any.one_of.iter().chain(&any.any_of).cloned().collect());
    }
    let typ = any.typ.as_deref().unwrap_or_else(|| infer_type(any));
    match typ {
        "object" => object(&any.properties, &any.required, &any.additional_properties),
        "array" => Shape::Array {
            items: any.items.as_ref().map(unbox),
            min_items: any.min_items,
            max_items: any.max_items,
        },
        "string" => Shape::String {
            values: any
                .enumeration
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            min_length: any.min_length,
            max_length: any.max_length,
            binary: any.format.as_deref() == Some("binary"),
        },
        "integer" => Shape::Integer {
            unsigned: any.minimum.is_some_and(|m| m >= 0.0),
        },
        "number" => Shape::Number,
        "boolean" => Shape::Boolean,
        _ => Shape::Any,
    }
}

/// The JSON type a schema without `type` must have, judged by its keywords.
fn infer_type(any: &AnySchema) -> &'static str {
    let all_strings = !any.enumeration.is_empty() && any.enumeration.iter().all(Value::is_string);
    if !any.properties.is_empty() || any.additional_properties.is_some() {
        "object"
    } else if any.items.is_some() {
        "array"
    } else if all_strings
        || any.min_length.is_some()
        || any.max_length.is_some()
        || any.pattern.is_some()
        || any.format.is_some()
    {
        "string"
    } else if any.minimum.is_some() || any.maximum.is_some() || any.multiple_of.is_some() {
        "number"
    } else {
        ""
    }
}

/// `allOf` next to sibling keywords: the siblings that describe an object join the
/// members as one more member, so nothing they declare is lost.
fn all_of_with_siblings(any: &AnySchema) -> Shape {
    let mut members = any.all_of.clone();
    if !any.properties.is_empty() {
        let mut sibling = AnySchema {
            typ: Some("object".into()),
            ..AnySchema::default()
        };
        sibling.properties = any.properties.clone();
        sibling.required = any.required.clone();
        members.push(ReferenceOr::Item(Schema {
            schema_data: Default::default(),
            schema_kind: SchemaKind::Any(sibling),
        }));
    }
    Shape::AllOf(members)
}

fn object(
    properties: &IndexMap<String, ReferenceOr<Box<Schema>>>,
    required: &[String],
    additional: &Option<AdditionalProperties>,
) -> Shape {
    Shape::Object {
        properties: properties
            .iter()
            .map(|(k, v)| (k.clone(), unbox(v)))
            .collect(),
        required: required.to_vec(),
        additional: match additional {
            None | Some(AdditionalProperties::Any(false)) => None,
            Some(AdditionalProperties::Any(true)) => Some(None),
            Some(AdditionalProperties::Schema(s)) => Some(Some((**s).clone())),
        },
    }
}

/// Drops the `Box` that `openapiv3` puts around nested schemas.
pub fn unbox(schema: &ReferenceOr<Box<Schema>>) -> ReferenceOr<Schema> {
    match schema {
        ReferenceOr::Reference { reference } => ReferenceOr::Reference {
            reference: reference.clone(),
        },
        ReferenceOr::Item(s) => ReferenceOr::Item((**s).clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape_of(json: &str) -> Shape {
        shape(&serde_json::from_str(json).unwrap())
    }

    #[test]
    fn quirky_keywords_keep_their_meaning() {
        // minLength on an array (the `errors` property of the failure envelope).
        assert!(matches!(
            shape_of(r#"{"type":"array","items":{"type":"string"},"minLength":1}"#),
            Shape::Array { items: Some(_), .. }
        ));
        // uniqueItems on an object.
        assert!(matches!(
            shape_of(
                r#"{"type":"object","properties":{"a":{"type":"string"}},"uniqueItems":true}"#
            ),
            Shape::Object { .. }
        ));
        // enum: [true] is still a boolean.
        assert_eq!(
            shape_of(r#"{"type":"boolean","enum":[true]}"#),
            Shape::Boolean
        );
    }

    #[test]
    fn schemas_without_type_are_inferred() {
        assert!(matches!(
            shape_of(r#"{"enum":["a","b"],"maxLength":3}"#),
            Shape::String { ref values, max_length: Some(3), .. } if values == &["a", "b"]
        ));
        assert!(matches!(
            shape_of(r#"{"format":"binary"}"#),
            Shape::String { binary: true, .. }
        ));
        assert_eq!(shape_of(r#"{"minimum":1}"#), Shape::Number);
        assert_eq!(shape_of(r#"{}"#), Shape::Any);
    }

    #[test]
    fn all_of_siblings_become_a_member() {
        let got = shape_of(
            r##"{"allOf":[{"$ref":"#/components/schemas/a"}],"properties":{"x":{"type":"string"}}}"##,
        );
        assert!(
            matches!(got, Shape::AllOf(ref m) if m.len() == 2),
            "{got:?}"
        );
        let single = shape_of(
            r##"{"allOf":[{"$ref":"#/components/schemas/a"}],"minLength":1,"example":[]}"##,
        );
        assert!(matches!(single, Shape::AllOf(ref m) if m.len() == 1));
    }
}
