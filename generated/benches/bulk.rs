//! One million keys deleted through the bulk API next to a raw reqwest loop
//! sending the same requests at the same concurrency, against the same local
//! server, in the same run. The goal is the bulk API within 1.10x of the raw
//! loop. Beside them, the bulk API against a server that lists 5% of the keys
//! of every answer in `unsuccessful_keys`: the goal is at most about twice
//! the fault-free time. Run with `cargo bench -p cloudflare-kv --bench bulk`.

// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use cloudflare_kv::bulk::{BulkDelete, BulkDeleteReport, KeyError};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use support::{ACCOUNT, CONCURRENCY, Fixture, KEYS, NAMESPACE};

/// Checks the report of a run against the server that keeps 5% of the keys:
/// every key is accounted for, and the only failures are keys every answer
/// kept until their re-send budget ran out (about six in a million, at a
/// chance of 0.05^4 each).
fn check_unsuccessful_run(report: &BulkDeleteReport) {
    assert_eq!(report.deleted + report.failed.len() as u64, KEYS as u64);
    assert!(report.failed.len() < 100, "{} failed", report.failed.len());
    assert!(
        report
            .failed
            .iter()
            .all(|f| matches!(f.error, KeyError::Unsuccessful { .. }))
    );
}

fn bulk_delete(c: &mut Criterion) {
    let Fixture {
        runtime,
        base,
        client,
        unsuccessful,
        http,
    } = Fixture::start();

    let mut group = c.benchmark_group("bulk_delete_1m_keys");
    group.throughput(Throughput::Elements(KEYS as u64));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("bulk_api", |b| {
        b.iter(|| {
            let report = runtime.block_on(
                BulkDelete::new(&client, ACCOUNT, NAMESPACE)
                    .concurrency(CONCURRENCY)
                    .run(support::keys()),
            );
            let report = report.expect("valid settings");
            assert_eq!(report.deleted, KEYS as u64);
        });
    });
    group.bench_function("bulk_api_5pct_unsuccessful", |b| {
        b.iter(|| {
            let report = runtime.block_on(
                BulkDelete::new(&unsuccessful, ACCOUNT, NAMESPACE)
                    .concurrency(CONCURRENCY)
                    .run(support::keys()),
            );
            check_unsuccessful_run(&report.expect("valid settings"));
        });
    });
    group.bench_function("raw_reqwest", |b| {
        b.iter(|| {
            let deleted = runtime.block_on(support::raw_loop(&http, &base));
            assert_eq!(deleted, KEYS as u64);
        });
    });
    group.finish();
}

criterion_group!(benches, bulk_delete);
criterion_main!(benches);
