//! Confirmation before deleting: asked on a terminal, refused (never waited
//! for) anywhere else unless `--yes` was given.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, Result, bail};

use crate::BulkDeleteArgs;
use crate::keys::describe;

/// Returns `Ok` when the deletion may go ahead.
///
/// Without `--yes` the question needs an answer typed on a terminal. When
/// stdin is a pipe, a file or `/dev/null` (scripts, CI) or carries the keys
/// themselves, reading an answer would either hang or eat a key, so the run
/// is refused with a message naming `--yes`.
pub fn confirm(args: &BulkDeleteArgs, total: Option<u64>) -> Result<()> {
    if args.yes {
        return Ok(());
    }
    if args.keys_file.as_os_str() == "-" {
        bail!(
            "refusing to delete without confirmation: the keys come from stdin, so no answer can be read; pass --yes"
        );
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        bail!(
            "refusing to delete without confirmation: stdin is not a terminal; pass --yes to delete without asking"
        );
    }
    let count = total.map_or_else(|| "the keys".to_owned(), |n| format!("{n} keys"));
    let mut stderr = std::io::stderr();
    write!(
        stderr,
        "Delete {count} listed in {} from namespace {} of account {}? [y/N] ",
        describe(&args.keys_file),
        args.namespace_id,
        args.account_id
    )
    .and_then(|()| stderr.flush())
    .context("cannot write the confirmation question")?;
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .context("cannot read the confirmation answer")?;
    if !matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        bail!("not confirmed: nothing was deleted");
    }
    Ok(())
}
