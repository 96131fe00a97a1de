//! `cfkv bulk-delete`: wires the keys file, the confirmation, the progress
//! bar and the library's bulk delete together, then reports.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use cfgen_runtime::{ClientBuilder, RateLimit, RetryPolicy};
use cloudflare_kv::Client;
use cloudflare_kv::bulk::{BulkDelete, BulkDeleteReport, FailedKey, Plan};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::BulkDeleteArgs;
use crate::confirm::confirm;
use crate::keys::{self, Keys, ReadError};

/// How many failed keys are shown on stderr; all go to `--failed-out`.
const SHOWN_FAILURES: usize = 10;

/// Runs the command on a single-threaded runtime: the work is network-bound
/// and the concurrency lives in the requests in flight, not in threads.
pub fn bulk_delete(args: BulkDeleteArgs) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        if args.dry_run {
            dry_run(&args).await
        } else {
            delete(&args).await
        }
    })
}

async fn delete(args: &BulkDeleteArgs) -> Result<ExitCode> {
    let client = client(args)?;
    let keys = keys::open(&args.keys_file, args.format).await?;
    confirm(args, keys.total)?;
    let bar = progress_bar(keys.total)?;
    let Keys {
        stream,
        total,
        error,
    } = keys;
    let mut bulk = settings(
        BulkDelete::new(&client, &args.account_id, &args.namespace_id),
        args,
    );
    if let Some(total) = total {
        bulk = bulk.expected_total(total);
    }
    let progress = bar.clone();
    let report = bulk
        .on_progress(move |p| progress.set_position(p.done))
        .run_stream(stream)
        .await?;
    bar.finish_and_clear();
    report_run(args, &report)?;
    check_read(&error)?;
    Ok(exit_code(report.is_complete()))
}

async fn dry_run(args: &BulkDeleteArgs) -> Result<ExitCode> {
    // Nothing is sent, so no credentials are needed.
    let client = Client::builder()
        .build()
        .context("cannot configure the client")?;
    let Keys { stream, error, .. } = keys::open(&args.keys_file, args.format).await?;
    let bulk = settings(
        BulkDelete::new(&client, &args.account_id, &args.namespace_id),
        args,
    );
    let plan = bulk.plan_stream(stream).await?;
    report_plan(args, &plan)?;
    check_read(&error)?;
    Ok(exit_code(plan.invalid.is_empty()))
}

fn client(args: &BulkDeleteArgs) -> Result<Client> {
    let mut builder = ClientBuilder::from_env()
        .context("cannot read Cloudflare credentials from the environment")?;
    if let Some(base_url) = &args.base_url {
        builder = builder.base_url(base_url.clone());
    }
    builder
        .retry_policy(RetryPolicy::default().with_max_attempts(args.max_attempts))
        // Cloudflare's global limit: 1,200 requests per 5 minutes per user.
        .rate_limit(RateLimit::per_window(1200, Duration::from_secs(300)))
        .for_client()
        .build()
        .context("cannot configure the Cloudflare client")
}

fn settings<'a>(bulk: BulkDelete<'a>, args: &BulkDeleteArgs) -> BulkDelete<'a> {
    bulk.chunk_size(args.chunk_size.into())
        .concurrency(args.concurrency.into())
        .resends(args.max_attempts - 1)
}

/// A bar on stderr; indicatif draws nothing when stderr is not a terminal.
fn progress_bar(total: Option<u64>) -> Result<ProgressBar> {
    let template = match total {
        Some(_) => "{bar:40} {pos}/{len} keys, {per_sec}, eta {eta}",
        None => "{spinner} {pos} keys, {per_sec}",
    };
    let style = ProgressStyle::with_template(template).context("invalid progress bar template")?;
    let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
    bar.set_style(style);
    Ok(bar)
}

fn report_run(args: &BulkDeleteArgs, report: &BulkDeleteReport) -> Result<()> {
    println!(
        "deleted {} of {} keys, {} failed",
        report.deleted,
        report.distinct(),
        report.failed.len()
    );
    if report.duplicates > 0 {
        eprintln!("{} repeated keys were skipped", report.duplicates);
    }
    for mismatch in &report.count_mismatches {
        eprintln!(
            "warning: an answer for {} keys listed {} as unsuccessful ({} of them not sent) \
             but reported successful_key_count {:?}",
            mismatch.sent,
            mismatch.unsuccessful + mismatch.unknown_unsuccessful,
            mismatch.unknown_unsuccessful,
            mismatch.successful_key_count
        );
    }
    show_failures(&report.failed);
    write_failed(args.failed_out.as_deref(), &report.failed)
}

fn report_plan(args: &BulkDeleteArgs, plan: &Plan) -> Result<()> {
    for (index, size) in plan.chunks.iter().enumerate() {
        println!("request {}: {size} keys", index + 1);
    }
    show_failures(&plan.invalid);
    println!(
        "dry run: would send {} keys in {} requests; {} invalid, {} repeated keys skipped",
        plan.to_send(),
        plan.chunks.len(),
        plan.invalid.len(),
        plan.duplicates
    );
    write_failed(args.failed_out.as_deref(), &plan.invalid)
}

fn show_failures(failed: &[FailedKey]) {
    for failure in failed.iter().take(SHOWN_FAILURES) {
        eprintln!("failed: {:?}: {}", failure.key, failure.error);
    }
    if failed.len() > SHOWN_FAILURES {
        eprintln!("... and {} more failed keys", failed.len() - SHOWN_FAILURES);
    }
}

fn write_failed(path: Option<&Path>, failed: &[FailedKey]) -> Result<()> {
    let Some(path) = path else { return Ok(()) };
    let json = keys::write_keys(path, failed.iter().map(|f| f.key.as_str()))?;
    let format = if json {
        " as a JSON array (a key holds a line break)"
    } else {
        ""
    };
    eprintln!(
        "wrote {} failed keys to `{}`{format}",
        failed.len(),
        path.display()
    );
    Ok(())
}

fn check_read(error: &ReadError) -> Result<()> {
    match error.take() {
        Some(error) => Err(error.context(
            "the keys file was not read to the end; the counts above cover only the keys read",
        )),
        None => Ok(()),
    }
}

fn exit_code(complete: bool) -> ExitCode {
    if complete {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
