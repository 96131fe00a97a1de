//! Stage 2: resolve. Turns the selected operations of a loaded document into the plain,
//! ordered [`ir::Api`](crate::ir::Api): every `$ref` followed, `allOf` merged, quirks absorbed, and
//! every Rust name chosen.
//!
//! Only the pieces the selection reaches are converted to `openapiv3` types. An
//! operation that cannot be generated is skipped with its reason (or fails the run, when
//! it was asked for by id or `strict` is set); whatever it had added is rolled back.

mod guard;
mod operation;
mod pagination;
#[cfg(test)]
mod quirk_tests;
mod quirks;
mod schema;
pub(crate) mod shape;
mod signature;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{ReferenceOr, Schema};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result, Skip};
use crate::ir::{Api, ResponseBody, TypeDef, TypeKind, TypeRef};
use crate::load::Document;
use crate::naming::{self, RustName, Scope};
use crate::select::Located;
use crate::settings::Settings;

/// How deeply schemas may nest below an operation's parameter, body or response:
/// every property, array item, map value, `allOf`/`oneOf` member and `$ref` followed on
/// the way counts one level. Deeper documents are refused with [`Error::TooDeep`]
/// instead of exhausting the stack; the real Cloudflare documents need at most 11.
pub const MAX_DEPTH: usize = 64;

/// What resolving produced: the IR, and the operations left out with their reasons.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// The IR of everything that resolved.
    pub api: Api,
    /// Operations that were skipped, in document order.
    pub skipped: Vec<Skip>,
}

/// Resolves the located operations.
pub fn resolve(doc: &Document, selected: &[Located], settings: &Settings) -> Result<Resolved> {
    let mut resolver = Resolver::new(doc, settings);
    let names = resolver.claim_operation_names(selected);
    let mut skipped = Vec::new();
    for (op, names) in selected.iter().zip(names) {
        let checkpoint = resolver.checkpoint();
        resolver.release(&names);
        let resolved = resolver.operation(op, names.clone());
        resolver.reserve(&names);
        match resolved {
            Ok(resolved) => {
                resolver.api.operations.insert(op.key.clone(), resolved);
            }
            Err(err) if settings.operations.contains(&op.id) => return Err(err),
            Err(err) => {
                resolver.rollback(checkpoint);
                skipped.push(Skip {
                    operation: op.key.clone(),
                    reason: err.to_string(),
                });
            }
        }
    }
    if settings.strict && !skipped.is_empty() {
        return Err(Error::Skipped(skipped));
    }
    let mut api = resolver.api;
    // Envelopes are not part of any signature (calls return their `result`): drop what
    // nothing reaches before deciding which types belong to one operation alone.
    mark_usage(&mut api);
    api.types
        .retain(|_, def| def.usage.request || def.usage.response);
    signature::name_after_operations(&mut api);
    mark_usage(&mut api);
    signature::open_response_enums(&mut api);
    Ok(Resolved { api, skipped })
}

/// The state of one resolve run.
struct Resolver<'a> {
    doc: &'a Document,
    settings: &'a Settings,
    api: Api,
    /// What each `$ref` target resolved to, so every target is converted once.
    refs: BTreeMap<String, TypeRef>,
    /// Type names handed out so far.
    names: Scope,
    /// Targets being converted right now, to detect schemas that reach themselves.
    active: Vec<Active>,
    /// Named types being built right now; a field pointing at one of them is boxed.
    building: Vec<String>,
    /// How many schemas deep the conversion is now, bounded by [`MAX_DEPTH`].
    depth: usize,
    /// `$ref` targets whose schemas [`guard`] has passed: targets are converted again
    /// and again (for checks and descriptions), the document never changes.
    checked: RefCell<BTreeSet<String>>,
    /// Names and refs added since the last checkpoint, for rollback.
    journal: Vec<Added>,
    /// The method name of every selected operation, by operationId.
    methods: BTreeMap<String, RustName>,
}

