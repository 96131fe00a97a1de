//! Diff, operations: matches operations by operationId and compares method, path,
//! names, parameters, request body and success response. Types are compared in
//! [`super::types`]; security, servers and request media types in [`super::wire`];
//! error responses in [`super::errors`].

use std::collections::{BTreeMap, BTreeSet};

use super::{Affects, Finding, Level, Side, locate};
use crate::ir::{Body, Operation, Param, ParamLocation, PathSegment, PathTemplate, ResponseBody};

/// Which way data flows, which decides whether a change hurts: a request may not start
/// needing more, a response may not start promising less.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Direction {
    Request,
    Response,
}

/// A pair of pointers: where something is in the old and in the new document.
#[derive(Debug, Clone, Default)]
pub(super) struct Loc {
    pub old: Option<String>,
    pub new: Option<String>,
}

impl Loc {
    pub fn both(old: String, new: String) -> Loc {
        Loc {
            old: Some(old),
            new: Some(new),
        }
    }

    /// Both pointers with `suffix` appended.
    pub fn join(&self, suffix: &str) -> Loc {
        Loc {
            old: self.old.as_ref().map(|p| format!("{p}{suffix}")),
            new: self.new.as_ref().map(|p| format!("{p}{suffix}")),
        }
    }
}

/// Where in an operation a type is being compared.
#[derive(Debug, Clone)]
pub(super) struct Place {
    pub direction: Direction,
    pub loc: Loc,
    /// How a person would name the spot, such as ``property `result` of `Envelope` ``.
    pub what: String,
    /// The generated Rust item at this spot, when there is one.
    pub rust_item: Option<String>,
}

/// The state of comparing one operation.
pub(super) struct Diff<'a> {
    pub old: &'a Side<'a>,
    pub new: &'a Side<'a>,
    pub operation: String,
    pub findings: Vec<Finding>,
    /// Pairs of named types already compared, so recursive types terminate.
    pub visited: BTreeSet<(String, String, Direction)>,
    /// How many named types deep the comparison is now.
    pub depth: usize,
    /// Pairs of named types met deeper than [`NAMED_NESTING`], compared after the
    /// operation rather than by recursing further.
    pub deferred: Vec<(String, String, Place)>,
}

/// How many named types deep the comparison recurses before it defers. Resolve bounds
/// how deeply schemas nest, but not how long a chain of named types (`A` has a field
/// of type `B`, `B` of type `C`, …) grows when each was converted from a different
/// place; past this depth, pairs wait in [`Diff::deferred`] instead.
pub(super) const NAMED_NESTING: usize = 64;

impl Diff<'_> {
    /// Starts a finding for the current operation; finish it with [`Draft::says`].
    pub fn note(
        &mut self,
        level: Level,
        affects: Affects,
        kind: &'static str,
        loc: &Loc,
    ) -> Draft<'_> {
        Draft {
            findings: &mut self.findings,
            finding: Finding {
                operation: self.operation.clone(),
                level,
                affects,
                kind,
                old_pointer: loc.old.clone(),
                new_pointer: loc.new.clone(),
                rust_item: None,
                message: String::new(),
            },
        }
    }
}

/// A finding being built.
pub(super) struct Draft<'a> {
    findings: &'a mut Vec<Finding>,
    finding: Finding,
}

impl Draft<'_> {
    /// Names the generated Rust item that changes.
    pub fn rust(mut self, item: Option<&str>) -> Self {
        self.finding.rust_item = item.map(str::to_string);
        self
    }

    /// Sets the message and records the finding.
    pub fn says(mut self, message: String) {
        self.finding.message = message;
        self.findings.push(self.finding);
    }
}

