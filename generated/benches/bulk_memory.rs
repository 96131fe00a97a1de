//! Peak memory of deleting one million streamed keys: the bulk API (with
//! each de-duplication mode, and against a server that keeps 5% of the keys
//! of every answer) next to the raw reqwest loop, each measured as
//! the process's peak resident set (`VmHWM` in `/proc/self/status`), reset
//! between runs through `/proc/self/clear_refs`. Linux only; prints a line
//! per run. Run with `cargo bench -p cloudflare-kv --bench bulk_memory`.

#[path = "support/mod.rs"]
mod support;

use std::time::Instant;

use cloudflare_kv::bulk::{BulkDelete, Dedup};
use support::{ACCOUNT, CONCURRENCY, Fixture, KEYS, NAMESPACE};

/// A `/proc/self/status` field in KiB.
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets the peak to the current resident set (Linux 4.0 and later).
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Runs `run`, which returns the keys it accounted for, and prints its peak
/// memory and time.
fn measure(name: &str, run: impl FnOnce() -> u64) {
    let reset = reset_peak();
    let before = status_kib("VmRSS:").unwrap_or(0);
    let start = Instant::now();
    let deleted = run();
    let elapsed = start.elapsed();
    let peak = status_kib("VmHWM:").unwrap_or(0);
    assert_eq!(deleted, KEYS as u64, "{name}: every key accounted for");
    let note = if reset {
        ""
    } else {
        " (peak not reset: includes earlier runs)"
    };
    println!(
        "{name:<24} peak RSS {:>7.1} MiB, {:>+7.1} MiB over the {:.1} MiB before; {:.2?}{note}",
        peak as f64 / 1024.0,
        (peak as f64 - before as f64) / 1024.0,
        before as f64 / 1024.0,
        elapsed
    );
}

fn main() {
    // One pass of each, a few seconds in release; `cargo test --benches`
    // runs it too, which also checks that every key is deleted.
    let Fixture {
        runtime,
        base,
        client,
        unsuccessful,
        http,
    } = Fixture::start();
    println!("{KEYS} keys, {CONCURRENCY} requests in flight, chunks of 10000");
    // Warm the connection pools so the first measurement is not penalised.
    runtime.block_on(support::raw_loop(&http, &base));
    let bulk = |dedup| {
        let run = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
            .concurrency(CONCURRENCY)
            .dedup(dedup);
        runtime
            .block_on(run.run(support::keys()))
            .expect("valid settings")
            .deleted
    };
    measure("raw reqwest loop", || {
        runtime.block_on(support::raw_loop(&http, &base))
    });
    measure("bulk API (WithinChunk)", || bulk(Dedup::WithinChunk));
    measure("bulk API (WholeRun)", || bulk(Dedup::WholeRun));
    // Keys the server keeps wait in the re-send queue: less than a chunk.
    measure("bulk API (5% unsuccessful)", || {
        let run = BulkDelete::new(&unsuccessful, ACCOUNT, NAMESPACE).concurrency(CONCURRENCY);
        let report = runtime
            .block_on(run.run(support::keys()))
            .expect("valid settings");
        // A few keys may stay unsuccessful through every re-send.
        report.deleted + report.failed.len() as u64
    });
}
