//! Generation speed on the real 2024-08-07 Cloudflare document (4.2 MB).
//!
//! `bulk-delete/parse-json-*` are bare `serde_json::Value` parses of the same bytes;
//! `bulk-delete/generate` is the whole pipeline for one operation (load, select,
//! resolve, render, format). Because only the selected closure is converted, the goal is
//! that it stays within 1.5x of a bare parse. `all/generate` is `--all`.
//!
//! Run with `cargo bench -p cfgen --bench generate`; when `../shared/cloudflare-spec/` is
//! absent, it says so and measures nothing.

use std::hint::black_box;
use std::path::Path;

use cfgen::Settings;
use cfgen::load::Document;
use criterion::{Criterion, criterion_main};

const SPEC: &str = "../../shared/cloudflare-spec/openapi-2024-08-07.json";
const BULK_DELETE: &str = "workers-kv-namespace-delete-multiple-key-value-pairs";

fn spec_bytes() -> Option<Vec<u8>> {
    let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(SPEC)).ok();
    if bytes.is_none() {
        eprintln!("skipped: ../shared/cloudflare-spec not found");
    }
    bytes
}

/// Load, select, resolve, render and format, from the raw bytes.
fn generate(bytes: &[u8], settings: &Settings) -> String {
    let text = std::str::from_utf8(bytes).expect("the document is UTF-8");
    let doc = Document::from_text("openapi-2024-08-07.json", text).expect("the document loads");
    cfgen::generate(&doc, settings)
        .expect("generation succeeds")
        .code
}

fn bulk_delete(c: &mut Criterion) {
    let Some(bytes) = spec_bytes() else { return };
    let settings = Settings::operations([BULK_DELETE]);
    let mut group = c.benchmark_group("bulk-delete");
    group.sample_size(20);
    // Both baselines: `from_slice` checks UTF-8 string by string, `from_str` after one
    // whole-text check, which is how `load` reads a document.
    group.bench_function("parse-json-from-slice", |b| {
        b.iter(|| {
            serde_json::from_slice::<serde_json::Value>(black_box(&bytes)).expect("valid JSON")
        })
    });
    group.bench_function("parse-json-from-str", |b| {
        b.iter(|| {
            let text = std::str::from_utf8(black_box(&bytes)).expect("UTF-8");
            serde_json::from_str::<serde_json::Value>(text).expect("valid JSON")
        })
    });
    group.bench_function("generate", |b| {
        b.iter(|| generate(black_box(&bytes), &settings))
    });
    group.finish();
}

fn all(c: &mut Criterion) {
    let Some(bytes) = spec_bytes() else { return };
    let settings = Settings {
        all: true,
        ..Settings::default()
    };
    let mut group = c.benchmark_group("all");
    group.sample_size(10);
    group.bench_function("generate", |b| {
        b.iter(|| generate(black_box(&bytes), &settings))
    });
    group.finish();
}

/// The benchmark groups, in a module because `criterion_group!` generates an
/// undocumented public function.
#[allow(missing_docs)]
mod groups {
    criterion::criterion_group!(benches, super::bulk_delete, super::all);
}

criterion_main!(groups::benches);