/// Compares every operation selected on either side.
pub(super) fn operations(old: &Side<'_>, new: &Side<'_>) -> Vec<Finding> {
    let skipped = |side: &Side<'_>, key: &str| {
        side.skipped
            .iter()
            .find(|s| s.operation == key)
            .map(|s| s.reason.clone())
    };
    let mut keys: BTreeSet<&String> = old
        .api
        .operations
        .keys()
        .chain(new.api.operations.keys())
        .collect();
    keys.extend(old.skipped.iter().chain(&new.skipped).map(|s| &s.operation));
    let mut findings = Vec::new();
    for key in keys {
        let mut diff = Diff {
            old,
            new,
            operation: key.clone(),
            findings: Vec::new(),
            visited: BTreeSet::new(),
            depth: 0,
            deferred: Vec::new(),
        };
        match (old.api.operations.get(key), new.api.operations.get(key)) {
            (Some(a), Some(b)) => diff.operation(a, b),
            (Some(a), None) => match skipped(new, key) {
                Some(reason) => diff.no_longer_generated(a, &reason),
                None => diff.removed(a),
            },
            (None, Some(b)) => diff.added(b, skipped(old, key).is_some()),
            (None, None) => {}
        }
        while let Some((a, b, place)) = diff.deferred.pop() {
            diff.named(&a, &b, &place);
        }
        findings.append(&mut diff.findings);
    }
    findings
}

