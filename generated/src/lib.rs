//! Typed async client for Cloudflare Workers KV bulk delete.
//!
//! (Crate docs: a short tutorial, to be written.)
#![deny(missing_docs)]

/// The code generated from `spec/` by `cfgen`. Regenerate, never edit.
mod generated;

pub use cfgen_runtime::{Client, ClientBuilder, Credentials, Error, ErrorKind, RetryPolicy};
pub use generated::*;

pub mod bulk;
pub use bulk::{BulkDelete, BulkDeleteReport, MAX_KEYS_PER_REQUEST};
