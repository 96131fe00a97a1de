//! `cfkv list`: writes the keys of a namespace (or those under a prefix) in
//! the format `--keys-file` reads, so that listing and deleting chain.

use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use futures::TryStreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::ListArgs;
use crate::failed_out::{Destination, KeysOut};
use crate::listing;
use crate::run::{build_client, check_id_values};

/// Runs the command on a single-threaded runtime, as `bulk-delete` does.
pub fn list(args: ListArgs) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(run(&args))
}

async fn run(args: &ListArgs) -> Result<ExitCode> {
    check_id_values(&args.account_id, &args.namespace_id)?;
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} listed {pos} keys, {per_sec}")
            .context("invalid progress bar template")?,
    );
    let client = build_client(
        args.base_url.as_deref(),
        args.max_attempts,
        &args.rate_limit,
        &bar,
    )?;
    let destination = match &args.output {
        Some(path) => Destination::Given(path.clone()),
        None => Destination::Stdout,
    };
    let mut out = KeysOut::create(destination)?.describing("the listed keys");
    let prefix = args.prefix.as_deref().unwrap_or_default();
    let (mut keys, counts) = listing::keys(&client, &args.account_id, &args.namespace_id, prefix);
    while let Some(key) = keys.try_next().await.map_err(|error| {
        anyhow!(error).context(format!(
            "the listing stopped after {} keys; nothing was written",
            counts.listed()
        ))
    })? {
        out.push(&key)?;
        bar.set_position(counts.listed());
    }
    bar.finish_and_clear();
    let written = out.finish()?.context("the listed keys were not written")?;
    let json = if written.json {
        " as a JSON array (a key holds a line break)"
    } else {
        ""
    };
    match &args.output {
        Some(path) => eprintln!(
            "listed {} keys to `{}`{json}",
            written.count,
            path.display()
        ),
        None => eprintln!("listed {} keys{json}", written.count),
    }
    Ok(ExitCode::SUCCESS)
}
