//! Confirmation before deleting: asked on a terminal, refused (never waited
//! for) anywhere else unless `--yes` was given.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, Result, bail};

use crate::BulkDeleteArgs;
use crate::keys::describe;

/// Returns `Ok` when the deletion of the keys of a keys file may go ahead;
/// `total` is their number, when known.
///
/// Without `--yes` the question needs an answer typed on a terminal. When
/// stdin is a pipe, a file or `/dev/null` (scripts, CI) or carries the keys
/// themselves, reading an answer would either hang or eat a key, so the run
/// is refused with a message naming `--yes`.
pub fn confirm(args: &BulkDeleteArgs, total: Option<u64>) -> Result<()> {
    if args.yes {
        return Ok(());
    }
    if args.keys_file().as_os_str() == "-" {
        bail!(
            "refusing to delete without confirmation: the keys come from stdin, so no answer can be read; pass --yes"
        );
    }
    let count = total.map_or_else(|| "the keys".to_owned(), |n| format!("{n} keys"));
    ask(&format!(
        "Delete {count} listed in {} from namespace {} of account {}?",
        describe(args.keys_file()),
        args.namespace_id,
        args.account_id
    ))
}

/// Fails unless an answer can be typed: stdin must be a terminal. Checked
/// before anything slow (a listing) runs, so a script without `--yes` fails
/// at once.
pub fn require_terminal() -> Result<()> {
    if !std::io::stdin().is_terminal() {
        bail!(
            "refusing to delete without confirmation: stdin is not a terminal; pass --yes to delete without asking"
        );
    }
    Ok(())
}

/// Asks `question` on stderr and reads the answer from the terminal;
/// refused when stdin is not one. Only `y` or `yes` go ahead.
pub fn ask(question: &str) -> Result<()> {
    require_terminal()?;
    let stdin = std::io::stdin();
    let mut stderr = std::io::stderr();
    write!(stderr, "{question} [y/N] ")
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
