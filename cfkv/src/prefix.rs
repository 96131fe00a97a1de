//! `cfkv bulk-delete --prefix` and `--all-keys`: list the matching keys and
//! delete them while the listing goes on, after a confirmation that shows
//! the count so far; then list once more and delete what Workers KV's
//! eventually consistent listing still shows.

use std::collections::HashSet;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{Context, Result, anyhow};
use cloudflare_kv::Client;
use cloudflare_kv::MAX_KEYS_PER_REQUEST;
use cloudflare_kv::bulk::{BulkDeleteReport, FailedKey, Interrupt, KeyError, StopReason};
use futures::{FutureExt, StreamExt, TryStreamExt, stream};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::BulkDeleteArgs;
use crate::confirm::{ask, require_terminal};
use crate::ctrl_c::{self, CtrlC};
use crate::failed_out::KeysOut;
use crate::listing::{self, Counts, Listing};
use crate::pause::Countdown;
use crate::report::{self, Rest};
use crate::run::{check_args, check_ids, client, destination, engine, exit_code};

/// How many keys are listed before the confirmation question: one full
/// request's worth, so that a namespace that small gets an exact count and a
/// larger one "10000 keys so far", without holding more than a chunk.
const COUNTED_BEFORE_ASKING: usize = MAX_KEYS_PER_REQUEST;

/// How many matching keys a dry run prints.
const SHOWN: usize = 10;

/// Lists the matching keys, prints how many and the first few, deletes
/// nothing.
pub async fn dry_run(args: &BulkDeleteArgs, prefix: &str) -> Result<ExitCode> {
    check_ids(args)?;
    let bar = spinner()?;
    let client = client(args, &bar)?;
    let (mut keys, counts) = listing::keys(&client, &args.account_id, &args.namespace_id, prefix);
    let mut first = Vec::with_capacity(SHOWN);
    while let Some(key) = keys.next().await {
        let key = key.map_err(|error| listing_failed(error, &counts))?;
        if first.len() < SHOWN {
            first.push(key);
        }
        bar.set_message(format!("listed {} keys", counts.listed()));
    }
    bar.finish_and_clear();
    for key in &first {
        println!("{key:?}");
    }
    let more = counts.listed().saturating_sub(first.len() as u64);
    if more > 0 {
        println!("... and {more} more");
    }
    println!(
        "dry run: {} keys match {}; nothing was deleted",
        counts.listed(),
        matching(prefix)
    );
    warn_foreign(&counts);
    Ok(ExitCode::SUCCESS)
}

