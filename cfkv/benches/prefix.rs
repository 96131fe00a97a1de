//! Keys per second of `cfkv bulk-delete --prefix` over 1,000,000 keys, next to
//! deleting the same keys from a keys file, against the same mock Workers KV
//! namespace (`testkit::KvNamespace`), in one run. The prefix run also lists
//! every key (1,000 a page) and lists once more at the end; the difference
//! between the two is the price of not holding a list of the keys.
//!
//! `cargo bench -p cfkv --bench prefix` (set `CFKV_BENCH_KEYS` for another
//! count). It runs the release binary as a user would; both runs get the
//! same generous `--rate-limit`, so the figures measure cfkv and the mock,
//! not Cloudflare's pacing.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use testkit::{KvKey, KvNamespace, MockServer};

const ACCOUNT: &str = "0123456789abcdef0123456789abcdef";
const NAMESPACE: &str = "fedcba9876543210fedcba9876543210";

fn main() {
    // `cargo bench` passes `--bench`; a name filter that does not match skips.
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with('-') && !"prefix".contains(a.as_str()))
    {
        return;
    }
    let count: usize = std::env::var("CFKV_BENCH_KEYS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let keys: Vec<String> = (0..count).map(|i| format!("user:{i:07}")).collect();
    let others: Vec<String> = (0..count / 10).map(|i| format!("other:{i:07}")).collect();
    let kv = KvNamespace::new(ACCOUNT, NAMESPACE);
    let server = runtime.block_on(kv.serve());
    let dir = std::env::temp_dir().join(format!("cfkv-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let file = dir.join("keys.txt");
    std::fs::write(&file, keys.join("\n")).expect("keys file");

    kv.insert_all(keys.iter().chain(&others).map(KvKey::named));
    let by_prefix = time(&server, &["--prefix", "user:"]);
    assert_eq!(
        kv.len(),
        others.len(),
        "the prefix run deleted exactly the keys"
    );
    let after_prefix = kv.stats();

    kv.insert_all(keys.iter().map(KvKey::named));
    let from_file = time(
        &server,
        &["--keys-file", file.to_str().expect("UTF-8 path")],
    );
    assert_eq!(
        kv.len(),
        others.len(),
        "the file run deleted exactly the keys"
    );
    let after_file = kv.stats();
    let _ = std::fs::remove_dir_all(&dir);

    println!(
        "cfkv bulk-delete, {count} keys ({} other keys in the namespace):",
        others.len()
    );
    report("--prefix user:", count, by_prefix);
    println!(
        "{:>20}  ({} list and {} delete requests)",
        "", after_prefix.list_requests, after_prefix.delete_requests
    );
    report("--keys-file", count, from_file);
    println!(
        "{:>20}  ({} delete requests)",
        "",
        after_file.delete_requests - after_prefix.delete_requests
    );
    println!(
        "--prefix takes {:.2}x the time of --keys-file",
        by_prefix.as_secs_f64() / from_file.as_secs_f64()
    );
}

/// Runs `cfkv bulk-delete --yes` with `args` to the end and times it.
fn time(server: &MockServer, args: &[&str]) -> Duration {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_cfkv"))
        .args(["bulk-delete", "--account-id", ACCOUNT])
        .args(["--namespace-id", NAMESPACE, "--yes"])
        .args(["--rate-limit", "1000000/1s"])
        .args(args)
        .env("CLOUDFLARE_API_TOKEN", "bench-token")
        .env("CLOUDFLARE_BASE_URL", server.url())
        .stdin(Stdio::null())
        .output()
        .expect("run cfkv");
    let elapsed = started.elapsed();
    assert!(
        output.status.success(),
        "cfkv {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    elapsed
}

fn report(what: &str, count: usize, elapsed: Duration) {
    println!(
        "{what:>20}  {:>8.2} s  {:>10.0} keys/s",
        elapsed.as_secs_f64(),
        count as f64 / elapsed.as_secs_f64()
    );
}
