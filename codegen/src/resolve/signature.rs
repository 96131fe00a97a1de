//! Resolve, part 4: the finishing passes over the whole IR. Types in an operation's
//! signature take names derived from the operation, and enumerations read from
//! responses get a catch-all variant.
//!
//! Cloudflare renames shared schemas without changing them (`api-response-single`
//! became `api-response-single-e7nXo5md` and back). A type that is the request body,
//! the `result` or the plain response of exactly one operation is therefore named after
//! that operation (`{Operation}Body`, `{Operation}Result`, `{Operation}Response`), so
//! such renames do not reach the user's code. A type used anywhere else too (by another
//! operation, as a parameter, or inside another type) keeps its schema name: no one
//! operation can lend it a name.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{Api, ResponseBody, Role, SignaturePart, TypeKind, TypeRef, Variant};
use crate::naming::{self, Scope};

/// Renames every type that fills exactly one place in one operation's signature and is
/// used nowhere else.
pub(super) fn name_after_operations(api: &mut Api) {
    let nested = nested_uses(api);
    let mut uses: BTreeMap<String, Vec<(String, Role)>> = BTreeMap::new();
    for op in api.operations.values() {
        let mut slot = |ty: &TypeRef, part: SignaturePart, name: &str| {
            if let Some(current) = named(ty) {
                let role = Role {
                    method: op.fn_name.clone(),
                    part,
                };
                uses.entry(current.to_string())
                    .or_default()
                    .push((name.to_string(), role));
            }
        };
        if let Some(body) = &op.body {
            slot(&body.ty, SignaturePart::Body, &op.names.body);
        }
        match &op.response.body {
            ResponseBody::Envelope(Some(ty)) => slot(ty, SignaturePart::Result, &op.names.result),
            ResponseBody::Json(ty) => slot(ty, SignaturePart::Response, &op.names.response),
            _ => {}
        }
    }
    let renames: BTreeMap<String, (String, Role)> = uses
        .into_iter()
        .filter_map(|(current, mut places)| {
            let alone = places.len() == 1 && !nested.contains(&current);
            alone.then(|| (current, places.remove(0)))
        })
        .filter(|(current, (name, _))| current == name || !api.types.contains_key(name))
        .collect();
    for (current, (name, role)) in &renames {
        if let Some(mut def) = api.types.remove(current) {
            def.name = name.clone();
            def.role = Some(role.clone());
            api.types.insert(name.clone(), def);
        }
    }
    let map: BTreeMap<&str, &str> = renames
        .iter()
        .map(|(current, (name, _))| (current.as_str(), name.as_str()))
        .collect();
    rename_refs(api, &map);
}

/// The names used inside other types or as parameters.
fn nested_uses(api: &Api) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut add = |ty: &TypeRef| collect(ty, &mut seen);
    for def in api.types.values() {
        match &def.kind {
            TypeKind::Struct(fields) => fields.iter().for_each(|f| add(&f.ty)),
            TypeKind::Untagged(members) => members.iter().for_each(&mut add),
            TypeKind::Enum(_) => {}
        }
    }
    for op in api.operations.values() {
        op.params.iter().for_each(|p| add(&p.ty));
        // A signature slot that is not the type itself (a list of it, say) is a use too.
        let slots = op
            .body
            .iter()
            .map(|b| &b.ty)
            .chain(match &op.response.body {
                ResponseBody::Envelope(Some(ty)) | ResponseBody::Json(ty) => Some(ty),
                _ => None,
            });
        slots.filter(|ty| named(ty).is_none()).for_each(&mut add);
    }
    seen
}

fn collect(ty: &TypeRef, seen: &mut BTreeSet<String>) {
    match ty {
        TypeRef::Named(name) => {
            seen.insert(name.clone());
        }
        TypeRef::Map(inner) | TypeRef::Array(inner) | TypeRef::Nullable(inner) => {
            collect(inner, seen)
        }
        _ => {}
    }
}

/// The name a signature type refers to, looking through `null`.
fn named(ty: &TypeRef) -> Option<&str> {
    match ty {
        TypeRef::Named(name) => Some(name),
        TypeRef::Nullable(inner) => named(inner),
        _ => None,
    }
}

/// Points every reference at the new names.
fn rename_refs(api: &mut Api, map: &BTreeMap<&str, &str>) {
    if map.is_empty() {
        return;
    }
    for def in api.types.values_mut() {
        match &mut def.kind {
            TypeKind::Struct(fields) => fields.iter_mut().for_each(|f| rename(&mut f.ty, map)),
            TypeKind::Untagged(members) => members.iter_mut().for_each(|m| rename(m, map)),
            TypeKind::Enum(_) => {}
        }
    }
    for op in api.operations.values_mut() {
        op.params.iter_mut().for_each(|p| rename(&mut p.ty, map));
        if let Some(body) = &mut op.body {
            rename(&mut body.ty, map);
        }
        match &mut op.response.body {
            ResponseBody::Envelope(Some(ty)) | ResponseBody::Json(ty) => rename(ty, map),
            _ => {}
        }
    }
}

fn rename(ty: &mut TypeRef, map: &BTreeMap<&str, &str>) {
    match ty {
        TypeRef::Named(name) => {
            if let Some(new) = map.get(name.as_str()) {
                *name = (*new).to_string();
            }
        }
        TypeRef::Map(inner) | TypeRef::Array(inner) | TypeRef::Nullable(inner) => {
            rename(inner, map)
        }
        _ => {}
    }
}

/// Gives every enumeration read from responses a catch-all variant. Enumerations that
/// are also sent get one too: a value that can come back must decode, and sending the
/// catch-all sends its text unchanged, which the API then judges.
pub(super) fn open_response_enums(api: &mut Api) {
    for def in api.types.values_mut() {
        def.unknown_variant = match (&def.kind, def.usage.response) {
            (TypeKind::Enum(variants), true) => Some(unknown_variant(variants)),
            _ => None,
        };
    }
}

fn unknown_variant(variants: &[Variant]) -> String {
    let mut scope = Scope::new();
    for variant in variants {
        scope.claim(variant.rust_name.clone());
    }
    scope.claim(naming::UNKNOWN_VARIANT.to_string())
}