impl Diff<'_> {
    fn removed(&mut self, a: &Operation) {
        let loc = Loc {
            old: Some(a.pointer.clone()),
            new: None,
        };
        let message = format!(
            "operation removed: `{} {}` is no longer in the document; `{}()` goes away",
            a.method.wire(),
            a.path.raw,
            a.fn_name.in_code()
        );
        self.note(Level::Breaking, Affects::Wire, "operation-removed", &loc)
            .rust(Some(&a.fn_name.in_code()))
            .says(message);
    }

    fn no_longer_generated(&mut self, a: &Operation, reason: &str) {
        let loc = Loc {
            old: Some(a.pointer.clone()),
            new: None,
        };
        let message = format!(
            "operation can no longer be generated, so `{}()` goes away: {reason}",
            a.fn_name.in_code()
        );
        self.note(
            Level::Breaking,
            Affects::Rust,
            "operation-not-generated",
            &loc,
        )
        .rust(Some(&a.fn_name.in_code()))
        .says(message);
    }

    fn added(&mut self, b: &Operation, was_skipped: bool) {
        let loc = Loc {
            old: None,
            new: Some(b.pointer.clone()),
        };
        let how = if was_skipped {
            "can now be generated"
        } else {
            "added"
        };
        let message = format!(
            "operation {how}: `{} {}` as `{}()`",
            b.method.wire(),
            b.path.raw,
            b.fn_name.in_code()
        );
        self.note(Level::Additive, Affects::Wire, "operation-added", &loc)
            .rust(Some(&b.fn_name.in_code()))
            .says(message);
        if let Some(note) = &b.deprecated {
            let message = format!("the new operation is deprecated: {note}");
            self.note(Level::Warning, Affects::None, "operation-deprecated", &loc)
                .rust(Some(&b.fn_name.in_code()))
                .says(message);
        }
    }

    fn operation(&mut self, a: &Operation, b: &Operation) {
        let loc = Loc::both(a.pointer.clone(), b.pointer.clone());
        self.route(a, b, &loc);
        self.names(a, b, &loc);
        self.deprecation(a, b, &loc);
        self.docs(
            &loc,
            "summary",
            a.summary.as_deref(),
            b.summary.as_deref(),
            Some(&b.fn_name.in_code()),
        );
        self.docs(
            &loc,
            "description",
            a.description.as_deref(),
            b.description.as_deref(),
            Some(&b.fn_name.in_code()),
        );
        self.params(a, b);
        self.body(a, b);
        self.response(a, b, &loc);
        // What the IR does not carry: security, servers, other request media types,
        // and the error responses (in `wire` and `errors`).
        self.wire(a, b);
        self.error_responses(a, b);
    }

    /// Method and path; a changed path names where the old route went, if anywhere.
    fn route(&mut self, a: &Operation, b: &Operation, loc: &Loc) {
        if a.method != b.method {
            let message = format!(
                "method changed from {} to {}",
                a.method.wire(),
                b.method.wire()
            );
            self.note(Level::Breaking, Affects::Wire, "method-changed", loc)
                .says(message);
        }
        if shape(&a.path) != shape(&b.path) {
            let message = format!(
                "path changed from `{}` to `{}`{}",
                a.path.raw,
                b.path.raw,
                self.old_route_now(a)
            );
            self.note(Level::Breaking, Affects::Wire, "path-changed", loc)
                .says(message);
        }
    }

    /// Which operation of the new document now serves the old method and path.
    fn old_route_now(&self, a: &Operation) -> String {
        let old_shape = shape(&a.path);
        let Some(heir) = self
            .new
            .all
            .iter()
            .find(|op| op.method == a.method && parse_shape(&op.path) == old_shape)
        else {
            return "; the old route is gone from the new document".to_string();
        };
        let deprecated = if locate::is_deprecated(self.new.doc, &heir.pointer) {
            ", deprecated"
        } else {
            ""
        };
        format!(
            "; the old route `{} {}` is now operation `{}`{deprecated}",
            a.method.wire(),
            heir.path,
            heir.key
        )
    }

    fn names(&mut self, a: &Operation, b: &Operation, loc: &Loc) {
        if a.fn_name != b.fn_name {
            let message = format!(
                "generated function renamed from `{}()` to `{}()`",
                a.fn_name.in_code(),
                b.fn_name.in_code()
            );
            self.note(Level::Breaking, Affects::Rust, "function-renamed", loc)
                .rust(Some(&b.fn_name.in_code()))
                .says(message);
        }
        if a.names.result != b.names.result {
            let message = format!(
                "result type renamed from `{}` to `{}`",
                a.names.result, b.names.result
            );
            self.note(Level::Breaking, Affects::Rust, "type-renamed", loc)
                .rust(Some(&b.names.result))
                .says(message);
        }
    }

    fn deprecation(&mut self, a: &Operation, b: &Operation, loc: &Loc) {
        match (&a.deprecated, &b.deprecated) {
            (None, Some(note)) => {
                let message = format!(
                    "operation is now deprecated: {note}; `{}()` gets `#[deprecated]`",
                    b.fn_name.in_code()
                );
                self.note(Level::Warning, Affects::None, "operation-deprecated", loc)
                    .rust(Some(&b.fn_name.in_code()))
                    .says(message);
            }
            (Some(_), None) => {
                let message = "operation is no longer deprecated".to_string();
                self.note(
                    Level::Additive,
                    Affects::None,
                    "operation-undeprecated",
                    loc,
                )
                .rust(Some(&b.fn_name.in_code()))
                .says(message);
            }
            _ => {}
        }
    }

    /// Records a docs-only change of `field` when the text differs.
    pub fn docs(
        &mut self,
        loc: &Loc,
        field: &str,
        old: Option<&str>,
        new: Option<&str>,
        item: Option<&str>,
    ) {
        let (old, new) = (
            old.unwrap_or_default().trim(),
            new.unwrap_or_default().trim(),
        );
        if old == new {
            return;
        }
        let message = format!(
            "{field} changed from {} to {}",
            quote_short(old),
            quote_short(new)
        );
        self.note(Level::Docs, Affects::None, "docs-changed", loc)
            .rust(item)
            .says(message);
    }

    /// Path parameters pair by their position in the template (their names never reach
    /// the wire); query and header parameters pair by location and wire name.
    fn params(&mut self, a: &Operation, b: &Operation) {
        let is_path = |p: &&Param| p.location == ParamLocation::Path;
        let (old_path, new_path): (Vec<&Param>, Vec<&Param>) = (
            a.params.iter().filter(is_path).collect(),
            b.params.iter().filter(is_path).collect(),
        );
        for i in 0..old_path.len().max(new_path.len()) {
            self.param_pair(a, b, old_path.get(i).copied(), new_path.get(i).copied());
        }
        let (old_rest, new_rest) = (keyed(a), keyed(b));
        let keys: BTreeSet<&(ParamLocation, String)> =
            old_rest.keys().chain(new_rest.keys()).collect();
        for key in keys {
            self.param_pair(a, b, old_rest.get(key).copied(), new_rest.get(key).copied());
        }
    }

    fn param_pair(&mut self, a: &Operation, b: &Operation, pa: Option<&Param>, pb: Option<&Param>) {
        let at_old = |p: &Param| locate::param(self.old.doc, &a.pointer, &p.wire_name, p.location);
        let at_new = |p: &Param| locate::param(self.new.doc, &b.pointer, &p.wire_name, p.location);
        let loc = Loc {
            old: pa.map(at_old),
            new: pb.map(at_new),
        };
        match (pa, pb) {
            (Some(pa), Some(pb)) => self.param(b, pa, pb, &loc),
            (Some(pa), None) => {
                let message = format!(
                    "{} parameter `{}` removed: the argument `{}` of `{}()` goes away",
                    location(pa.location),
                    pa.wire_name,
                    pa.rust_name.in_code(),
                    b.fn_name.in_code()
                );
                self.note(Level::Breaking, Affects::Rust, "parameter-removed", &loc)
                    .rust(Some(&argument(b, &pa.rust_name.in_code())))
                    .says(message);
            }
            (None, Some(pb)) => {
                let (level, affects, how) = match pb.required {
                    true => (Level::Breaking, Affects::Wire, "required"),
                    false => (Level::Breaking, Affects::Rust, "optional"),
                };
                let message = format!(
                    "new {how} {} parameter `{}`: `{}()` takes a new argument `{}`",
                    location(pb.location),
                    pb.wire_name,
                    b.fn_name.in_code(),
                    pb.rust_name.in_code()
                );
                self.note(level, affects, "parameter-added", &loc)
                    .rust(Some(&argument(b, &pb.rust_name.in_code())))
                    .says(message);
            }
            (None, None) => {}
        }
    }

    fn param(&mut self, b: &Operation, pa: &Param, pb: &Param, loc: &Loc) {
        let item = argument(b, &pb.rust_name.in_code());
        self.param_name(b, pa, pb, loc);
        let what = format!("{} parameter `{}`", location(pb.location), pb.wire_name);
        self.required(loc, &what, pa.required, pb.required, &item);
        self.docs(
            loc,
            &format!("description of {what}"),
            pa.description.as_deref(),
            pb.description.as_deref(),
            Some(&item),
        );
        let place = Place {
            direction: Direction::Request,
            loc: loc.join("/schema"),
            what: what.clone(),
            rust_item: Some(item),
        };
        self.compare_type(&pa.ty, &pb.ty, &place);
        self.checks(&pa.checks, &pb.checks, &place);
    }

    fn param_name(&mut self, b: &Operation, pa: &Param, pb: &Param, loc: &Loc) {
        let item = argument(b, &pb.rust_name.in_code());
        let loc_name = location(pb.location);
        // Rust has no named arguments: a renamed argument keeps its position, so
        // calling code compiles as before, and the path template is filled the same.
        if pa.rust_name != pb.rust_name {
            let message = format!(
                "{loc_name} parameter `{}` renamed to `{}`: the argument `{}` of `{}()` \
                 is now named `{}`; arguments are passed by position, so calling code and \
                 the request are unchanged",
                pa.wire_name,
                pb.wire_name,
                pa.rust_name.in_code(),
                b.fn_name.in_code(),
                pb.rust_name.in_code()
            );
            self.note(Level::Docs, Affects::None, "parameter-renamed", loc)
                .rust(Some(&item))
                .says(message);
        } else if pa.wire_name != pb.wire_name {
            let message = format!(
                "{loc_name} parameter `{}` renamed to `{}` in the document; \
                 the Rust argument keeps its name",
                pa.wire_name, pb.wire_name
            );
            self.note(Level::Docs, Affects::None, "parameter-renamed", loc)
                .rust(Some(&item))
                .says(message);
        }
    }

    /// A change of `required` on a parameter or request body: both travel only in
    /// requests, and their Rust argument is an `Option` exactly when they are optional.
    pub fn required(&mut self, loc: &Loc, what: &str, old: bool, new: bool, item: &str) {
        let (level, affects, kind, message) = match (old, new) {
            (false, true) => (
                Level::Breaking,
                Affects::Wire,
                "became-required",
                format!("{what} became required: requests without it are refused"),
            ),
            (true, false) => (
                Level::Breaking,
                Affects::Rust,
                "became-optional",
                format!("{what} became optional: the argument `{item}` becomes an `Option`"),
            ),
            _ => return,
        };
        self.note(level, affects, kind, loc)
            .rust(Some(item))
            .says(message);
    }

    fn body(&mut self, a: &Operation, b: &Operation) {
        let loc = Loc {
            old: a
                .body
                .as_ref()
                .map(|_| locate::follow(self.old.doc, &format!("{}/requestBody", a.pointer))),
            new: b
                .body
                .as_ref()
                .map(|_| locate::follow(self.new.doc, &format!("{}/requestBody", b.pointer))),
        };
        let item = argument(b, "body");
        match (&a.body, &b.body) {
            (Some(ba), Some(bb)) => self.body_pair(ba, bb, &loc, &item),
            (Some(_), None) => {
                let message = format!(
                    "request body removed: the argument `body` of `{}()` goes away",
                    a.fn_name.in_code()
                );
                self.note(Level::Breaking, Affects::Rust, "body-removed", &loc)
                    .rust(Some(&item))
                    .says(message);
            }
            (None, Some(bb)) => {
                let (affects, how) = if bb.required {
                    (Affects::Wire, "required")
                } else {
                    (Affects::Rust, "optional")
                };
                let message = format!(
                    "new {how} request body `{}`: `{}()` takes a new argument `body`",
                    bb.content_type,
                    b.fn_name.in_code()
                );
                self.note(Level::Breaking, affects, "body-added", &loc)
                    .rust(Some(&item))
                    .says(message);
            }
            (None, None) => {}
        }
    }

    fn body_pair(&mut self, ba: &Body, bb: &Body, loc: &Loc, item: &str) {
        if ba.content_type != bb.content_type {
            let message = format!(
                "request body content type changed from `{}` to `{}`",
                ba.content_type, bb.content_type
            );
            self.note(Level::Breaking, Affects::Wire, "content-type-changed", loc)
                .rust(Some(item))
                .says(message);
        }
        self.required(loc, "the request body", ba.required, bb.required, item);
        self.docs(
            loc,
            "description of the request body",
            ba.description.as_deref(),
            bb.description.as_deref(),
            Some(item),
        );
        let schema = format!(
            "/content/{}/schema",
            crate::error::escape_pointer_token(&bb.content_type)
        );
        let place = Place {
            direction: Direction::Request,
            loc: loc.join(&schema),
            what: "the request body".into(),
            rust_item: Some(item.to_string()),
        };
        self.compare_type(&ba.ty, &bb.ty, &place);
        self.checks(&ba.checks, &bb.checks, &place);
    }

    fn response(&mut self, a: &Operation, b: &Operation, op_loc: &Loc) {
        self.statuses(a, b, op_loc);
        let loc = Loc::both(
            locate::response(self.old.doc, &a.pointer, &a.response.status),
            locate::response(self.new.doc, &b.pointer, &b.response.status),
        );
        let alias = &b.names.result;
        self.docs(
            &loc,
            "description of the success response",
            a.response.description.as_deref(),
            b.response.description.as_deref(),
            Some(alias),
        );
        let (old, new) = (&a.response.body, &b.response.body);
        match (old, new) {
            (ResponseBody::Json(ta), ResponseBody::Json(tb))
            | (ResponseBody::Envelope(Some(ta)), ResponseBody::Envelope(Some(tb))) => {
                let place = Place {
                    direction: Direction::Response,
                    loc: loc.clone(),
                    what: "the success response".into(),
                    rust_item: Some(alias.clone()),
                };
                self.compare_type(ta, tb, &place);
            }
            (ResponseBody::Empty, ResponseBody::Empty)
            | (ResponseBody::Envelope(None), ResponseBody::Envelope(None)) => {}
            (ResponseBody::Bytes(ca), ResponseBody::Bytes(cb)) if ca == cb => {}
            _ => {
                let message = format!(
                    "success response changed from {} to {}: `{alias}` changes",
                    body_kind(old),
                    body_kind(new)
                );
                self.note(Level::Breaking, Affects::Wire, "response-changed", &loc)
                    .rust(Some(alias))
                    .says(message);
            }
        }
    }

    fn statuses(&mut self, a: &Operation, b: &Operation, loc: &Loc) {
        let old = locate::success_statuses(self.old.doc, &a.pointer);
        let new = locate::success_statuses(self.new.doc, &b.pointer);
        for status in old.difference(&new) {
            let loc = Loc {
                old: loc.old.as_ref().map(|p| format!("{p}/responses/{status}")),
                new: loc.new.as_ref().map(|p| format!("{p}/responses")),
            };
            let message = format!("success status {status} removed");
            self.note(
                Level::Breaking,
                Affects::Wire,
                "success-status-removed",
                &loc,
            )
            .says(message);
        }
        for status in new.difference(&old) {
            let loc = Loc {
                old: loc.old.as_ref().map(|p| format!("{p}/responses")),
                new: loc.new.as_ref().map(|p| format!("{p}/responses/{status}")),
            };
            let message = format!("success status {status} added");
            self.note(Level::Additive, Affects::Wire, "success-status-added", &loc)
                .says(message);
        }
    }
}

