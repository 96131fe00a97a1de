//! Test layers that span the workspace: snapshots of generated code, the compile check
//! of every snapshot, and the freshness check of the committed `generated/` crate.
//!
//! The [`snapshots`] module below *is* the compile layer: every committed snapshot is
//! compiled here, with warnings (missing docs included) denied, each time the tests
//! build.
#![deny(missing_docs)]

pub mod support;

/// Every committed snapshot, compiled with warnings denied. Snapshots are formatted by
/// the generator's own formatter, so each is marked `rustfmt::skip`.
#[deny(warnings)]
pub mod snapshots {
    /// `fixtures/kitchen_sink.yaml`, every operation.
    #[path = "kitchen_sink.rs"]
    #[rustfmt::skip]
    pub mod kitchen_sink;
}
