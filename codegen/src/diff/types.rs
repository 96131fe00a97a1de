//! Diff, types: compares two [`TypeRef`]s structurally, following named types into
//! both [`crate::ir::Api::types`] at once. Names matter only to the Rust API: a renamed
//! schema with the same structure and the same generated name is no change at all.

use std::collections::{BTreeMap, BTreeSet};

use super::compare::{Diff, Direction, Loc, NAMED_NESTING, Place};
use super::{Affects, Level, locate};
use crate::ir::{Checks, Field, TypeDef, TypeKind, TypeRef, Variant};

impl Diff<'_> {
    /// Compares the type at `place` in the old and the new document.
    pub(super) fn compare_type(&mut self, old: &TypeRef, new: &TypeRef, place: &Place) {
        match (old, new) {
            (TypeRef::Nullable(a), TypeRef::Nullable(b)) => self.compare_type(a, b, place),
            (TypeRef::Nullable(a), b) => {
                self.nullability(place, false);
                self.compare_type(a, b, place);
            }
            (a, TypeRef::Nullable(b)) => {
                self.nullability(place, true);
                self.compare_type(a, b, place);
            }
            (TypeRef::Named(a), TypeRef::Named(b)) => self.named(a, b, place),
            (TypeRef::Array(a), TypeRef::Array(b)) => {
                self.compare_type(a, b, &within(place, "/items", "items of"))
            }
            (TypeRef::Map(a), TypeRef::Map(b)) => {
                self.compare_type(a, b, &within(place, "/additionalProperties", "values of"))
            }
            (a, b) if a == b => {}
            _ => self.type_changed(old, new, place),
        }
    }

    fn nullability(&mut self, place: &Place, now_nullable: bool) {
        let what = &place.what;
        let (level, affects, message) = match (now_nullable, place.direction) {
            (true, Direction::Response) => (
                Level::Breaking,
                Affects::Wire,
                format!("{what} may now be null"),
            ),
            (true, Direction::Request) => (
                Level::Breaking,
                Affects::Rust,
                format!("{what} now accepts null: its Rust type becomes an `Option`"),
            ),
            (false, Direction::Response) => (
                Level::Breaking,
                Affects::Rust,
                format!("{what} is no longer null: its Rust type is no longer an `Option`"),
            ),
            (false, Direction::Request) => (
                Level::Breaking,
                Affects::Wire,
                format!("{what} no longer accepts null"),
            ),
        };
        let kind = if now_nullable {
            "became-nullable"
        } else {
            "no-longer-nullable"
        };
        self.note(level, affects, kind, &place.loc)
            .rust(place.rust_item.as_deref())
            .says(message);
    }

    /// A type changed to an unrelated one. When one side is any JSON value, the wire
    /// does not change in the direction that matters, only the Rust type does.
    fn type_changed(&mut self, old: &TypeRef, new: &TypeRef, place: &Place) {
        let loosened = match place.direction {
            Direction::Request => *new == TypeRef::Any,
            Direction::Response => *old == TypeRef::Any || *new == TypeRef::Any,
        };
        let affects = if loosened {
            Affects::Rust
        } else {
            Affects::Wire
        };
        let message = format!(
            "type of {} changed from {} to {}",
            place.what,
            self.describe(old, true),
            self.describe(new, false)
        );
        self.note(Level::Breaking, affects, "type-changed", &place.loc)
            .rust(place.rust_item.as_deref())
            .says(message);
    }

    /// Two named types: a new Rust name is a Rust-only change; the structure is compared
    /// either way, once per pair and direction. Past [`NAMED_NESTING`] named types deep,
    /// the pair is deferred rather than compared by recursing further.
    pub(super) fn named(&mut self, a: &str, b: &str, place: &Place) {
        if self.depth >= NAMED_NESTING {
            self.deferred
                .push((a.to_string(), b.to_string(), place.clone()));
            return;
        }
        self.depth += 1;
        self.named_now(a, b, place);
        self.depth -= 1;
    }

    fn named_now(&mut self, a: &str, b: &str, place: &Place) {
        if !self
            .visited
            .insert((a.to_string(), b.to_string(), place.direction))
        {
            return;
        }
        let (Some(da), Some(db)) = (self.old.api.types.get(a), self.new.api.types.get(b)) else {
            return;
        };
        let loc = Loc::both(da.origin.clone(), db.origin.clone());
        if a != b {
            let message = format!(
                "generated type `{a}` (in {}) is now named `{b}`",
                place.what
            );
            self.note(Level::Breaking, Affects::Rust, "type-renamed", &loc)
                .rust(Some(b))
                .says(message);
        }
        self.docs(
            &loc,
            &format!("description of `{b}`"),
            da.description.as_deref(),
            db.description.as_deref(),
            Some(b),
        );
        self.kinds(da, db, place, loc);
    }

    /// The shapes of two named types, compared member by member when they match.
    fn kinds(&mut self, da: &TypeDef, db: &TypeDef, place: &Place, loc: Loc) {
        let (a, b) = (da.name.as_str(), db.name.as_str());
        match (&da.kind, &db.kind) {
            (TypeKind::Struct(fa), TypeKind::Struct(fb)) => {
                self.fields(da, db, fa, fb, place.direction)
            }
            (TypeKind::Enum(va), TypeKind::Enum(vb)) => self.variants(db, va, vb, &loc),
            (TypeKind::Untagged(ua), TypeKind::Untagged(ub)) if ua.len() == ub.len() => {
                for (i, (ta, tb)) in ua.iter().zip(ub).enumerate() {
                    let inner = Place {
                        loc: loc.clone(),
                        what: format!("variant {i} of `{b}`"),
                        rust_item: Some(b.to_string()),
                        ..place.clone()
                    };
                    self.compare_type(ta, tb, &inner);
                }
            }
            _ => {
                let place = Place {
                    loc,
                    ..place.clone()
                };
                self.type_changed(&TypeRef::Named(a.into()), &TypeRef::Named(b.into()), &place);
            }
        }
    }

    fn fields(
        &mut self,
        da: &TypeDef,
        db: &TypeDef,
        fa: &[Field],
        fb: &[Field],
        direction: Direction,
    ) {
        let by_wire = |fields: &[Field]| {
            fields
                .iter()
                .map(|f| (f.wire_name.clone(), f.clone()))
                .collect::<BTreeMap<_, _>>()
        };
        let (old, new) = (by_wire(fa), by_wire(fb));
        let names: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
        for name in names {
            let loc = Loc {
                old: old
                    .get(name)
                    .map(|_| locate::property(self.old.doc, &da.origin, name)),
                new: new
                    .get(name)
                    .map(|_| locate::property(self.new.doc, &db.origin, name)),
            };
            let place = Place {
                direction,
                loc,
                what: format!("property `{name}` of `{}`", db.name),
                rust_item: None,
            };
            match (old.get(name), new.get(name)) {
                (Some(a), Some(b)) => self.field(&db.name, a, b, &place),
                (Some(a), None) => self.field_presence(&da.name, a, &place, false),
                (None, Some(b)) => self.field_presence(&db.name, b, &place, true),
                (None, None) => {}
            }
        }
    }

    fn field(&mut self, owner: &str, a: &Field, b: &Field, place: &Place) {
        let item = format!("{owner}.{}", b.rust_name.in_code());
        let place = Place {
            rust_item: Some(item.clone()),
            ..place.clone()
        };
        if a.rust_name != b.rust_name {
            let message = format!(
                "field `{owner}.{}` renamed to `{}`",
                a.rust_name.in_code(),
                b.rust_name.in_code()
            );
            self.note(Level::Breaking, Affects::Rust, "field-renamed", &place.loc)
                .rust(Some(&item))
                .says(message);
        }
        if a.boxed != b.boxed {
            let how = if b.boxed {
                "is now boxed"
            } else {
                "is no longer boxed"
            };
            let message = format!("field `{item}` {how}");
            self.note(
                Level::Breaking,
                Affects::Rust,
                "field-boxing-changed",
                &place.loc,
            )
            .rust(Some(&item))
            .says(message);
        }
        self.optionality(&item, a, b, &place);
        self.docs(
            &place.loc,
            &format!("description of {}", place.what),
            a.description.as_deref(),
            b.description.as_deref(),
            Some(&item),
        );
        self.compare_type(non_null(&a.ty), non_null(&b.ty), &place);
    }

    /// `required` and `nullable` of a field together, because the generated field is an
    /// `Option` when either allows no value: a change breaks the wire when the reader
    /// may get less than before, and the Rust API when the field's `Option` comes or
    /// goes; otherwise it only relaxes or tightens a promise.
    fn optionality(&mut self, item: &str, a: &Field, b: &Field, place: &Place) {
        let (a_null, b_null) = (non_null(&a.ty) != &a.ty, non_null(&b.ty) != &b.ty);
        let mut rust = match (!a.required || a_null, !b.required || b_null) {
            (false, true) => format!("; `{item}` becomes an `Option`"),
            (true, false) => format!("; `{item}` is no longer an `Option`"),
            _ => String::new(),
        };
        let request = place.direction == Direction::Request;
        let changes = [
            (
                a.required != b.required && b.required,
                "became-required",
                request,
                "became required",
                "requests without it are refused",
            ),
            (
                a.required != b.required && !b.required,
                "became-optional",
                !request,
                "became optional",
                "responses may leave it out",
            ),
            (
                a_null != b_null && b_null,
                "became-nullable",
                !request,
                "may now be null",
                "responses may send null",
            ),
            (
                a_null != b_null && !b_null,
                "no-longer-nullable",
                request,
                "may no longer be null",
                "requests with null are refused",
            ),
        ];
        for (_, kind, breaks_wire, what, why) in changes.into_iter().filter(|change| change.0) {
            let (level, affects, why) = match (breaks_wire, rust.is_empty()) {
                (true, _) => (Level::Breaking, Affects::Wire, why),
                (false, false) => (Level::Breaking, Affects::Rust, "the wire stays compatible"),
                (false, true) => (
                    Level::Additive,
                    Affects::Wire,
                    "the wire stays compatible and the Rust type is the same",
                ),
            };
            let message = format!("{} {what}: {why}{}", place.what, std::mem::take(&mut rust));
            self.note(level, affects, kind, &place.loc)
                .rust(Some(item))
                .says(message);
        }
    }

    /// A property that exists on one side only.
    fn field_presence(&mut self, owner: &str, field: &Field, place: &Place, added: bool) {
        let item = format!("{owner}.{}", field.rust_name.in_code());
        let what = &place.what;
        let (level, affects, kind, message) = match (added, field.required, place.direction) {
            (true, true, Direction::Request) => (
                Level::Breaking,
                Affects::Wire,
                "property-added",
                format!("new required {what}: requests must send it"),
            ),
            (true, _, _) => {
                let how = if field.required {
                    "required"
                } else {
                    "optional"
                };
                (
                    Level::Additive,
                    Affects::Wire,
                    "property-added",
                    format!("new {how} {what}: new field `{item}`"),
                )
            }
            (false, _, Direction::Response) => (
                Level::Breaking,
                Affects::Wire,
                "property-removed",
                format!("{what} removed from responses: field `{item}` goes away"),
            ),
            (false, _, Direction::Request) => (
                Level::Breaking,
                Affects::Rust,
                "property-removed",
                format!("{what} removed: field `{item}` goes away"),
            ),
        };
        self.note(level, affects, kind, &place.loc)
            .rust(Some(&item))
            .says(message);
    }

    fn variants(&mut self, db: &TypeDef, va: &[Variant], vb: &[Variant], loc: &Loc) {
        let by_wire = |vs: &[Variant]| {
            vs.iter()
                .map(|v| (v.wire_name.clone(), v.rust_name.clone()))
                .collect::<BTreeMap<_, _>>()
        };
        let (old, new) = (by_wire(va), by_wire(vb));
        let loc = loc.join("/enum");
        let name = &db.name;
        for (wire, rust) in &old {
            match new.get(wire) {
                None => {
                    let message =
                        format!("enum value `{wire}` removed: variant `{name}::{rust}` goes away");
                    self.note(Level::Breaking, Affects::Wire, "enum-value-removed", &loc)
                        .rust(Some(name))
                        .says(message);
                }
                Some(now) if now != rust => {
                    let message =
                        format!("variant `{name}::{rust}` (`{wire}`) renamed to `{name}::{now}`");
                    self.note(Level::Breaking, Affects::Rust, "variant-renamed", &loc)
                        .rust(Some(name))
                        .says(message);
                }
                Some(_) => {}
            }
        }
        for (wire, rust) in new.iter().filter(|(wire, _)| !old.contains_key(*wire)) {
            let message = format!(
                "new enum value `{wire}` as `{name}::{rust}`: generated enums are exhaustive, \
                 so `match`es on `{name}` must handle it, and clients generated from the old \
                 document cannot decode it"
            );
            self.note(Level::Warning, Affects::Rust, "enum-value-added", &loc)
                .rust(Some(name))
                .says(message);
        }
    }

    /// Constraints the generated client checks before sending: tighter ones refuse
    /// requests that used to go out.
    pub(super) fn checks(&mut self, old: &Checks, new: &Checks, place: &Place) {
        let lower = [
            ("minLength", old.min_length, new.min_length),
            ("minItems", old.min_items, new.min_items),
            ("item minLength", old.item_min_length, new.item_min_length),
        ];
        let upper = [
            ("maxLength", old.max_length, new.max_length),
            ("maxItems", old.max_items, new.max_items),
            ("item maxLength", old.item_max_length, new.item_max_length),
        ];
        for (name, a, b) in lower {
            if a != b {
                self.constraint(place, name, a, b, b.unwrap_or(0) > a.unwrap_or(0));
            }
        }
        for (name, a, b) in upper {
            if a != b {
                self.constraint(
                    place,
                    name,
                    a,
                    b,
                    b.unwrap_or(usize::MAX) < a.unwrap_or(usize::MAX),
                );
            }
        }
    }

    fn constraint(
        &mut self,
        place: &Place,
        name: &str,
        old: Option<usize>,
        new: Option<usize>,
        tighter: bool,
    ) {
        let show = |v: Option<usize>| v.map_or("none".to_string(), |v| v.to_string());
        let message = format!(
            "{name} of {} changed from {} to {}",
            place.what,
            show(old),
            show(new)
        );
        let (level, affects, kind) = match tighter {
            true => (Level::Breaking, Affects::Wire, "constraint-tightened"),
            false => (Level::Additive, Affects::Wire, "constraint-loosened"),
        };
        self.note(level, affects, kind, &place.loc)
            .rust(place.rust_item.as_deref())
            .says(message);
    }

    /// How a message names a type: the Rust spelling, plus the kind of a named type.
    fn describe(&self, ty: &TypeRef, old: bool) -> String {
        let types = if old {
            &self.old.api.types
        } else {
            &self.new.api.types
        };
        let kind = |name: &str| match types.get(name).map(|d| &d.kind) {
            Some(TypeKind::Struct(_)) => "struct ",
            Some(TypeKind::Enum(_)) => "enum ",
            Some(TypeKind::Untagged(_)) => "one-of ",
            _ => "",
        };
        match ty {
            TypeRef::Named(name) => format!("{}`{name}`", kind(name)),
            ty => format!("`{}`", rust_spelling(ty)),
        }
    }
}

/// The type without its outer `Nullable`.
fn non_null(ty: &TypeRef) -> &TypeRef {
    match ty {
        TypeRef::Nullable(inner) => inner,
        ty => ty,
    }
}

/// The place of an array's items or a map's values.
fn within(place: &Place, suffix: &str, words: &str) -> Place {
    Place {
        loc: place.loc.join(suffix),
        what: format!("{words} {}", place.what),
        ..place.clone()
    }
}

/// A type as the generated code spells it, without the `::std` paths.
fn rust_spelling(ty: &TypeRef) -> String {
    match ty {
        TypeRef::String => "String".into(),
        TypeRef::Integer => "i64".into(),
        TypeRef::Unsigned => "u64".into(),
        TypeRef::Number => "f64".into(),
        TypeRef::Boolean => "bool".into(),
        TypeRef::Bytes => "Vec<u8>".into(),
        TypeRef::Any => "serde_json::Value".into(),
        TypeRef::Map(v) => format!("BTreeMap<String, {}>", rust_spelling(v)),
        TypeRef::Array(v) => format!("Vec<{}>", rust_spelling(v)),
        TypeRef::Named(name) => name.clone(),
        TypeRef::Nullable(v) => format!("Option<{}>", rust_spelling(v)),
    }
}
