//! What the command prints once a run is over: the summary line, the keys
//! that failed, where the keys not deleted were written and how to finish
//! the job.

use std::path::Path;

use cfgen_runtime::{Error, ErrorKind};
use cloudflare_kv::bulk::{BulkDeleteReport, FailedKey, KeyError, Plan, StopReason};

use crate::BulkDeleteArgs;
use crate::failed_out::Written;
use crate::pause;

/// How many failed keys are shown on stderr; all go to the output file.
const SHOWN_FAILURES: usize = 10;

/// What became of the input keys that were read after an interrupted run
/// stopped reading: written to the output file, not sent.
#[derive(Debug, Clone, Copy)]
pub struct Rest {
    /// Keys read and written.
    pub keys: u64,
    /// Whether the input was read to its end (a press of Ctrl-C while
    /// reading a slow pipe stops early).
    pub complete: bool,
}

impl Rest {
    /// Nothing left to read: the run read its whole input.
    pub const NONE: Rest = Rest {
        keys: 0,
        complete: true,
    };
}

/// The counts of the summary line. Every key read once is in exactly one of
/// `deleted`, `failed`, `not_sent` and `unconfirmed`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Keys read once each (repeats skipped), the rest of an interrupted
    /// input included.
    pub total: u64,
    /// Confirmed deleted.
    pub deleted: u64,
    /// Invalid, refused, or still unsuccessful after the re-sends.
    pub failed: u64,
    /// Never sent: the run stopped first.
    pub not_sent: u64,
    /// In flight when the run was aborted: maybe deleted, maybe not.
    pub unconfirmed: u64,
}

impl Tally {
    /// Adds up `report` and the rest of the input read after it.
    pub fn of(report: &BulkDeleteReport, rest: Rest) -> Self {
        let mut tally = Tally {
            total: report.distinct() + rest.keys,
            deleted: report.deleted,
            not_sent: rest.keys,
            ..Tally::default()
        };
        for failed in &report.failed {
            match failed.error {
                KeyError::NotAttempted { .. } => tally.not_sent += 1,
                KeyError::Unconfirmed => tally.unconfirmed += 1,
                _ => tally.failed += 1,
            }
        }
        tally
    }

    /// `deleted N of M keys, F failed`, then the keys not sent and those
    /// not confirmed when there are any.
    pub fn line(&self) -> String {
        let mut line = format!(
            "deleted {} of {} keys, {} failed",
            self.deleted, self.total, self.failed
        );
        if self.not_sent > 0 {
            line += &format!(", {} not sent", self.not_sent);
        }
        if self.unconfirmed > 0 {
            line += &format!(", {} not confirmed", self.unconfirmed);
        }
        line
    }

    /// Keys that are not known to be deleted.
    pub fn remaining(&self) -> u64 {
        self.failed + self.not_sent + self.unconfirmed
    }
}

/// Prints the summary line on stdout and the details on stderr.
pub fn print_run(report: &BulkDeleteReport, rest: Rest) {
    let tally = Tally::of(report, rest);
    println!("{}", tally.line());
    if report.interrupted() {
        println!(
            "interrupted by {}: {} keys were not deleted",
            crate::ctrl_c::cause(),
            tally.remaining()
        );
    }
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
    let stop = report.failed.iter().find_map(|f| match &f.error {
        KeyError::NotAttempted {
            reason: StopReason::Error(error),
        } => Some(error),
        _ => None,
    });
    if let Some(error) = stop {
        print_stop(error);
    }
    show_failures(report.failed.iter().filter(|f| is_failure(&f.error)));
    if !rest.complete && report.interrupted() {
        eprintln!(
            "warning: the keys file was not read to its end: the keys after the first {} \
             are in no output file",
            report.requested + rest.keys
        );
    }
}

/// Says why the run stopped sending before its input was done.
fn print_stop(error: &Error) {
    match error.retry_after() {
        Some(wait) if error.kind() == ErrorKind::RateLimited => eprintln!(
            "stopped sending: Cloudflare asked to wait {}, longer than cfkv waits; \
             the keys not sent can be deleted once the wait is over",
            pause::wait_text(wait)
        ),
        _ => eprintln!("stopped sending after a request failed: {error}"),
    }
}

/// Whether the key met an error, rather than being left behind by a stop.
fn is_failure(error: &KeyError) -> bool {
    !matches!(error, KeyError::NotAttempted { .. } | KeyError::Unconfirmed)
}

/// Prints what a dry run would send.
pub fn print_plan(plan: &Plan) {
    for (index, size) in plan.chunks.iter().enumerate() {
        println!("request {}: {size} keys", index + 1);
    }
    show_failures(plan.invalid.iter());
    println!(
        "dry run: would send {} keys in {} requests; {} invalid, {} repeated keys skipped",
        plan.to_send(),
        plan.chunks.len(),
        plan.invalid.len(),
        plan.duplicates
    );
}

fn show_failures<'a>(failed: impl Iterator<Item = &'a FailedKey>) {
    let mut hidden = 0;
    for (index, failure) in failed.enumerate() {
        if index < SHOWN_FAILURES {
            eprintln!("failed: {:?}: {}", failure.key, failure.error);
        } else {
            hidden += 1;
        }
    }
    if hidden > 0 {
        eprintln!("... and {hidden} more failed keys");
    }
}

/// Says where the keys not deleted went and, when there are any, the
/// command that deletes them (`args` gives the ids and base URL).
pub fn print_written(written: &Written, args: Option<&BulkDeleteArgs>) {
    let format = if written.json {
        " as a JSON array (a key would not read back from a line of its own)"
    } else {
        ""
    };
    eprintln!(
        "wrote {} keys not deleted to `{}`{format}",
        written.count,
        written.path.display()
    );
    if let Some(args) = args.filter(|_| written.count > 0) {
        eprintln!(
            "to delete them, run: {}",
            rerun_command(args, &written.path)
        );
    }
}

/// The command that runs the deletion again on `keys_file`, quoted for a
/// POSIX shell. Without `--yes`, so that it asks first.
pub fn rerun_command(args: &BulkDeleteArgs, keys_file: &Path) -> String {
    let keys_file = keys_file.to_string_lossy();
    let mut words = vec![
        "cfkv",
        "bulk-delete",
        "--account-id",
        &args.account_id,
        "--namespace-id",
        &args.namespace_id,
    ];
    if let Some(base_url) = &args.base_url {
        words.extend(["--base-url", base_url]);
    }
    words.extend(["--keys-file", &keys_file]);
    shlex::try_join(words.iter().copied()).unwrap_or_else(|_| words.join(" "))
}
