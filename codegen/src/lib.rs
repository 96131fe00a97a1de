//! `cfgen` turns Cloudflare's OpenAPI document into a typed async Rust client.
//!
//! The pipeline has one module per stage, wired together only here:
//!
//! | stage | module | does |
//! |---|---|---|
//! | 1 | [`load`], [`overlay`], [`select`] | reads JSON or YAML, checks the version, applies overlays, finds the selected operations |
//! | 2 | [`resolve`] | follows `$ref`s, merges `allOf`, names everything: the [`ir`] |
//! | 3 | `render` | IR to tokens with `quote!` |
//! | 4 | `format` | tokens to text with `prettyplease`, `@generated` header |
//! | 5 | [`write`](mod@write) | writes only on change, atomically |
//!
//! [`generate`] runs stages 1b to 4 without any I/O and is what every front end calls.
//!
//! ```no_run
//! let doc = cfgen::load::Document::from_path("spec/openapi.yaml".as_ref())?;
//! let settings = cfgen::Settings::operations(["workers-kv-namespace-delete-multiple-key-value-pairs"]);
//! let generated = cfgen::generate(&doc, &settings)?;
//! cfgen::write::write_if_changed("src/generated.rs".as_ref(), &generated.code)?;
//! # Ok::<(), cfgen::Error>(())
//! ```
//!
//! # From build.rs
//!
//! [`Builder`] generates into `OUT_DIR` and tells cargo to rerun only when the spec or
//! an overlay changes. Depend on `cfgen` with `default-features = false` in
//! `[build-dependencies]` so the build script does not compile the CLI's `clap` and
//! `anyhow`:
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), cfgen::Error> {
//!     cfgen::Builder::new("spec/openapi.yaml")
//!         .overlay("spec/overlay.yaml")
//!         .operation(cfgen::BULK_DELETE_OPERATION)
//!         .strip_prefix("workers-kv_")
//!         .strip_prefix("workers-kv-")
//!         .write()?;
//!     Ok(())
//! }
//! ```
//!
//! The written code is included with
//! `include!(concat!(env!("OUT_DIR"), "/cloudflare_client.rs"))` and needs these
//! ordinary dependencies: `cfgen-runtime`, `serde` with the `derive` feature, and
//! `serde_json`.
#![deny(missing_docs)]

mod builder;
pub mod diff;
pub mod error;
mod format;
pub mod ir;
pub mod load;
pub mod naming;
pub mod overlay;
mod render;
pub mod resolve;
pub mod select;
mod settings;
mod stack;
pub mod write;

pub use builder::{Builder, DEFAULT_FILE_NAME, Written};
pub use error::{Error, Result, Skip};
pub use settings::{BULK_DELETE_OPERATION, Settings, WORKERS_KV_PREFIXES};

/// The output of one generation.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// The formatted Rust source, `@generated` header included.
    pub code: String,
    /// Operations that were selected but could not be generated, with the reason.
    pub skipped: Vec<Skip>,
}

/// Generates the client code for the operations `settings` selects. Pure: no I/O.
///
/// The work runs on a thread of its own with a stack large enough for the deepest
/// document the limits allow, so the caller's stack size does not matter.
pub fn generate(doc: &load::Document, settings: &Settings) -> Result<Generated> {
    stack::run(|| generate_here(doc, settings))
}

fn generate_here(doc: &load::Document, settings: &Settings) -> Result<Generated> {
    let selected = select::select(doc, settings)?;
    let resolved = resolve::resolve(doc, &selected, settings)?;
    let code = format::format(render::render(&resolved.api), &doc.file)?;
    Ok(Generated {
        code,
        skipped: resolved.skipped,
    })
}
