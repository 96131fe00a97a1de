//! `cfkv`: Workers KV from the command line. `cfkv bulk-delete` deletes any
//! number of keys, listed in a file or found by prefix, in chunks, with
//! retries, and says exactly which keys were not deleted; `cfkv list` writes
//! a namespace's keys in the format `--keys-file` reads.
//!
//! Exit codes: 0 when every key was deleted (or, with `--dry-run`, every key
//! is valid), 1 when some keys were not deleted, 2 when the run could not
//! start or finish (bad arguments, no confirmation, missing credentials,
//! unreadable keys file, keys not deleted that could not be written), 130
//! when Ctrl-C ended it (128 + SIGINT, what shells report for a command
//! killed by Ctrl-C; the keys not deleted are written out first).

mod clock;
mod confirm;
mod ctrl_c;
mod failed_out;
mod keys;
mod list;
mod listing;
mod pause;
mod prefix;
mod report;
mod run;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Command-line tool for Cloudflare Workers KV.
#[derive(Debug, Parser)]
#[command(name = "cfkv", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Delete the keys listed in a file, or every key under a prefix, from a
    /// namespace.
    ///
    /// Credentials come from CLOUDFLARE_API_TOKEN (or CLOUDFLARE_EMAIL and
    /// CLOUDFLARE_API_KEY); CLOUDFLARE_BASE_URL overrides the API address.
    /// The keys go out in requests of up to 10000, a few at a time, under
    /// --rate-limit; while Cloudflare makes the run wait, stderr says for how
    /// long.
    ///
    /// Keys file: UTF-8 (a byte-order mark is ignored; UTF-16 is refused).
    /// With --format auto, a JSON array when its first character other than
    /// whitespace is `[`, else one key per line: the line ending (LF or CRLF)
    /// is removed, lines of only whitespace are skipped, and spaces around a
    /// key belong to it.
    ///
    /// Prints `deleted N of M keys, F failed` on stdout, followed by
    /// `, S not sent` and `, U not confirmed` when there are such keys. Every
    /// key not deleted is written to --failed-out or, without it, to a new
    /// file beside the keys file, `<keys file>.remaining-<YYYYMMDD-HHMMSS>.txt`
    /// (stdin: `cfkv.remaining-...` in the current folder); stderr names the
    /// file and the command that deletes what it holds.
    ///
    /// Ctrl-C: the first press sends no new request and waits for the
    /// requests in flight; a second press abandons them (their keys count as
    /// not confirmed: maybe deleted, maybe not; deleting again is harmless).
    /// Either way every key not deleted, the unread rest of the keys file
    /// included, is written out as above, and cfkv exits with 130.
    ///
    /// By prefix (--prefix, or --all-keys to empty the namespace): the
    /// namespace is listed page by page and deleting starts as soon as the
    /// first 10000 keys are listed, so memory stays bounded whatever the
    /// namespace holds. Without --yes, the question shows how many keys the
    /// first 10000 listed hold: the exact count when the listing is over by
    /// then, else "10000 keys so far". Workers KV lists a key for up to a
    /// minute after it is deleted, so once the pass is over the prefix is
    /// listed and deleted once more; the summary counts every key once.
    /// --dry-run lists the keys, prints how many match and the first few,
    /// and deletes nothing. After Ctrl-C, keys listed but not deleted are
    /// written out as above; running the same command again deletes the
    /// rest.
    ///
    /// Exit codes: 0 every key deleted (with --dry-run: every key valid, or
    /// the listing done); 1 some keys not deleted, or the listing failed
    /// part-way; 2 the run could not start or finish (bad arguments, no
    /// confirmation, credentials, unreadable keys file, output not written);
    /// 130 interrupted by Ctrl-C; 143 stopped by SIGTERM (which aborts the
    /// requests in flight at once, as a second Ctrl-C does).
    BulkDelete(BulkDeleteArgs),
    /// List the keys of a namespace, or those under --prefix, in the format
    /// --keys-file reads: one key per line, or a JSON array when a key holds
    /// a line break (or would not read back from a line of its own).
    ///
    /// Progress goes to stderr; the keys to --output (written beside it and
    /// renamed into place when complete) or to stdout. When the listing
    /// fails part-way nothing is written and the exit code is 2.
    List(ListArgs),
}

