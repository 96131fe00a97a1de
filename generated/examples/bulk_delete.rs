//! Deletes keys from a Workers KV namespace, any number of them: the keys are cut into
//! requests of up to 10,000, sent a few at a time, and every key is accounted for.
//!
//! ```text
//! export CLOUDFLARE_API_TOKEN=...        # or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY
//! export CLOUDFLARE_ACCOUNT_ID=023e105f4ecef8ad9ca31a8372d0c353
//! export KV_NAMESPACE_ID=0f2ac74b498b48028cb68387c421e279
//! cargo run -p cloudflare-kv --example bulk_delete -- session:1 session:2
//! ```
//!
//! Exit status: 0 when every key was deleted, 1 when some were not (each is listed with
//! its error), 2 when the environment or arguments are missing and nothing was sent.

use std::process::ExitCode;

use cloudflare_kv::Client;
use cloudflare_kv::bulk::{BulkDelete, BulkDeleteReport};

const USAGE: &str = "usage: CLOUDFLARE_API_TOKEN=... (or CLOUDFLARE_EMAIL=... CLOUDFLARE_API_KEY=...) \
CLOUDFLARE_ACCOUNT_ID=... KV_NAMESPACE_ID=... bulk_delete KEY...";

/// Everything the run needs, read before anything is sent.
struct Job {
    client: Client,
    account_id: String,
    namespace_id: String,
    keys: Vec<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let job = match Job::from_env() {
        Ok(job) => job,
        Err(problems) => {
            for problem in problems {
                eprintln!("error: {problem}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let total = job.keys.len();
    let run = BulkDelete::new(&job.client, &job.account_id, &job.namespace_id)
        .on_progress(|p| eprintln!("{} of {total} keys done ({} failed)", p.done, p.failed))
        .run(job.keys)
        .await;
    match run {
        Ok(report) => summarize(&report),
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}

impl Job {
    /// Reads the credentials, ids and keys, reporting every missing piece at once so a
    /// user fixes them in one go.
    fn from_env() -> Result<Job, Vec<String>> {
        let mut problems = Vec::new();
        let client = Client::from_env()
            .map_err(|err| problems.push(err.to_string()))
            .ok();
        let mut var = |name: &str| match std::env::var(name) {
            Ok(value) if !value.trim().is_empty() => Some(value.trim().to_owned()),
            _ => {
                problems.push(format!("{name} is not set"));
                None
            }
        };
        let account_id = var("CLOUDFLARE_ACCOUNT_ID");
        let namespace_id = var("KV_NAMESPACE_ID");
        let keys: Vec<String> = std::env::args().skip(1).collect();
        if keys.is_empty() {
            problems.push("no keys given: pass the keys to delete as arguments".to_owned());
        }
        match (client, account_id, namespace_id) {
            (Some(client), Some(account_id), Some(namespace_id)) if problems.is_empty() => {
                Ok(Job {
                    client,
                    account_id,
                    namespace_id,
                    keys,
                })
            }
            _ => Err(problems),
        }
    }
}

fn summarize(report: &BulkDeleteReport) -> ExitCode {
    println!(
        "deleted {} of {} keys in {} request(s); {} repeated key(s) skipped",
        report.deleted,
        report.distinct(),
        report.requests,
        report.duplicates
    );
    for failed in &report.failed {
        // Keys an interrupt left behind met no error, so have no kind.
        match failed.error.kind() {
            Some(kind) => eprintln!("not deleted: {}: {} ({kind:?})", failed.key, failed.error),
            None => eprintln!("not deleted: {}: {}", failed.key, failed.error),
        }
    }
    if report.is_complete() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
