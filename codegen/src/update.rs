//! Update: the whole "Cloudflare published a new document" procedure for a project with
//! a `cfgen.toml`. Compares the configured spec with the new document for the
//! configured selection, stops when the report reaches the gate, and otherwise
//! re-slices the new document into the configured spec path and regenerates the
//! configured output.
//!
//! [`plan`] reads and computes everything and writes nothing, so a stopped or dry run
//! leaves every file as it was and a run that fails half-way has written nothing;
//! [`Plan::write`] then writes only the files whose bytes change, each atomically.

use std::path::{Path, PathBuf};

use crate::config::{Config, FailOn};
use crate::diff::Report;
use crate::error::{Error, Result};
use crate::load::{Document, display_name};
use crate::settings::Settings;
use crate::slice::{self, Syntax};
use crate::{overlay, write};

/// What an update would do.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Plan {
    /// The configured spec compared with the new document.
    pub report: Report,
    /// Whether the report reached the gate; then [`Plan::files`] is empty.
    pub stopped: bool,
    /// The files the update produces, spec slice first, each with whether it changes.
    pub files: Vec<File>,
    /// Operations the new document selects but that could not be generated.
    pub skipped: Vec<crate::Skip>,
}

/// One file an update produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Where it goes.
    pub path: PathBuf,
    /// What it holds.
    pub contents: String,
    /// Whether that differs from what is on disk now.
    pub changed: bool,
}

impl File {
    fn new(path: PathBuf, contents: String) -> File {
        let changed = !write::is_fresh(&path, &contents);
        File {
            path,
            contents,
            changed,
        }
    }
}

impl Plan {
    /// The files whose contents change.
    pub fn changes(&self) -> impl Iterator<Item = &File> {
        self.files.iter().filter(|file| file.changed)
    }

    /// Writes the files that change, all or none (see
    /// [`write_all_if_changed`](write::write_all_if_changed)); returns their paths.
    pub fn write(&self) -> Result<Vec<PathBuf>> {
        write::write_all_if_changed(
            self.changes()
                .map(|file| (file.path.as_path(), file.contents.as_str())),
        )
    }
}

/// Compares the configured spec with the document at `new`, and, unless `gate` stops
/// on the report, computes the new slice and the code generated from it.
pub fn plan(config: &Config, new: &Path, gate: FailOn) -> Result<Plan> {
    if let Some(facade) = &config.settings.product_crates {
        return Err(Error::Config {
            file: display_name(&config.file),
            line: None,
            message: format!(
                "`product_crates = \"{facade}\"`: `cfgen update` writes a sliced spec and one \
                 crate, not a family of crates; review the change with `cfgen diff`, then \
                 point `spec` at the new document and run `cfgen generate`"
            ),
        });
    }
    let out = config.out.as_ref().ok_or_else(|| Error::Config {
        file: display_name(&config.file),
        line: None,
        message: "`out` is missing: `cfgen update` regenerates into it".into(),
    })?;
    let syntax = Syntax::for_path(&config.spec)?;
    let current = with_overlays(Document::from_path(&config.spec)?, &config.overlays)?;
    let upstream = Document::from_path(new)?;
    let compared = with_overlays(upstream.clone(), &config.overlays)?;
    let settings = Settings {
        strict: false,
        ..config.settings.clone()
    };
    let report = crate::diff::diff(&current, &compared, &settings)?;
    if gate.stops(&report) {
        return Ok(Plan {
            report,
            stopped: true,
            files: Vec::new(),
            skipped: Vec::new(),
        });
    }
    // Overlays are project facts: the slice holds upstream text only, and the overlays
    // apply to it when generating, as `cfgen generate` applies them.
    let text = slice::to_text(&slice::slice(&upstream, &config.settings)?, syntax)?;
    let sliced = Document::from_text(&display_name(&config.spec), &text)?;
    let generated = crate::generate(&with_overlays(sliced, &config.overlays)?, &config.settings)?;
    let files = vec![
        File::new(config.spec.clone(), text),
        File::new(out.join("src").join("generated.rs"), generated.code),
    ];
    Ok(Plan {
        report,
        stopped: false,
        files,
        skipped: generated.skipped,
    })
}

fn with_overlays(mut doc: Document, overlays: &[PathBuf]) -> Result<Document> {
    for path in overlays {
        overlay::apply_file(&mut doc, path)?;
    }
    Ok(doc)
}
