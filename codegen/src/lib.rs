//! `cfgen` turns Cloudflare's OpenAPI document into a typed async Rust client.
//!
//! The pipeline has one module per stage, wired together only here:
//!
//! | stage | module | does |
//! |---|---|---|
//! | 1 | [`load`], [`overlay`], `select`, `products` | reads JSON or YAML, checks the version, applies overlays, finds the selected operations and, with [`Settings::features`], sorts them into products (one Cargo feature each) |
//! | 2 | `resolve` | follows `$ref`s, merges `allOf`, names everything (through `naming`): the `ir` |
//! | 3 | `render` | IR to tokens with `quote!` |
//! | 4 | `format` | tokens to text with `prettyplease`, `@generated` header |
//! | 5 | [`write`](mod@write) | writes only on change, atomically |
//!
//! [`generate`] runs stages 1b to 4 without any I/O and is what every front end calls.
//! The public surface is what a library or build.rs user needs: [`Document`],
//! [`Settings`], [`Builder`], [`generate`], [`diff`], [`overlay`], [`write`](mod@write) and the
//! [`Error`] type; the IR and the stages behind it are internal.
//!
//! # The generated API
//!
//! The output defines a `Client` type (wrapping `cfgen_runtime::Client`) and makes
//! every operation a method of it: `client.op(args).await` returns the envelope's
//! `result`, typed; `client.op_with_response(args)` returns a
//! `cfgen_runtime::ApiResponse` with the status, headers, `messages` and `result_info`
//! as well. An operation with optional parameters returns a request builder instead:
//! `client.op(required).optional(x).send().await`. Types in an operation's signature
//! are named after the operation (`{Operation}Result`, `{Operation}Body`), so renames
//! of shared schemas upstream do not reach the user's code. A list operation that
//! pages (a `cursor` or `page` query parameter answered by `result_info`, or the
//! `x-cfgen-pagination` extension an overlay adds) also gets
//! `client.op(required).stream()`: a `Stream` of the items of every page, over
//! `cfgen_runtime::paginate`.
//!
//! Around the pipeline: [`config`] reads `cfgen.toml`, which every front end shares;
//! [`diff`] compares what two documents generate; [`slice`](mod@slice) cuts the minimal
//! self-contained document for a selection; [`update`] strings diff, slice and
//! generate together for a project moving to a new document.
//!
//! ```no_run
//! let doc = cfgen::Document::from_path("spec/openapi.yaml".as_ref())?;
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
//! A project with a `cfgen.toml` (see [`config`]) says all of that once, for the
//! build script and the `cfgen` command alike:
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), cfgen::Error> {
//!     cfgen::Builder::from_config("cfgen.toml")?.write()?;
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
pub mod config;
pub mod diff;
pub mod error;
mod format;
mod ir;
pub mod load;
mod naming;
pub mod overlay;
mod products;
mod render;
mod resolve;
mod select;
mod settings;
pub mod slice;
mod stack;
pub mod update;
pub mod write;

pub use builder::{Builder, DEFAULT_FILE_NAME, Written};
pub use config::{CONFIG_FILE, Config, FailOn};
pub use error::{Error, Result, Skip};
pub use load::Document;
pub use resolve::MAX_DEPTH;
pub use settings::{BULK_DELETE_OPERATION, LIST_KEYS_OPERATION, Settings, WORKERS_KV_PREFIXES};

/// The output of one generation.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// The formatted Rust source, `@generated` header included.
    pub code: String,
    /// Operations that were selected but could not be generated, with the reason.
    pub skipped: Vec<Skip>,
    /// With [`Settings::features`]: the body of the crate's `[features]` table (one
    /// feature per product, the families, `full`), which [`write::splice_features`]
    /// puts into its `Cargo.toml`.
    pub features: Option<String>,
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
    let (tokens, features) = if settings.features {
        let products = products::assign(doc, &selected);
        let tokens = render::render_gated(&resolved.api, &products)?;
        (tokens, Some(products::cargo_features(&products)))
    } else {
        (render::render(&resolved.api), None)
    };
    let code = format::format(tokens, &doc.file)?;
    Ok(Generated {
        code,
        skipped: resolved.skipped,
        features,
    })
}
