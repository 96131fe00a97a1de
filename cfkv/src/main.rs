//! `cfkv`: Workers KV from the command line. `cfkv bulk-delete` deletes any
//! number of keys listed in a file, in chunks, with retries, and says
//! exactly which keys were not deleted.
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
mod pause;
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
    /// Delete the keys listed in a file from a namespace.
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
    /// Exit codes: 0 every key deleted (with --dry-run: every key valid); 1
    /// some keys not deleted; 2 the run could not start or finish (bad
    /// arguments, no confirmation, credentials, unreadable keys file, output
    /// not written); 130 interrupted by Ctrl-C.
    BulkDelete(BulkDeleteArgs),
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
    #[arg(long, value_name = "PATH")]
    pub keys_file: PathBuf,
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
    /// `<keys file>.remaining-<YYYYMMDD-HHMMSS>.txt`.
    #[arg(long, value_name = "PATH")]
    pub failed_out: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::BulkDelete(args) => run::bulk_delete(args),
    };
    outcome.unwrap_or_else(|error| {
        eprintln!("error: {error:#}");
        ExitCode::from(2)
    })
}
