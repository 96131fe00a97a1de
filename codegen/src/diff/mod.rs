//! Diff: compares what two versions of the document generate for the selected
//! operations, so a user who regenerates learns beforehand what breaks.
//!
//! Both documents go through the same `select` and `resolve` stages with the same
//! [`Settings`]; the two `ir::Api`s are then compared. Comparing resolved IRs rather
//! than raw documents means a `$ref` target that was renamed but has the same structure
//! is no change, the order of properties never matters, and every finding speaks of
//! what the generated Rust client sends, receives and is called.
//!
//! What the IR does not carry is read from the raw documents at each operation's
//! pointer: the effective `security` (the operation's, else the document's; a removed
//! credential, such as the API token or email + API key, is breaking, an added one
//! additive), the effective `servers` (a removed base URL is breaking), the request
//! body's media types and the error responses.
//!
//! Operations are matched by operationId. Types are compared structurally: the walk
//! starts at each operation's parameters, body and success response and follows
//! `ir::TypeRef::Named` into `ir::Api::types` on both sides at once.
//!
//! # Levels
//!
//! Every [`Finding`] has a [`Level`], from most to least severe:
//!
//! - `breaking`: code or requests that worked before stop working. [`Finding::affects`]
//!   says how: `wire` (the request or response on the wire changes: method, path, a
//!   newly required parameter or property, a removed enum value or response property, a
//!   changed type) or `rust` (the wire is the same, but generated names or signatures
//!   change, so code that calls the client stops compiling).
//! - `warning`: probably harmless, but worth a look: a new enum value (generated enums
//!   are exhaustive, so `match`es must handle it), an operation newly deprecated, any
//!   change of an error response (`4XX`, `5XX`, 4xx/5xx codes, `default`; compared at
//!   wire level, since the runtime decodes error envelopes generically), a media type
//!   the request body no longer accepts besides the one the client sends.
//! - `additive`: new operations, new optional properties, relaxed constraints.
//! - `docs`: summaries and descriptions.
//!
//! # JSON output (`schema_version` 1)
//!
//! [`Report::to_json`] writes one object:
//!
//! ```text
//! {
//!   "schema_version": 1,
//!   "old": "<old document as named>",
//!   "new": "<new document as named>",
//!   "operations": ["<operationId>", ...],          // compared, sorted
//!   "summary": {"breaking": 0, "warning": 0, "additive": 0, "docs": 0},
//!   "findings": [{
//!     "operation": "<operationId>",
//!     "level": "breaking" | "warning" | "additive" | "docs",
//!     "affects": "wire" | "rust" | "none",
//!     "kind": "<kebab-case kind, e.g. method-changed>",
//!     "old_pointer": "#/paths/..." | null,           // JSON pointer into the old document
//!     "new_pointer": "#/paths/..." | null,           // JSON pointer into the new document
//!     "rust_item": "<generated Rust item that changes>" | null,
//!     "message": "<one sentence for a person>"
//!   }, ...]              // sorted: operation, level (most severe first), affects, kind, pointers
//! }
//! ```
//!
//! Fields are only ever added to version 1; a removal or change of meaning bumps it.

mod compare;
mod errors;
mod locate;
mod report;
mod types;
mod wire;

use serde::Serialize;

use crate::error::Result;
use crate::ir::Api;
use crate::load::Document;
use crate::resolve::{self, Resolved};
use crate::select::{self, Located};
use crate::settings::Settings;

/// The version of the JSON report's layout, written as `schema_version`.
pub const SCHEMA_VERSION: u32 = 1;

/// How severe a change is. Ordered: `Docs < Additive < Warning < Breaking`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// Summaries and descriptions only.
    Docs,
    /// New things that existing code and requests do not notice.
    Additive,
    /// Compatible, but existing code may need attention.
    Warning,
    /// Existing code or requests stop working.
    Breaking,
}

impl Level {
    /// The lowercase name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Docs => "docs",
            Level::Additive => "additive",
            Level::Warning => "warning",
            Level::Breaking => "breaking",
        }
    }
}

/// What a change affects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Affects {
    /// What travels over HTTP.
    Wire,
    /// Only the generated Rust names and signatures; the wire is the same.
    Rust,
    /// Neither (documentation).
    None,
}

/// One difference between the two documents, for one operation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    /// The operationId (the key in `Api::operations`).
    pub operation: String,
    /// How severe the change is.
    pub level: Level,
    /// Whether the wire or only the Rust API changes.
    pub affects: Affects,
    /// A stable kebab-case name for the kind of change, such as `method-changed`.
    pub kind: &'static str,
    /// Where the changed thing is in the old document, when it exists there.
    pub old_pointer: Option<String>,
    /// Where the changed thing is in the new document, when it exists there.
    pub new_pointer: Option<String>,
    /// The generated Rust item that changes (function, argument, type or field).
    pub rust_item: Option<String>,
    /// What changed, in one sentence.
    pub message: String,
}