/// Deletes every matching key; see the [module docs](self).
pub async fn delete(args: &BulkDeleteArgs, prefix: &str) -> Result<ExitCode> {
    check_args(args)?;
    if !args.yes {
        require_terminal()?;
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    let client = client(args, &bar)?;
    let out = KeysOut::create(destination(args))?;
    let (mut keys, counts) = listing::keys(&client, &args.account_id, &args.namespace_id, prefix);
    let head = if args.yes {
        Vec::new()
    } else {
        let head = read_head(&mut keys, &counts).await?;
        confirm(args, prefix, head.len(), head.len() < COUNTED_BEFORE_ASKING)?;
        head
    };
    style(&bar)?;
    let interrupt = Interrupt::new();
    let _ctrl_c =
        CtrlC::install(interrupt.clone(), bar.clone()).context("cannot watch for Ctrl-C")?;
    let _countdown = Countdown::start(client.as_runtime().clone(), bar.clone());
    let mut input = stream::iter(head.into_iter().map(Ok)).chain(keys);
    let first = pass(&client, args, &bar, &counts, &interrupt, &mut input).await?;
    let mut out = out;
    let rest = match first.interrupted() {
        true => keep_listed(&mut input, &mut out)?,
        false => Rest::NONE,
    };
    drop(input);
    let second = match relist_after(&first) {
        true => Some(second_pass(&client, args, prefix, &bar, &interrupt, &first).await?),
        false => None,
    };
    bar.finish_and_clear();
    let outcome = Outcome::of(first, second);
    finish(args, prefix, outcome, rest, &counts, out)
}

/// After an interrupt, writes out the keys already listed that the run did
/// not read: the rest of the page in hand. The next page is not fetched:
/// listing on after Ctrl-C would defeat it, and running the command again
/// finds those keys.
fn keep_listed(
    input: &mut (impl futures::Stream<Item = Result<String, cfgen_runtime::Error>> + Unpin),
    out: &mut KeysOut,
) -> Result<Rest> {
    let mut keys = 0;
    // A listed key is ready at once; a page still to fetch is not.
    while let Some(Some(Ok(key))) = input.next().now_or_never() {
        out.push(&key)?;
        keys += 1;
    }
    Ok(Rest {
        keys,
        complete: true,
    })
}

/// Reads the first keys of the listing, to count them before asking. A
/// listing that fails now ends the command: nothing was deleted.
async fn read_head(keys: &mut Listing<'_>, counts: &Counts) -> Result<Vec<String>> {
    let mut head = Vec::new();
    while head.len() < COUNTED_BEFORE_ASKING {
        match keys
            .try_next()
            .await
            .map_err(|e| listing_failed(e, counts))?
        {
            Some(key) => head.push(key),
            None => break,
        }
    }
    Ok(head)
}

/// Asks before deleting, in plain words and with the count so far.
fn confirm(args: &BulkDeleteArgs, prefix: &str, count: usize, complete: bool) -> Result<()> {
    ask(&question(args, prefix, count, complete))
}

/// The confirmation question: what is deleted, from where, and how many
/// keys that is (so far, while the listing still runs).
fn question(args: &BulkDeleteArgs, prefix: &str, count: usize, complete: bool) -> String {
    let count = match complete {
        true => format!("{count} keys"),
        false => format!("{count} keys so far (the listing is still running)"),
    };
    let (namespace, account) = (&args.namespace_id, &args.account_id);
    match prefix {
        "" => format!(
            "Empty namespace {namespace} of account {account}? This deletes every key in it: \
             {count}."
        ),
        prefix => format!(
            "Delete every key whose name starts with {prefix:?} from namespace {namespace} of \
             account {account}: {count}?"
        ),
    }
}

/// One listing, deleted as it is read.
async fn pass(
    client: &Client,
    args: &BulkDeleteArgs,
    bar: &ProgressBar,
    counts: &Arc<Counts>,
    interrupt: &Interrupt,
    input: impl futures::Stream<Item = Result<String, cfgen_runtime::Error>>,
) -> Result<BulkDeleteReport> {
    let (bar, counts) = (bar.clone(), Arc::clone(counts));
    let report = engine(client, args, None, &bar)
        .interrupt(interrupt.clone())
        .on_progress(move |p| {
            bar.set_position(p.deleted);
            bar.set_message(format!("listed {}", counts.listed()));
        })
        .run_listing(input)
        .await?;
    Ok(report)
}

/// Whether to list again once the first pass is over: only after a pass
/// that deleted keys and ran to its end. After an interrupt, a listing
/// error or an error every request meets, another pass would not help.
fn relist_after(first: &BulkDeleteReport) -> bool {
    let stopped = first.failed.iter().any(|f| {
        matches!(
            f.error,
            KeyError::NotAttempted {
                reason: StopReason::Error(_)
            }
        )
    });
    first.deleted > 0 && !first.interrupted() && first.input_error.is_none() && !stopped
}

/// What the second listing found and deleted, next to the keys the first
/// pass failed, which it may have deleted this time.
struct SecondPass {
    report: BulkDeleteReport,
    /// Keys that failed in the first pass and were not listed again: gone.
    not_relisted: HashSet<String>,
}

/// Lists the prefix again and deletes what is still there: keys deleted a
/// moment ago that the listing still shows (deleting them again succeeds),
/// and keys the first pass failed to delete.
async fn second_pass(
    client: &Client,
    args: &BulkDeleteArgs,
    prefix: &str,
    bar: &ProgressBar,
    interrupt: &Interrupt,
    first: &BulkDeleteReport,
) -> Result<SecondPass> {
    bar.set_message("listing again");
    let failed: HashSet<String> = first.failed.iter().map(|f| f.key.clone()).collect();
    let not_relisted = Arc::new(Mutex::new(failed));
    let (keys, counts) = listing::keys(client, &args.account_id, &args.namespace_id, prefix);
    let keys = keys.inspect_ok({
        let not_relisted = Arc::clone(&not_relisted);
        move |key| {
            not_relisted
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(key);
        }
    });
    let report = pass(client, args, bar, &counts, interrupt, keys).await?;
    let not_relisted =
        std::mem::take(&mut *not_relisted.lock().unwrap_or_else(PoisonError::into_inner));
    Ok(SecondPass {
        report,
        not_relisted,
    })
}

/// Both passes as one report that counts every key once.
struct Outcome {
    report: BulkDeleteReport,
    /// Keys the second listing still showed that the first pass had
    /// deleted (or that appeared since), deleted again.
    deleted_again: u64,
    /// The error that ended the second listing early, if it did.
    second_listing_error: Option<Arc<cfgen_runtime::Error>>,
}

impl Outcome {
    fn of(first: BulkDeleteReport, second: Option<SecondPass>) -> Outcome {
        let Some(SecondPass {
            report: second,
            not_relisted,
        }) = second
        else {
            return Outcome {
                report: first,
                deleted_again: 0,
                second_listing_error: None,
            };
        };
        let failed_again: HashSet<&str> = second.failed.iter().map(|f| f.key.as_str()).collect();
        let first_failed: HashSet<&str> = first.failed.iter().map(|f| f.key.as_str()).collect();
        // A first-pass failure is settled when the second pass deleted it, or
        // did not list it at all: it is gone.
        let settled = first_failed
            .iter()
            .filter(|k| !failed_again.contains(*k))
            .count() as u64;
        let relisted_settled = settled.saturating_sub(not_relisted.len() as u64);
        let new_failures: Vec<FailedKey> = second
            .failed
            .iter()
            .filter(|f| !first_failed.contains(f.key.as_str()))
            .cloned()
            .collect();
        let mut report = first.clone();
        report.failed = first
            .failed
            .iter()
            .filter(|f| failed_again.contains(f.key.as_str()))
            .cloned()
            .chain(new_failures.iter().cloned())
            .collect();
        report.deleted += settled;
        report.requested += new_failures.len() as u64;
        report.requests += second.requests;
        report
            .count_mismatches
            .extend(second.count_mismatches.iter().cloned());
        Outcome {
            deleted_again: second.deleted.saturating_sub(relisted_settled),
            second_listing_error: second.input_error.clone(),
            report,
        }
    }
}

/// Writes the keys not deleted, prints the summary, and picks the exit code.
fn finish(
    args: &BulkDeleteArgs,
    prefix: &str,
    outcome: Outcome,
    rest: Rest,
    counts: &Counts,
    mut out: KeysOut,
) -> Result<ExitCode> {
    let report = &outcome.report;
    for failed in &report.failed {
        out.push(&failed.key)?;
    }
    report::print_run(report, rest);
    if outcome.deleted_again > 0 {
        eprintln!(
            "listed again: {} keys deleted a moment before were still listed (Workers KV lists \
             a deleted key for up to a minute) and were deleted again",
            outcome.deleted_again
        );
    }
    if let Some(error) = &outcome.second_listing_error {
        eprintln!("warning: listing again stopped early: {error}");
    }
    if let Some(error) = &report.input_error {
        eprintln!(
            "the listing stopped after {} keys: {error}; run the same command again to delete \
             the keys under {} that are left",
            counts.listed(),
            matching(prefix)
        );
    }
    if report.interrupted() {
        eprintln!(
            "the keys not listed yet were not read: run the same command again to delete every \
             key left under {}",
            matching(prefix)
        );
    }
    warn_foreign(counts);
    if let Some(written) = out.finish()? {
        report::print_written(&written, Some(args));
    }
    Ok(if report.interrupted() {
        ExitCode::from(ctrl_c::exit_code())
    } else {
        exit_code(report.is_complete())
    })
}

/// `prefix "user:"`, or `every key of the namespace` for `--all-keys`.
fn matching(prefix: &str) -> String {
    match prefix {
        "" => "the namespace (every key)".to_owned(),
        prefix => format!("prefix {prefix:?}"),
    }
}

fn listing_failed(error: cfgen_runtime::Error, counts: &Counts) -> anyhow::Error {
    anyhow!(error).context(format!(
        "cannot list the keys (stopped after {} keys); nothing was deleted",
        counts.listed()
    ))
}

fn warn_foreign(counts: &Counts) {
    if counts.foreign() > 0 {
        eprintln!(
            "warning: the server listed {} keys outside the prefix; they were left alone",
            counts.foreign()
        );
    }
}

/// A spinner on stderr, drawn only on a terminal.
fn spinner() -> Result<ProgressBar> {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg}").context("invalid progress bar template")?,
    );
    Ok(bar)
}

