//! `cfkv`: Workers KV from the command line. `cfkv bulk-delete` deletes any
//! number of keys listed in a file, in chunks, with retries, and says
//! exactly which keys were not deleted.
//!
//! Exit codes: 0 when every key was deleted (or, with `--dry-run`, every key
//! is valid), 1 when some keys failed, 2 when the run could not start or
//! finish (bad arguments, no confirmation, missing credentials, unreadable
//! keys file).

mod clock;
mod confirm;
mod ctrl_c;
mod failed_out;
mod keys;
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
    /// Prints `deleted N of M keys, F failed` and exits 0 only when every
    /// key was deleted (1 when some failed, 2 when the run could not start).
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
    /// objects with a `name`; `-` reads stdin.
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
    /// Write the keys that were not deleted here, one per line, so that a
    /// later run can retry them with `--keys-file`.
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
