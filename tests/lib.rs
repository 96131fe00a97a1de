//! Test layers that span the workspace: snapshots of generated code, the compile check
//! of every snapshot, and the freshness check of the committed `generated/` crate.
//!
//! The [`snapshots`] module below *is* the compile layer: every committed snapshot is
//! compiled here, with warnings (missing docs included) denied, each time the tests
//! build. [`hand_written_layer`] compiles `cloudflare-kv`'s hand-written bulk layer
//! against the clients generated from the 2023 and 2024 documents: regenerating
//! `generated/` from any of them leaves a crate that builds.
#![deny(missing_docs)]

pub mod support;

/// Every committed snapshot, compiled with warnings denied. Snapshots are formatted by
/// the generator's own formatter, so rustfmt skips this module and the files below it.
#[deny(warnings)]
#[rustfmt::skip]
pub mod snapshots {
    /// `fixtures/kitchen_sink.yaml`, every operation.
    #[path = "kitchen_sink.rs"]
    pub mod kitchen_sink;

    /// `fixtures/hostile_names.yaml`: names that are not Rust identifiers.
    #[path = "hostile_names.rs"]
    pub mod hostile_names;

    /// `fixtures/pagination.yaml`: every way a list operation pages.
    #[path = "pagination.rs"]
    pub mod pagination;

    /// `fixtures/recursion.yaml`: legal recursion through structs and unions.
    #[path = "recursion.rs"]
    pub mod recursion;

    /// Bulk delete from Cloudflare's 2023-01-03 document (`DELETE …/bulk`).
    #[path = "bulk-delete-2023-01-03.rs"]
    pub mod bulk_delete_2023_01_03;

    /// Bulk delete and its deprecated twin from the 2024-08-07 document.
    #[path = "bulk-delete-2024-08-07.rs"]
    pub mod bulk_delete_2024_08_07;
}

/// `generated/src/bulk/` compiled beside the functions generated from each real
/// document, with warnings denied, as it would be after regenerating `generated/` from
/// that document. The bulk layer calls the generated endpoint through `super::super`, so
/// it picks up the version each module re-exports. (The `path` attributes make
/// `mod bulk;` find `generated/src/bulk/mod.rs`.)
#[deny(warnings)]
// Loading the same files twice, against two different clients, is the point.
#[allow(clippy::duplicate_mod)]
#[path = "../generated/src"]
pub mod hand_written_layer {
    /// Beside the client of the 2023-01-03 document (`DELETE …/bulk`, untyped result).
    #[path = "."]
    pub mod from_2023_01_03 {
        pub use crate::snapshots::bulk_delete_2023_01_03::*;

        pub mod bulk;

        /// What `cloudflare-kv`'s crate root would say for this client: the document
        /// typed the result as any object or text, so it names no keys.
        impl bulk::KeyOutcome for NamespaceDeleteMultipleKeyValuePairsResult {
            fn unsuccessful_keys(&self) -> Option<&[String]> {
                None
            }

            fn successful_key_count(&self) -> Option<u64> {
                None
            }
        }
    }

    /// Beside the client of the 2024-08-07 document (`POST …/bulk/delete`).
    #[path = "."]
    pub mod from_2024_08_07 {
        pub use crate::snapshots::bulk_delete_2024_08_07::*;

        pub mod bulk;

        /// What `cloudflare-kv`'s crate root would say for this client: the document
        /// typed the result as a map of any values, so only a count can be read off it.
        impl bulk::KeyOutcome for NamespaceDeleteMultipleKeyValuePairsResult {
            fn unsuccessful_keys(&self) -> Option<&[String]> {
                None
            }

            fn successful_key_count(&self) -> Option<u64> {
                self.get("successful_key_count")?.as_u64()
            }
        }
    }
}
