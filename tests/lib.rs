//! Test layers that span the workspace: snapshots of generated code, the compile check
//! of every snapshot, and the freshness check of the committed `generated/` crate.
//!
//! The [`snapshots`] module below *is* the compile layer: every committed snapshot is
//! compiled here, with warnings (missing docs included) denied, each time the tests
//! build.
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

    /// Bulk delete from Cloudflare's 2023-01-03 document (`DELETE …/bulk`).
    #[path = "../../codegen/tests/snapshots/bulk-delete-2023-01-03.rs"]
    pub mod bulk_delete_2023_01_03;

    /// Bulk delete and its deprecated twin from the 2024-08-07 document.
    #[path = "../../codegen/tests/snapshots/bulk-delete-2024-08-07.rs"]
    pub mod bulk_delete_2024_08_07;
}
