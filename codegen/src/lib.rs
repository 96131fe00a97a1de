//! `cfgen` turns Cloudflare's OpenAPI document into a typed async Rust client.
//!
//! The pipeline has one module per stage, wired together only here:
//!
//! | stage | module | does |
//! |---|---|---|
//! | 1 | [`load`], [`overlay`], `select`, `products` | reads JSON or YAML, checks the version, applies overlays, finds the selected operations and, with [`Settings::product_crates`], sorts them into products (one crate and one Cargo feature each) |
//! | 2 | `resolve` | follows `$ref`s, merges `allOf`, names everything (through `naming`): the `ir` |
//! | 3 | `render` | IR to tokens with `quote!` |
//! | 4 | `format`, `manifest` | tokens to text with `prettyplease`, `@generated` header; a crate family's `Cargo.toml`s |
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
mod manifest;
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
pub use config::{CONFIG_FILE, Config, FailOn, PRODUCT_TABLE, read_product_table};
pub use error::{Error, Result, Skip};
pub use load::Document;
pub use resolve::MAX_DEPTH;
pub use settings::{BULK_DELETE_OPERATION, LIST_KEYS_OPERATION, Settings, WORKERS_KV_PREFIXES};

/// The output of one generation.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// The formatted Rust source, `@generated` header included: the crate's
    /// `src/generated.rs` (with product crates, the facade's).
    pub code: String,
    /// Operations that were selected but could not be generated, with the reason.
    pub skipped: Vec<Skip>,
    /// With [`Settings::product_crates`]: the tables the generator owns in the facade's
    /// `Cargo.toml` (`[features]`, one per product, the families, `full`; the product
    /// crates as optional dependencies), which [`write::splice_features`] puts in.
    pub features: Option<String>,
    /// With [`Settings::product_crates`]: every file of the member crates, by path
    /// relative to the facade crate (`products/workers-kv/Cargo.toml`,
    /// `products/workers-kv/src/lib.rs`, …), in path order.
    pub members: Vec<(String, String)>,
    /// With [`Settings::product_crates`]: the facade's product table, the product of
    /// every operation (the file [`PRODUCT_TABLE`] in the facade crate). Read it back
    /// into [`Settings::product_table`] for the next generation, so that operations
    /// keep their products across spec updates.
    pub product_table: Option<String>,
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
    let Some(facade) = &settings.product_crates else {
        return Ok(Generated {
            code: format::format(render::render(&resolved.api), &doc.file)?,
            skipped: resolved.skipped,
            features: None,
            members: Vec::new(),
            product_table: None,
        });
    };
    let family = render::Family { facade };
    let products = products::assign(doc, &selected, settings);
    let tokens = render::render_family(&resolved.api, &products, &family)?;
    let mut members = Vec::new();
    for (product, code) in tokens.products {
        let shared = tokens
            .shared_users
            .contains(&product)
            .then_some(product.as_str());
        let manifest = manifest::member_manifest(&family, &product, &doc.file, &[], shared);
        members.push(member_files(&product, manifest, code, &doc.file)?);
    }
    if let Some(code) = tokens.shared {
        let features: Vec<&str> = tokens.shared_users.iter().map(String::as_str).collect();
        let manifest =
            manifest::member_manifest(&family, render::SHARED, &doc.file, &features, None);
        members.push(member_files(render::SHARED, manifest, code, &doc.file)?);
    }
    let mut members: Vec<(String, String)> = members.into_iter().flatten().collect();
    members.sort();
    Ok(Generated {
        code: format::format(tokens.facade, &doc.file)?,
        skipped: resolved.skipped,
        features: Some(manifest::facade_tables(
            &family,
            &products,
            &tokens.shared_users,
        )),
        members,
        product_table: Some(manifest::product_table(&products, &doc.file)),
    })
}

/// A member crate's two files: its manifest and its formatted `src/lib.rs`.
fn member_files(
    member: &str,
    manifest: String,
    code: proc_macro2::TokenStream,
    source: &str,
) -> Result<[(String, String); 2]> {
    let dir = manifest::member_dir(member);
    Ok([
        (format!("{dir}/Cargo.toml"), manifest),
        (format!("{dir}/src/lib.rs"), format::format(code, source)?),
    ])
}