/// Query and header parameters by location and wire name.
fn keyed(op: &Operation) -> BTreeMap<(ParamLocation, String), &Param> {
    op.params
        .iter()
        .filter(|p| p.location != ParamLocation::Path)
        .map(|p| ((p.location, p.wire_name.clone()), p))
        .collect()
}

/// A path template with parameter names blanked out: what the server sees.
fn shape(path: &PathTemplate) -> Vec<Option<&str>> {
    path.segments
        .iter()
        .map(|s| match s {
            PathSegment::Literal(text) => Some(text.as_str()),
            PathSegment::Param(_) => None,
        })
        .collect()
}

fn parse_shape(raw: &str) -> Vec<Option<&str>> {
    let mut out = Vec::new();
    let mut rest = raw;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        if open > 0 {
            out.push(Some(&rest[..open]));
        }
        out.push(None);
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        out.push(Some(rest));
    }
    out
}

fn location(location: ParamLocation) -> &'static str {
    match location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
    }
}

/// How findings name a function argument: `function(argument)`.
fn argument(op: &Operation, name: &str) -> String {
    format!("{}({name})", op.fn_name.in_code())
}

fn body_kind(body: &ResponseBody) -> String {
    match body {
        ResponseBody::Empty => "no body".into(),
        ResponseBody::Json(_) => "a JSON body".into(),
        ResponseBody::Envelope(Some(_)) => "an envelope with a `result`".into(),
        ResponseBody::Envelope(None) => "an envelope without `result`".into(),
        ResponseBody::Bytes(ct) => format!("a `{ct}` body"),
    }
}

/// Quotes a text for a message, cut to a readable length.
fn quote_short(text: &str) -> String {
    if text.is_empty() {
        return "nothing".into();
    }
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(60) {
        Some((cut, _)) => format!("\"{}…\"", &flat[..cut]),
        None => format!("\"{flat}\""),
    }
}