/// The deletion's bar: keys deleted, keys listed.
fn style(bar: &ProgressBar) -> Result<()> {
    let template = "{spinner} deleted {pos} keys, {per_sec}, {msg}";
    bar.set_style(ProgressStyle::with_template(template).context("invalid progress bar template")?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn args(source: &[&str]) -> BulkDeleteArgs {
        let ids = [
            "cfkv",
            "bulk-delete",
            "--account-id",
            "acc",
            "--namespace-id",
            "ns",
        ];
        let cli = crate::Cli::parse_from([&ids[..], source].concat());
        let crate::Command::BulkDelete(args) = cli.command else {
            unreachable!("parsed as bulk-delete")
        };
        args
    }

    #[test]
    fn the_question_says_what_goes_and_how_many_keys_so_far() {
        let prefix = args(&["--prefix", "user:"]);
        assert_eq!(
            question(&prefix, "user:", 10_000, false),
            "Delete every key whose name starts with \"user:\" from namespace ns of account acc: \
             10000 keys so far (the listing is still running)?"
        );
        assert_eq!(
            question(&prefix, "user:", 42, true),
            "Delete every key whose name starts with \"user:\" from namespace ns of account acc: \
             42 keys?"
        );
        let all = args(&["--all-keys"]);
        assert_eq!(
            question(&all, "", 7, true),
            "Empty namespace ns of account acc? This deletes every key in it: 7 keys."
        );
    }
}