enum Added {
    Type(String),
    Ref(String),
}

/// A `$ref` target being converted, with how many named types were being built when
/// its conversion began: if it is reached again while more are, a struct or union lies
/// on the way back to it and the recursion can be written in Rust.
struct Active {
    reference: String,
    building: usize,
}

impl<'a> Resolver<'a> {
    fn new(doc: &'a Document, settings: &'a Settings) -> Self {
        Resolver {
            doc,
            settings,
            api: Api::default(),
            refs: BTreeMap::new(),
            names: Scope::new(),
            active: Vec::new(),
            building: Vec::new(),
            depth: 0,
            checked: RefCell::default(),
            journal: Vec::new(),
            methods: BTreeMap::new(),
        }
    }

    /// Claims every operation's method names and the type names derived from it before
    /// any schema is named, so that operation-derived names never depend on schema names.
    fn claim_operation_names(&mut self, selected: &[Located]) -> Vec<naming::OperationNames> {
        let mut methods = Scope::new();
        for reserved in naming::CLIENT_METHODS {
            methods.claim((*reserved).to_string());
        }
        for reserved in naming::CLIENT_TYPES {
            self.names.claim((*reserved).to_string());
        }
        selected
            .iter()
            .map(|op| {
                let id = if op.id.is_empty() { &op.key } else { &op.id };
                let stem = naming::strip_prefix(id, &self.settings.strip_prefixes);
                let names = naming::operation(stem, &mut methods, &mut self.names);
                self.methods.insert(op.id.clone(), names.method.clone());
                names
            })
            .collect()
    }

    /// Frees an operation's own type names while it resolves, so that its inline body
    /// and response schemas take them.
    fn release(&mut self, names: &naming::OperationNames) {
        for name in signature_names(names) {
            self.names.remove(name);
        }
    }

    /// Reserves an operation's type names again, whether or not a type took them.
    fn reserve(&mut self, names: &naming::OperationNames) {
        for name in signature_names(names) {
            if !self.names.contains(name) {
                self.names.claim(name.to_string());
            }
        }
    }

    fn checkpoint(&mut self) -> usize {
        self.journal.len()
    }

    fn rollback(&mut self, checkpoint: usize) {
        for added in self.journal.drain(checkpoint..) {
            match added {
                Added::Type(name) => {
                    self.api.types.remove(&name);
                    self.names.remove(&name);
                }
                Added::Ref(target) => {
                    self.refs.remove(&target);
                }
            }
        }
        self.active.clear();
        self.building.clear();
        self.depth = 0;
    }

    /// Claims a fresh type name derived from `hint`.
    fn claim_type(&mut self, hint: &str) -> String {
        let stem = naming::strip_prefix(hint, &self.settings.strip_prefixes);
        let name = self.names.claim(naming::type_name(stem));
        self.journal.push(Added::Type(name.clone()));
        name
    }

    fn define(&mut self, name: &str, origin: &str, description: Option<String>, kind: TypeKind) {
        let def = TypeDef {
            name: name.to_string(),
            origin: origin.to_string(),
            description,
            kind,
            usage: Default::default(),
            role: None,
            unknown_variant: None,
        };
        self.api.types.insert(name.to_string(), def);
    }

