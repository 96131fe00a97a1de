//! `cfkv bulk-delete`: wires the keys file, the confirmation, the progress
//! bar and the library's bulk delete together, then reports.

use std::process::ExitCode;

use anyhow::{Context, Result};
use cfgen_runtime::{ClientBuilder, RetryPolicy};
use cloudflare_kv::Client;
use cloudflare_kv::bulk::{BulkDelete, BulkDeleteReport, Interrupt};
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::confirm::confirm;
use crate::ctrl_c::{self, CtrlC};
use crate::failed_out::{self, Destination, KeysOut};
use crate::keys::{self, KeyStream, Keys, ReadError};
use crate::pause::{self, Countdown};
use crate::report::{self, Rest};
use crate::{BulkDeleteArgs, Source};

/// Runs the command on a single-threaded runtime: the work is network-bound
/// and the concurrency lives in the requests in flight, not in threads.
pub fn bulk_delete(args: BulkDeleteArgs) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        match (args.source(), args.dry_run) {
            (Source::Prefix(prefix), true) => crate::prefix::dry_run(&args, prefix).await,
            (Source::Prefix(prefix), false) => crate::prefix::delete(&args, prefix).await,
            (Source::KeysFile(_), true) => dry_run(&args).await,
            (Source::KeysFile(_), false) => delete(&args).await,
        }
    })
}

/// The ids' constraints, from the API description (`maxLength: 32` for
/// both): the generated function checks them before sending, and
/// `ids_are_checked_as_the_generated_function_does` keeps the two in step.
const ID_MAX_LENGTH: usize = 32;

/// Checks the ids as the generated function does, so that a dry run
/// refuses what a real run would, and a real run refuses before asking.
pub(crate) fn check_ids(args: &BulkDeleteArgs) -> Result<()> {
    check_id_values(&args.account_id, &args.namespace_id)
}

/// [`check_ids`] for any command.
pub(crate) fn check_id_values(account_id: &str, namespace_id: &str) -> Result<()> {
    let ids = [
        ("account_id", account_id, "--account-id"),
        ("namespace_id", namespace_id, "--namespace-id"),
    ];
    for (name, value, option) in ids {
        cfgen_runtime::validate::path_param(name, value, Some(ID_MAX_LENGTH))
            .with_context(|| format!("invalid {option}"))?;
    }
    Ok(())
}

/// Checks everything that can be checked before reading the keys: the ids
/// and that `--failed-out` will not overwrite the keys file.
pub(crate) fn check_args(args: &BulkDeleteArgs) -> Result<()> {
    check_ids(args)?;
    match &args.failed_out {
        Some(failed_out) => failed_out::check_not_input(args.keys_file(), failed_out),
        None => Ok(()),
    }
}

async fn delete(args: &BulkDeleteArgs) -> Result<ExitCode> {
    check_args(args)?;
    // Drawn only once the run starts; the client reports pauses above it.
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    let client = client(args, &bar)?;
    let Keys {
        mut stream,
        total,
        error,
    } = keys::open(args.keys_file(), args.format).await?;
    confirm(args, total)?;
    style_bar(&bar, total)?;
    let interrupt = Interrupt::new();
    let mut ctrl_c =
        CtrlC::install(interrupt.clone(), bar.clone()).context("cannot watch for Ctrl-C")?;
    let _countdown = Countdown::start(client.as_runtime().clone(), bar.clone());
    let mut out = KeysOut::create(destination(args))?;
    let report = engine(&client, args, total, &bar)
        .interrupt(interrupt)
        .run_stream(&mut stream)
        .await?;
    bar.finish_and_clear();
    let rest = keep_the_rest(&report, &mut stream, &mut out, &mut ctrl_c).await;
    report::print_run(&report, *rest.as_ref().unwrap_or(&Rest::NONE));
    rest?;
    if let Some(written) = out.finish()? {
        report::print_written(&written, Some(args));
    }
    check_read(&error)?;
    Ok(if report.interrupted() {
        ExitCode::from(ctrl_c::exit_code())
    } else {
        exit_code(report.is_complete())
    })
}

/// Writes the keys the report lists as not deleted and, after an
/// interrupt, every key left in the input, so that the output file holds
/// everything still to do.
async fn keep_the_rest(
    report: &BulkDeleteReport,
    stream: &mut KeyStream,
    out: &mut KeysOut,
    ctrl_c: &mut CtrlC,
) -> Result<Rest> {
    for failed in &report.failed {
        out.push(&failed.key)?;
    }
    if !report.interrupted() {
        return Ok(Rest::NONE);
    }
    drain(stream, out, ctrl_c).await
}

/// Writes the keys the input still holds; a press of Ctrl-C stops early.
async fn drain(stream: &mut KeyStream, out: &mut KeysOut, ctrl_c: &mut CtrlC) -> Result<Rest> {
    ctrl_c.draining();
    let mut keys = 0;
    loop {
        tokio::select! {
            key = stream.next() => match key {
                Some(key) => {
                    out.push(&key)?;
                    keys += 1;
                }
                None => return Ok(Rest { keys, complete: true }),
            },
            () = ctrl_c.next_press() => return Ok(Rest { keys, complete: false }),
        }
    }
}

/// The bulk delete with the command's settings, moving `bar`.
pub(crate) fn engine<'a>(
    client: &'a Client,
    args: &'a BulkDeleteArgs,
    total: Option<u64>,
    bar: &ProgressBar,
) -> BulkDelete<'a> {
    let mut bulk = settings(
        BulkDelete::new(client, &args.account_id, &args.namespace_id),
        args,
    );
    if let Some(total) = total {
        bulk = bulk.expected_total(total);
    }
    let progress = bar.clone();
    bulk.on_progress(move |p| progress.set_position(p.done))
}