/// The arguments of `cfkv bulk-delete`.
#[derive(Debug, Args)]
pub struct BulkDeleteArgs {
    /// The account id.
    #[arg(long)]
    pub account_id: String,
    /// The namespace id.
    #[arg(long)]
    pub namespace_id: String,
    /// The keys to delete: one per line, or a JSON array of strings or of
    /// objects with a `name` (what `wrangler kv key list` prints); `-` reads
    /// stdin.
    #[arg(
        long,
        value_name = "PATH",
        required_unless_present_any = ["prefix", "all_keys"],
        conflicts_with_all = ["prefix", "all_keys"]
    )]
    pub keys_file: Option<PathBuf>,
    /// Delete every key whose name starts with PREFIX, compared byte for
    /// byte: case and accents count, nothing is trimmed, and a key equal to
    /// PREFIX is deleted too. An empty PREFIX is refused: use --all-keys.
    #[arg(long, value_name = "PREFIX", value_parser = non_empty_prefix, conflicts_with = "all_keys")]
    pub prefix: Option<String>,
    /// Delete every key of the namespace, emptying it. The one way to do so:
    /// an empty --prefix, which an unset shell variable also gives, is
    /// refused.
    #[arg(long)]
    pub all_keys: bool,
    /// How the keys file is written.
    #[arg(long, value_enum, default_value_t = keys::Format::Auto)]
    pub format: keys::Format,
    /// The API base URL (default: CLOUDFLARE_BASE_URL, else Cloudflare's).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// How many requests may be in flight at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// How many keys each request carries (at most 10000, the API's limit).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u16).range(1..=10_000))]
    pub chunk_size: u16,
    /// The most requests per window this run may send, as REQUESTS/WINDOW
    /// with the window in ms, s, m or h. Cloudflare allows 1200 requests per
    /// 5 minutes per user, across every tool the user runs, and refuses every
    /// call for 5 minutes once that is exceeded: set a lower limit, such as
    /// 600/300s, to leave room for other tools. The run also paces itself
    /// from Cloudflare's `Ratelimit` headers.
    #[arg(long, value_name = "REQUESTS/WINDOW", default_value = "1200/300s")]
    pub rate_limit: cfgen_runtime::RateLimit,
    /// Attempts per request, the first included; keys the API reports as
    /// unsuccessful are also re-sent up to this many times in all.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_attempts: u32,
    /// Check the keys and show the requests that would be sent; send nothing.
    /// With --prefix or --all-keys: list the keys, print how many match and
    /// the first few, and delete nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Delete without asking for confirmation (required when stdin is not a
    /// terminal).
    #[arg(long)]
    pub yes: bool,
    /// Write every key not deleted here (failed, not sent, not confirmed),
    /// so that `--keys-file PATH` deletes them later: one per line, or a
    /// JSON array when a key would not read back from a line of its own (a
    /// line break, only whitespace, a `[` starting the first key). The file
    /// is written beside its destination, flushed to disk and renamed into
    /// place: it is complete or untouched, never half written. It must not
    /// be the keys file. Without this option, those keys go to
    /// `<keys file>.remaining-<YYYYMMDD-HHMMSS>.txt` (with --prefix or
    /// --all-keys: `cfkv.remaining-...` in the current folder).
    #[arg(long, value_name = "PATH")]
    pub failed_out: Option<PathBuf>,
}

/// Where a bulk delete takes its keys from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source<'a> {
    /// `--keys-file`.
    KeysFile(&'a std::path::Path),
    /// `--prefix`, or `""` for `--all-keys`.
    Prefix(&'a str),
}

impl BulkDeleteArgs {
    /// Where the keys come from; clap guarantees exactly one source.
    pub fn source(&self) -> Source<'_> {
        match (&self.keys_file, &self.prefix) {
            (Some(path), _) => Source::KeysFile(path),
            (None, Some(prefix)) => Source::Prefix(prefix),
            (None, None) => Source::Prefix(""),
        }
    }

    /// The keys file, or `-` (standard input's name in messages and in the
    /// name of the remaining-keys file) for a prefix.
    pub fn keys_file(&self) -> &std::path::Path {
        self.keys_file
            .as_deref()
            .unwrap_or(std::path::Path::new("-"))
    }
}

/// Refuses an empty `--prefix`: it would match every key, and an unset
/// shell variable (`--prefix "$P"`) gives one by accident.
fn non_empty_prefix(prefix: &str) -> Result<String, String> {
    if prefix.is_empty() {
        return Err(
            "an empty prefix matches every key; to empty the namespace, pass --all-keys".into(),
        );
    }
    Ok(prefix.to_owned())
}

/// The arguments of `cfkv list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// The account id.
    #[arg(long)]
    pub account_id: String,
    /// The namespace id.
    #[arg(long)]
    pub namespace_id: String,
    /// List only the keys whose name starts with PREFIX, compared byte for
    /// byte (a key equal to PREFIX included); all keys without it.
    #[arg(long, value_name = "PREFIX")]
    pub prefix: Option<String>,
    /// Write the keys to this file (replaced once the listing is complete)
    /// instead of stdout.
    #[arg(long, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// The API base URL (default: CLOUDFLARE_BASE_URL, else Cloudflare's).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// The most requests per window, as for `bulk-delete`.
    #[arg(long, value_name = "REQUESTS/WINDOW", default_value = "1200/300s")]
    pub rate_limit: cfgen_runtime::RateLimit,
    /// Attempts per page request, the first included.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_attempts: u32,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::BulkDelete(args) => run::bulk_delete(args),
        Command::List(args) => list::list(args),
    };
    outcome.unwrap_or_else(|error| {
        eprintln!("error: {error:#}");
        ExitCode::from(2)
    })
}