    /// The raw value a local `$ref` points at.
    fn target(&self, reference: &str, at: &str) -> Result<&'a Value> {
        if !reference.starts_with("#/") {
            return Err(Error::Unsupported {
                file: self.doc.file.clone(),
                pointer: at.to_string(),
                what: format!("`$ref` to another document (`{reference}`)"),
            });
        }
        self.doc.get(reference).ok_or_else(|| Error::DanglingRef {
            file: self.doc.file.clone(),
            pointer: at.to_string(),
            target: reference.to_string(),
        })
    }

    /// Converts a raw piece of the document (not a schema) into an `openapiv3` type,
    /// reporting where it failed; its schemas are checked first (see [`guard`]).
    fn typed<T: DeserializeOwned>(&self, mut value: Value, at: &str) -> Result<T> {
        guard::prepare(&mut value, at).map_err(|(at, message)| self.invalid(&at, message))?;
        serde_json::from_value(value).map_err(|e| self.invalid(at, e.to_string()))
    }

    /// Converts a raw schema or `$ref`, checked first level by level (see [`guard`]).
    fn typed_schema(&self, value: Value, at: &str) -> Result<ReferenceOr<Schema>> {
        if !self.checked.borrow().contains(at) {
            guard::check_schema(&value, at).map_err(|(at, m)| self.invalid(&at, m))?;
            self.checked.borrow_mut().insert(at.to_string());
        }
        serde_json::from_value(value).map_err(|e| self.invalid(at, e.to_string()))
    }

    /// Runs `f` one schema deeper, refusing to go past [`MAX_DEPTH`].
    fn descend<T>(&mut self, at: &str, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        if self.depth >= MAX_DEPTH {
            return Err(self.too_deep(at));
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }

    fn too_deep(&self, at: &str) -> Error {
        Error::TooDeep {
            file: self.doc.file.clone(),
            pointer: at.to_string(),
            limit: MAX_DEPTH,
        }
    }

    /// The error for the target `active[from]`, reached again with no named type on
    /// the way.
    fn recursive(&self, from: usize, reference: &str) -> Error {
        let mut cycle: Vec<String> = self.active[from..]
            .iter()
            .map(|a| a.reference.clone())
            .collect();
        cycle.push(reference.to_string());
        self.recursive_schema(reference, cycle)
    }

    fn recursive_schema(&self, at: &str, cycle: Vec<String>) -> Error {
        Error::RecursiveSchema {
            file: self.doc.file.clone(),
            pointer: at.to_string(),
            cycle,
        }
    }

    fn invalid(&self, at: &str, message: String) -> Error {
        Error::Invalid {
            file: self.doc.file.clone(),
            pointer: at.to_string(),
            message,
        }
    }
}

fn signature_names(names: &naming::OperationNames) -> [&str; 4] {
    [
        &names.builder,
        &names.types.result,
        &names.types.body,
        &names.types.response,
    ]
}

/// Marks each named type with where it is used, following references transitively.
fn mark_usage(api: &mut Api) {
    let mut request = BTreeSet::new();
    let mut response = BTreeSet::new();
    for op in api.operations.values() {
        let request_roots = op
            .params
            .iter()
            .map(|p| &p.ty)
            .chain(op.body.iter().map(|b| &b.ty));
        for ty in request_roots {
            reach(api, ty, &mut request);
        }
        match &op.response.body {
            ResponseBody::Json(ty) | ResponseBody::Envelope(Some(ty)) => {
                reach(api, ty, &mut response)
            }
            _ => {}
        }
    }
    for (name, def) in api.types.iter_mut() {
        def.usage.request = request.contains(name);
        def.usage.response = response.contains(name);
    }
}

/// Adds every named type `ty` reaches to `seen`. A worklist, not recursion: a chain of
/// named types is as long as the document makes it.
fn reach(api: &Api, ty: &TypeRef, seen: &mut BTreeSet<String>) {
    let mut todo = vec![ty];
    while let Some(ty) = todo.pop() {
        match ty {
            TypeRef::Named(name) => {
                if !seen.insert(name.clone()) {
                    continue;
                }
                let Some(def) = api.types.get(name) else {
                    continue;
                };
                match &def.kind {
                    TypeKind::Struct(fields) => todo.extend(fields.iter().map(|f| &f.ty)),
                    TypeKind::Untagged(variants) => todo.extend(variants),
                    TypeKind::Enum(_) => {}
                }
            }
            TypeRef::Map(inner) | TypeRef::Array(inner) | TypeRef::Nullable(inner) => {
                todo.push(inner)
            }
            _ => {}
        }
    }
}
