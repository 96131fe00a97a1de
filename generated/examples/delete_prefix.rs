//! Deletes every key whose name starts with a prefix from a Workers KV namespace: the
//! keys are listed page by page and deleted while the listing goes on, then listed once
//! more to catch keys the eventually consistent listing still showed.
//!
//! ```text
//! export CLOUDFLARE_API_TOKEN=...        # or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY
//! export CLOUDFLARE_ACCOUNT_ID=023e105f4ecef8ad9ca31a8372d0c353
//! export KV_NAMESPACE_ID=0f2ac74b498b48028cb68387c421e279
//! cargo run -p cloudflare-kv --example delete_prefix -- session:
//! ```
//!
//! Exit status: 0 when every listed key was deleted, 1 when some were not or the
//! listing failed part-way, 2 when the environment or arguments are missing.

use std::process::ExitCode;

use cloudflare_kv::Client;
use cloudflare_kv::bulk::{BulkDelete, BulkDeleteReport};

#[tokio::main]
async fn main() -> ExitCode {
    let (Ok(account), Ok(namespace), Some(prefix)) = (
        std::env::var("CLOUDFLARE_ACCOUNT_ID"),
        std::env::var("KV_NAMESPACE_ID"),
        std::env::args().nth(1).filter(|p| !p.is_empty()),
    ) else {
        eprintln!("usage: CLOUDFLARE_ACCOUNT_ID=... KV_NAMESPACE_ID=... delete_prefix PREFIX");
        return ExitCode::from(2);
    };
    let client = match Client::from_env() {
        Ok(client) => client,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let mut complete = true;
    // Twice: the second listing finds keys deleted a moment ago that Workers KV still
    // lists, and deleting them again is harmless.
    for pass in ["deleting", "listing again"] {
        eprintln!("{pass} keys under {prefix:?}");
        let keys = client
            .namespace_list_a_namespace_s_keys(&account, &namespace)
            .prefix(&prefix)
            .stream();
        let report = BulkDelete::new(&client, &account, &namespace)
            .run_listing(keys)
            .await
            .expect("the default settings are valid");
        complete = summarize(&report);
        if !complete {
            break;
        }
    }
    if complete {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Prints what a pass did; whether every listed key was deleted.
fn summarize(report: &BulkDeleteReport) -> bool {
    eprintln!(
        "deleted {} of {} keys listed",
        report.deleted,
        report.distinct()
    );
    for failed in &report.failed {
        eprintln!("not deleted: {:?}: {}", failed.key, failed.error);
    }
    if let Some(error) = &report.input_error {
        eprintln!("the listing stopped early: {error}; run again to delete the rest");
    }
    report.is_complete()
}
