//! Resolve, part 2: schemas to [`TypeRef`]s and named [`TypeDef`]s.
//!
//! Objects, enumerations and `oneOf`s become named types; primitives and arrays stay
//! inline even when the document names them, so `workers-kv_identifier` is a plain
//! `String` with its checks, not a type alias. Each `$ref` target is converted once.

use indexmap::IndexMap;
use openapiv3::{ReferenceOr, Schema};

use super::shape::{Shape, shape};
use super::{MAX_DEPTH, Resolver};
use crate::error::{Result, escape_pointer_token};
use crate::ir::{Checks, Field, TypeKind, TypeRef, Variant};
use crate::naming::{self, Scope};

/// A property gathered while merging `allOf` members, with where it was declared.
struct Property {
    schema: ReferenceOr<Schema>,
    at: String,
}

/// What merging the members of an `allOf` has gathered so far.
#[derive(Default)]
struct Merged {
    properties: IndexMap<String, Property>,
    required: Vec<String>,
    /// The `$ref` targets whose `allOf`s are being merged, outermost first, so that a
    /// member that includes one of them again is caught.
    chain: Vec<String>,
}

impl Resolver<'_> {
    /// The type of a schema or `$ref`; `hint` names it if it needs a new named type.
    pub(super) fn type_of(
        &mut self,
        schema: &ReferenceOr<Schema>,
        hint: &str,
        at: &str,
    ) -> Result<TypeRef> {
        self.descend(at, |this| match schema {
            ReferenceOr::Reference { reference } => this.type_of_ref(reference, at),
            ReferenceOr::Item(schema) => this.type_of_schema(schema, None, hint, at),
        })
    }

    /// The type a `$ref` target resolves to, converting it on first use.
    fn type_of_ref(&mut self, reference: &str, at: &str) -> Result<TypeRef> {
        if let Some(ty) = self.refs.get(reference) {
            return Ok(ty.clone());
        }
        if let Some(i) = self.active.iter().position(|a| a.reference == reference) {
            if self.building.len() > self.active[i].building {
                // A struct or union on the way back names the recursion; the inline
                // shape (array, map) that reaches it again has no name of its own, so
                // its inner occurrence is any JSON value.
                return Ok(TypeRef::Any);
            }
            return Err(self.recursive(i, reference));
        }
        let raw = self.typed_schema(self.target(reference, at)?.clone(), reference)?;
        let hint = reference
            .rsplit('/')
            .next()
            .unwrap_or(reference)
            .to_string();
        self.active.push(super::Active {
            reference: reference.to_string(),
            building: self.building.len(),
        });
        let ty = match &raw {
            // A target that is only a `$ref` is another name for what it points at.
            ReferenceOr::Reference { .. } => self.type_of(&raw, &hint, reference),
            ReferenceOr::Item(schema) => {
                self.type_of_schema(schema, Some(reference), &hint, reference)
            }
        };
        self.active.pop();
        let ty = ty?;
        self.remember(reference, ty.clone());
        Ok(ty)
    }

    fn remember(&mut self, reference: &str, ty: TypeRef) {
        if self.refs.insert(reference.to_string(), ty).is_none() {
            self.journal.push(super::Added::Ref(reference.to_string()));
        }
    }

    /// The type of an inline schema. `target` is the `$ref` it was reached through.
    fn type_of_schema(
        &mut self,
        schema: &Schema,
        target: Option<&str>,
        hint: &str,
        at: &str,
    ) -> Result<TypeRef> {
        let ty = match shape(schema) {
            Shape::String { values, .. } if !values.is_empty() => {
                let name = self.claim_type(hint);
                let description = schema.schema_data.description.clone();
                self.define(&name, at, description, TypeKind::Enum(variants(&values)));
                TypeRef::Named(name)
            }
            Shape::String { binary: true, .. } => TypeRef::String,
            Shape::String { .. } => TypeRef::String,
            Shape::Integer { unsigned: false } => TypeRef::Integer,
            Shape::Integer { unsigned: true } => TypeRef::Unsigned,
            Shape::Number => TypeRef::Number,
            Shape::Boolean => TypeRef::Boolean,
            Shape::Any => TypeRef::Any,
            Shape::Array { items, .. } => {
                let item = match items {
                    Some(items) => {
                        self.type_of(&items, &naming::item_hint(hint), &format!("{at}/items"))?
                    }
                    None => TypeRef::Any,
                };
                TypeRef::Array(Box::new(item))
            }
            Shape::Object {
                properties,
                required,
                additional,
            } if properties.is_empty() => {
                let value = match additional.flatten() {
                    Some(value) => self.type_of(
                        &value,
                        &naming::value_hint(hint),
                        &format!("{at}/additionalProperties"),
                    )?,
                    None => TypeRef::Any,
                };
                let _ = required;
                TypeRef::Map(Box::new(value))
            }
            Shape::Object {
                properties,
                required,
                ..
            } => {
                let props = properties
                    .into_iter()
                    .map(|(k, v)| {
                        let at = format!("{at}/properties/{}", escape_pointer_token(&k));
                        (k, Property { schema: v, at })
                    })
                    .collect();
                self.named_struct(schema, target, hint, at, props, required)?
            }
            Shape::AllOf(members) => self.all_of(schema, target, hint, at, &members)?,
            Shape::OneOf(members) => self.one_of(schema, target, hint, at, &members)?,
        };
        Ok(nullable(ty, schema.schema_data.nullable))
    }

    /// Builds a named struct. The name is registered as the `$ref` target's type before
    /// the fields are converted, so a field that reaches the struct again finds it.
    fn named_struct(
        &mut self,
        schema: &Schema,
        target: Option<&str>,
        hint: &str,
        at: &str,
        properties: IndexMap<String, Property>,
        required: Vec<String>,
    ) -> Result<TypeRef> {
        let name = self.claim_type(hint);
        if let Some(target) = target {
            self.remember(
                target,
                nullable(TypeRef::Named(name.clone()), schema.schema_data.nullable),
            );
        }
        self.building.push(name.clone());
        let fields = self.fields(&name, properties, &required);
        self.building.pop();
        let description = schema.schema_data.description.clone();
        self.define(&name, at, description, TypeKind::Struct(fields?));
        Ok(TypeRef::Named(name))
    }

    fn fields(
        &mut self,
        owner: &str,
        properties: IndexMap<String, Property>,
        required: &[String],
    ) -> Result<Vec<Field>> {
        let mut scope = Scope::new();
        let mut fields = Vec::with_capacity(properties.len());
        for (wire_name, property) in properties {
            let hint = naming::property_hint(owner, &wire_name);
            let ty = self.type_of(&property.schema, &hint, &property.at)?;
            fields.push(Field {
                rust_name: scope.claim_value(naming::value_name(&wire_name)),
                boxed: self.points_at_building(&ty),
                required: required.contains(&wire_name),
                description: self.description_of(&property.schema),
                ty,
                wire_name,
            });
        }
        Ok(fields)
    }

    /// Whether a field of this type would make a struct contain itself without
    /// indirection.
    fn points_at_building(&self, ty: &TypeRef) -> bool {
        match ty {
            TypeRef::Named(name) => self.building.contains(name),
            TypeRef::Nullable(inner) => self.points_at_building(inner),
            _ => false,
        }
    }

    /// `allOf`: a single member is that member's type; object members merge into one
    /// struct (later members win on a clash); anything else is any JSON value.
    fn all_of(
        &mut self,
        schema: &Schema,
        target: Option<&str>,
        hint: &str,
        at: &str,
        members: &[ReferenceOr<Schema>],
    ) -> Result<TypeRef> {
        if let [only] = members {
            return self.type_of(only, hint, &format!("{at}/allOf/0"));
        }
        let mut merged = Merged {
            chain: target.into_iter().map(str::to_string).collect(),
            ..Merged::default()
        };
        for (i, member) in members.iter().enumerate() {
            if !self.merge_member(member, &format!("{at}/allOf/{i}"), &mut merged)? {
                return Ok(TypeRef::Any);
            }
        }
        let Merged {
            properties,
            required,
            ..
        } = merged;
        self.named_struct(schema, target, hint, at, properties, required)
    }

    /// Adds an `allOf` member's properties; false when the member is not an object.
    fn merge_member(
        &mut self,
        member: &ReferenceOr<Schema>,
        at: &str,
        merged: &mut Merged,
    ) -> Result<bool> {
        let (schema, at) = self.deref_schema(member, at)?;
        let followed = matches!(member, ReferenceOr::Reference { .. });
        if followed {
            if let Some(i) = merged.chain.iter().position(|c| *c == at) {
                let mut cycle = merged.chain[i..].to_vec();
                cycle.push(at.clone());
                return Err(self.recursive_schema(&at, cycle));
            }
        }
        match shape(&schema) {
            Shape::Object {
                properties: props,
                required: req,
                ..
            } => {
                for (name, prop) in props {
                    let prop_at = format!("{at}/properties/{}", escape_pointer_token(&name));
                    let property = Property {
                        schema: prop,
                        at: prop_at,
                    };
                    merged.properties.insert(name, property);
                }
                for name in req {
                    if !merged.required.contains(&name) {
                        merged.required.push(name);
                    }
                }
                Ok(true)
            }
            Shape::AllOf(inner) => {
                if followed {
                    merged.chain.push(at.clone());
                }
                let result = self.descend(&at, |this| {
                    for (i, m) in inner.iter().enumerate() {
                        if !this.merge_member(m, &format!("{at}/allOf/{i}"), merged)? {
                            return Ok(false);
                        }
                    }
                    Ok(true)
                });
                if followed {
                    merged.chain.pop();
                }
                result
            }
            // A member with no constraints (only a description, say) adds nothing.
            Shape::Any => Ok(true),
            _ => Ok(false),
        }
    }

    /// `oneOf` / `anyOf`: an untagged enum tried in order.
    fn one_of(
        &mut self,
        schema: &Schema,
        target: Option<&str>,
        hint: &str,
        at: &str,
        members: &[ReferenceOr<Schema>],
    ) -> Result<TypeRef> {
        if let [only] = members {
            return self.type_of(only, hint, &format!("{at}/oneOf/0"));
        }
        let name = self.claim_type(hint);
        if let Some(target) = target {
            self.remember(target, TypeRef::Named(name.clone()));
        }
        self.building.push(name.clone());
        let mut variants = Vec::with_capacity(members.len());
        for (i, member) in members.iter().enumerate() {
            let ty = self.type_of(
                member,
                &naming::member_hint(&name, i),
                &format!("{at}/oneOf/{i}"),
            );
            variants.push(ty.inspect_err(|_| {
                self.building.pop();
            })?);
        }
        self.building.pop();
        variants.dedup();
        let own = TypeRef::Named(name.clone());
        if variants
            .iter()
            .all(|v| *v == own || nullable(own.clone(), true) == *v)
        {
            // Every member is the union itself: no value could ever match.
            return Err(self.recursive_schema(at, vec![at.to_string(), at.to_string()]));
        }
        self.define(
            &name,
            at,
            schema.schema_data.description.clone(),
            TypeKind::Untagged(variants),
        );
        Ok(TypeRef::Named(name))
    }

    /// Follows `$ref`s to the schema they name, with the pointer where it sits.
    pub(super) fn deref_schema(
        &self,
        schema: &ReferenceOr<Schema>,
        at: &str,
    ) -> Result<(Schema, String)> {
        let mut current = schema.clone();
        let mut at = at.to_string();
        let mut seen: Vec<String> = Vec::new();
        loop {
            match current {
                ReferenceOr::Item(schema) => return Ok((schema, at)),
                ReferenceOr::Reference { reference } => {
                    if let Some(i) = seen.iter().position(|s| *s == reference) {
                        let mut cycle = seen.split_off(i);
                        cycle.push(reference.clone());
                        return Err(self.recursive_schema(&reference, cycle));
                    }
                    if seen.len() >= MAX_DEPTH {
                        return Err(self.too_deep(&reference));
                    }
                    let value = self.target(&reference, &at)?.clone();
                    at.clone_from(&reference);
                    seen.push(reference);
                    current = self.typed_schema(value, &at)?;
                }
            }
        }
    }

    /// The description of a schema, looking through a `$ref` when the use site has none.
    pub(super) fn description_of(&self, schema: &ReferenceOr<Schema>) -> Option<String> {
        self.deref_schema(schema, "#")
            .ok()
            .and_then(|(s, _)| s.schema_data.description)
    }

    /// The constraints the generated code checks, read through `$ref`s and single-member
    /// `allOf`s.
    pub(super) fn checks(&self, schema: &ReferenceOr<Schema>, at: &str) -> Result<Checks> {
        self.checks_within(schema, at, 0)
    }

    fn checks_within(
        &self,
        schema: &ReferenceOr<Schema>,
        at: &str,
        depth: usize,
    ) -> Result<Checks> {
        if depth >= MAX_DEPTH {
            return Err(self.too_deep(at));
        }
        let (schema, at) = self.deref_schema(schema, at)?;
        Ok(match shape(&schema) {
            Shape::String {
                min_length,
                max_length,
                ..
            } => Checks {
                min_length,
                max_length,
                ..Checks::default()
            },
            Shape::Array {
                items,
                min_items,
                max_items,
            } => {
                let item = match items {
                    Some(items) => self.checks_within(&items, &format!("{at}/items"), depth + 1)?,
                    None => Checks::default(),
                };
                Checks {
                    min_items,
                    max_items,
                    item_min_length: item.min_length,
                    item_max_length: item.max_length,
                    ..Checks::default()
                }
            }
            Shape::AllOf(members) if members.len() == 1 => {
                self.checks_within(&members[0], &format!("{at}/allOf/0"), depth + 1)?
            }
            _ => Checks::default(),
        })
    }
}

fn nullable(ty: TypeRef, nullable: bool) -> TypeRef {
    match ty {
        TypeRef::Nullable(_) => ty,
        ty if nullable => TypeRef::Nullable(Box::new(ty)),
        ty => ty,
    }
}

fn variants(values: &[String]) -> Vec<Variant> {
    let mut scope = Scope::new();
    let mut seen = std::collections::BTreeSet::new();
    values
        .iter()
        .filter(|v| seen.insert(v.as_str()))
        .map(|v| Variant {
            wire_name: v.clone(),
            rust_name: scope.claim(naming::type_name(v)),
        })
        .collect()
}