/// The result of comparing two documents.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The old document, as the user named it.
    pub old: String,
    /// The new document, as the user named it.
    pub new: String,
    /// The operations compared, sorted.
    pub operations: Vec<String>,
    /// What changed, sorted by operation, most severe first, then affects, kind, pointers.
    pub findings: Vec<Finding>,
}

impl Report {
    /// The most severe level found, if anything was found.
    pub fn worst(&self) -> Option<Level> {
        self.findings.iter().map(|f| f.level).max()
    }

    /// How many findings have `level`.
    pub fn count(&self, level: Level) -> usize {
        self.findings.iter().filter(|f| f.level == level).count()
    }
}

/// Compares what `old` and `new` generate for the operations `settings` selects.
///
/// An operationId or tag has to exist in at least one of the documents; an operation
/// found in only one is reported as added or removed.
///
/// Like [`generate`](crate::generate), the work runs on a thread with a stack of known
/// size.
pub fn diff(old: &Document, new: &Document, settings: &Settings) -> Result<Report> {
    crate::stack::run(|| diff_here(old, new, settings))
}

fn diff_here(old: &Document, new: &Document, settings: &Settings) -> Result<Report> {
    check_selection(old, new, settings)?;
    let old_side = Side::resolve(old, settings)?;
    let new_side = Side::resolve(new, settings)?;
    let mut findings = compare::operations(&old_side, &new_side);
    // Most severe first within an operation; the full order breaks the remaining ties.
    findings.sort_by(|a, b| {
        (&a.operation, b.level)
            .cmp(&(&b.operation, a.level))
            .then_with(|| a.cmp(b))
    });
    findings.dedup();
    let mut operations: Vec<String> = old_side
        .api
        .operations
        .keys()
        .chain(new_side.api.operations.keys())
        .cloned()
        .collect();
    operations.extend(
        old_side
            .skipped
            .iter()
            .chain(&new_side.skipped)
            .map(|s| s.operation.clone()),
    );
    operations.sort();
    operations.dedup();
    Ok(Report {
        old: old.file.clone(),
        new: new.file.clone(),
        operations,
        findings,
    })
}

/// One document, resolved with the part of the selection it contains.
pub(crate) struct Side<'a> {
    doc: &'a Document,
    api: Api,
    skipped: Vec<crate::Skip>,
    /// Every operation in the document, for finding where an old route went.
    all: Vec<Located>,
}

impl<'a> Side<'a> {
    fn resolve(doc: &'a Document, settings: &Settings) -> Result<Side<'a>> {
        let all = select::all_operations(doc);
        let own = Settings {
            operations: settings
                .operations
                .iter()
                .filter(|id| all.iter().any(|op| &op.id == *id))
                .cloned()
                .collect(),
            tags: settings
                .tags
                .iter()
                .filter(|t| all.iter().any(|op| op.tags.contains(t)))
                .cloned()
                .collect(),
            strict: false,
            ..settings.clone()
        };
        if !own.all && own.operations.is_empty() && own.tags.is_empty() {
            return Ok(Side {
                doc,
                api: Api::default(),
                skipped: Vec::new(),
                all,
            });
        }
        let selected = select::select(doc, &own)?;
        let Resolved { api, skipped } = resolve::resolve(doc, &selected, &own)?;
        Ok(Side {
            doc,
            api,
            skipped,
            all,
        })
    }
}

/// Fails when an asked-for operationId or tag is in neither document, with the error
/// (and suggestions) the new document gives.
fn check_selection(old: &Document, new: &Document, settings: &Settings) -> Result<()> {
    if !settings.all && settings.operations.is_empty() && settings.tags.is_empty() {
        return Err(crate::Error::NothingSelected);
    }
    let (old_ops, new_ops) = (select::all_operations(old), select::all_operations(new));
    let has_id = |ops: &[Located], id: &String| ops.iter().any(|op| &op.id == id);
    let has_tag = |ops: &[Located], tag: &String| ops.iter().any(|op| op.tags.contains(tag));
    for id in &settings.operations {
        if !has_id(&old_ops, id) && !has_id(&new_ops, id) {
            select::select(new, &Settings::operations([id.clone()]))?;
        }
    }
    for tag in &settings.tags {
        if !has_tag(&old_ops, tag) && !has_tag(&new_ops, tag) {
            select::select(
                new,
                &Settings {
                    tags: vec![tag.clone()],
                    ..Settings::default()
                },
            )?;
        }
    }
    Ok(())
}
