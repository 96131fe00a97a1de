//! The one settings struct that the library API, the build.rs builder and the CLI share.

use std::collections::BTreeMap;

/// The operationId of Workers KV bulk delete, the operation this project exists for.
pub const BULK_DELETE_OPERATION: &str = "workers-kv-namespace-delete-multiple-key-value-pairs";

/// The operationId of Workers KV's key listing, which finds the keys to delete by prefix.
pub const LIST_KEYS_OPERATION: &str = "workers-kv-namespace-list-a-namespace'-s-keys";

/// The prefixes the committed crate strips: Cloudflare prefixes Workers KV schema names
/// with `workers-kv_` and operationIds with `workers-kv-`.
pub const WORKERS_KV_PREFIXES: [&str; 2] = ["workers-kv_", "workers-kv-"];

/// What to generate, and how to name it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Settings {
    /// Operations to generate, by operationId.
    pub operations: Vec<String>,
    /// Tags whose operations to generate.
    pub tags: Vec<String>,
    /// Generate every operation in the document.
    pub all: bool,
    /// Prefixes removed from operationIds and schema names before they become Rust
    /// names, for example `workers-kv_`. The first that matches is removed.
    pub strip_prefixes: Vec<String>,
    /// Fail when any selected operation cannot be generated, instead of skipping it and
    /// listing it in the report.
    pub strict: bool,
    /// Split the API into a family of crates named after this facade crate: the
    /// operations are sorted into products (see the `products` stage), each product is
    /// a crate of its own (`{name}-{product}`, in `products/{product}/`) and a Cargo
    /// feature of the facade, which holds the `Client`. The facade's `Cargo.toml` then
    /// needs the tables that [`Generated::features`](crate::Generated::features) holds.
    pub product_crates: Option<String>,
    /// With `product_crates`: the product of each operation, by operation key, from the
    /// previous generation (the facade's product table, which
    /// [`read_product_table`](crate::read_product_table) reads). An operation listed
    /// here keeps its product; the others are sorted into products by cfgen's rules.
    pub product_table: BTreeMap<String, String>,
}

impl Settings {
    /// The settings the committed `generated/` crate is generated with: bulk delete and
    /// key listing, with the Workers KV prefixes stripped, as the repository's
    /// `cfgen.toml` says. The CLI has no defaults of its own; it reads them from
    /// `cfgen.toml`.
    pub fn bulk_delete() -> Self {
        Settings {
            operations: vec![
                BULK_DELETE_OPERATION.to_string(),
                LIST_KEYS_OPERATION.to_string(),
            ],
            strip_prefixes: WORKERS_KV_PREFIXES.map(String::from).to_vec(),
            ..Settings::default()
        }
    }

    /// Settings that select the given operations and nothing else.
    pub fn operations<I, S>(ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Settings {
            operations: ids.into_iter().map(Into::into).collect(),
            ..Settings::default()
        }
    }
}