/// Where the keys not deleted go: `--failed-out`, else a file named after
/// the input, written only when some key remains.
pub(crate) fn destination(args: &BulkDeleteArgs) -> Destination {
    match &args.failed_out {
        Some(path) => Destination::Given(path.clone()),
        None => Destination::Remaining {
            keys_file: args.keys_file().to_owned(),
        },
    }
}

async fn dry_run(args: &BulkDeleteArgs) -> Result<ExitCode> {
    check_args(args)?;
    // Nothing is sent, so no credentials are needed.
    let client = Client::builder()
        .build()
        .context("cannot configure the client")?;
    let Keys { stream, error, .. } = keys::open(args.keys_file(), args.format).await?;
    let bulk = settings(
        BulkDelete::new(&client, &args.account_id, &args.namespace_id),
        args,
    );
    let plan = bulk.plan_stream(stream).await?;
    report::print_plan(&plan);
    if let Some(path) = &args.failed_out {
        let out = KeysOut::create(Destination::Given(path.clone()))?;
        write_keys(out, plan.invalid.iter().map(|f| f.key.as_str()))?;
    }
    check_read(&error)?;
    Ok(exit_code(plan.invalid.is_empty()))
}

/// The client: credentials from the environment, `--rate-limit` (the
/// default is Cloudflare's own limit), and pauses reported above `bar`.
pub(crate) fn client(args: &BulkDeleteArgs, bar: &ProgressBar) -> Result<Client> {
    build_client(
        args.base_url.as_deref(),
        args.max_attempts,
        &args.rate_limit,
        bar,
    )
}

/// [`client`] from its settings, for every command.
pub(crate) fn build_client(
    base_url: Option<&str>,
    max_attempts: u32,
    rate_limit: &cfgen_runtime::RateLimit,
    bar: &ProgressBar,
) -> Result<Client> {
    let mut builder = ClientBuilder::from_env()
        .context("cannot read Cloudflare credentials from the environment")?;
    if let Some(base_url) = base_url {
        builder = builder.base_url(base_url.to_owned());
    }
    builder
        .retry_policy(RetryPolicy::default().with_max_attempts(max_attempts))
        .rate_limit(rate_limit.clone())
        .on_pause(pause::observer(bar.clone(), rate_limit))
        .for_client()
        .build()
        .context("cannot configure the Cloudflare client")
}

pub(crate) fn settings<'a>(bulk: BulkDelete<'a>, args: &BulkDeleteArgs) -> BulkDelete<'a> {
    bulk.chunk_size(args.chunk_size.into())
        .concurrency(args.concurrency.into())
        .resends(args.max_attempts - 1)
}

/// Styles the bar on stderr for `total` keys; indicatif draws nothing when
/// stderr is not a terminal. The message says why the run waits, if it does.
fn style_bar(bar: &ProgressBar, total: Option<u64>) -> Result<()> {
    let template = match total {
        Some(_) => "{bar:40} {pos}/{len} keys, {per_sec}, eta {eta} {msg}",
        None => "{spinner} {pos} keys, {per_sec} {msg}",
    };
    let style = ProgressStyle::with_template(template).context("invalid progress bar template")?;
    bar.set_style(style);
    if let Some(total) = total {
        bar.set_length(total);
    }
    Ok(())
}

/// Writes `keys` and says where they went.
fn write_keys<'k>(mut out: KeysOut, keys: impl Iterator<Item = &'k str>) -> Result<()> {
    for key in keys {
        out.push(key)?;
    }
    if let Some(written) = out.finish()? {
        report::print_written(&written, None);
    }
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

pub(crate) fn exit_code(complete: bool) -> ExitCode {
    if complete {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(account_id: &str, namespace_id: &str) -> BulkDeleteArgs {
        use clap::Parser;
        let cli = crate::Cli::parse_from([
            "cfkv",
            "bulk-delete",
            "--account-id",
            account_id,
            "--namespace-id",
            namespace_id,
            "--keys-file",
            "keys.txt",
        ]);
        let crate::Command::BulkDelete(args) = cli.command else {
            unreachable!("parsed as bulk-delete")
        };
        args
    }

    /// The generated function's verdict on the ids, found without sending:
    /// with no keys it fails on the ids, or, when they pass, on the body.
    async fn generated_verdict(account_id: &str, namespace_id: &str) -> Option<String> {
        let client = Client::builder().api_token("unused").build().unwrap();
        let error = client
            .namespace_delete_multiple_key_value_pairs(account_id, namespace_id, &[] as &[&str])
            .await
            .unwrap_err();
        let message = error.to_string();
        (!message.starts_with("invalid input `body`")).then_some(message)
    }

    #[tokio::test]
    async fn ids_are_checked_as_the_generated_function_does() {
        let good = "0123456789abcdef0123456789abcdef";
        let ids = ["", ".", "..", "a", good, &"é".repeat(32), &"a".repeat(33)];
        for id in ids {
            for (account_id, namespace_id) in [(id, good), (good, id)] {
                let ours = check_ids(&args(account_id, namespace_id))
                    .map_err(|e| e.root_cause().to_string())
                    .err();
                let theirs = generated_verdict(account_id, namespace_id).await;
                assert_eq!(ours, theirs, "{account_id:?} / {namespace_id:?}");
            }
        }
    }
}
