//! The `cfgen` command line: a thin clap front end over the library's [`cfgen::Settings`].

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

/// Generates a typed async Rust client from Cloudflare's OpenAPI document.
#[derive(Debug, Parser)]
#[command(name = "cfgen", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate (or, with --check, verify) `<OUT>/src/generated.rs`.
    ///
    /// Exit status: 0 on success (or when --check finds the output fresh), 1 when
    /// --check finds stale files, 2 on bad input; on bad input nothing is written.
    Generate(GenerateArgs),
    /// Compare what two versions of the document generate for the selected operations.
    ///
    /// Both documents are resolved the way `generate` resolves them, then compared:
    /// a renamed `$ref` target with the same structure and the same generated name is
    /// no change, and property order never matters. Every finding has a level:
    ///   breaking  requests or calling code stop working; "wire" when what travels
    ///             over HTTP changes, "rust" when only generated names or signatures do
    ///   warning   new enum values (generated enums are exhaustive), deprecations
    ///   additive  new operations, new optional properties, relaxed constraints
    ///   docs      summaries and descriptions
    ///
    /// Exit status: 0 when nothing at or above --fail-on is found (always, without
    /// --fail-on), 1 when something is, 2 on bad input.
    ///
    /// --format json writes one object (schema_version 1; fields are only ever added):
    ///   {"schema_version": 1, "old": PATH, "new": PATH, "operations": [ID, ...],
    ///    "summary": {"breaking": N, "warning": N, "additive": N, "docs": N},
    ///    "findings": [{"operation": ID,
    ///                  "level": "breaking" | "warning" | "additive" | "docs",
    ///                  "affects": "wire" | "rust" | "none",
    ///                  "kind": KIND (kebab-case, e.g. "method-changed"),
    ///                  "old_pointer": JSON pointer into --old, or null,
    ///                  "new_pointer": JSON pointer into --new, or null,
    ///                  "rust_item": the generated Rust item that changes, or null,
    ///                  "message": TEXT}, ...]}
    /// Findings are sorted by operation, level (most severe first), affects and kind.
    #[command(verbatim_doc_comment)]
    Diff(DiffArgs),
}

#[derive(Debug, Args)]
struct GenerateArgs {
    /// The OpenAPI 3.0 document, JSON or YAML [default: spec/openapi.yaml, with
    /// spec/overlay.yaml as the overlay unless --overlay is given]
    #[arg(long, value_name = "PATH")]
    spec: Option<PathBuf>,
    /// An OpenAPI Overlay 1.0 document applied after loading (repeatable, in order)
    #[arg(long = "overlay", value_name = "PATH")]
    overlays: Vec<PathBuf>,
    /// The crate directory; the code goes to <OUT>/src/generated.rs
    #[arg(long, value_name = "DIR", default_value = "generated")]
    out: PathBuf,
    /// An operationId to generate (repeatable) [default:
    /// workers-kv-namespace-delete-multiple-key-value-pairs, when no --tag or --all]
    #[arg(long = "operation", value_name = "OPERATION_ID")]
    operations: Vec<String>,
    /// Generate every operation carrying this tag (repeatable)
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// Generate every operation in the document
    #[arg(long)]
    all: bool,
    /// Prefix removed from operationIds and schema names before naming (repeatable)
    #[arg(long = "strip-prefix", value_name = "PREFIX", default_values = cfgen::WORKERS_KV_PREFIXES)]
    strip_prefixes: Vec<String>,
    /// Fail when any selected operation cannot be generated, instead of skipping it
    #[arg(long)]
    strict: bool,
    /// Write nothing; exit 1 and name the stale files when the output would change
    #[arg(long)]
    check: bool,
}

/// The document the committed crate is generated from, relative to the workspace root.
const DEFAULT_SPEC: &str = "spec/openapi.yaml";
/// The overlay that goes with [`DEFAULT_SPEC`].
const DEFAULT_OVERLAY: &str = "spec/overlay.yaml";

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate(args) => generate(args),
        Command::Diff(args) => diff(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

impl GenerateArgs {
    fn settings(&self) -> cfgen::Settings {
        let mut operations = self.operations.clone();
        if operations.is_empty() && self.tags.is_empty() && !self.all {
            operations.push(cfgen::BULK_DELETE_OPERATION.to_string());
        }
        cfgen::Settings {
            operations,
            tags: self.tags.clone(),
            all: self.all,
            strip_prefixes: self.strip_prefixes.clone(),
            strict: self.strict,
        }
    }

    /// The spec and overlays to read: the defaults go together.
    fn inputs(&self) -> (PathBuf, Vec<PathBuf>) {
        match &self.spec {
            Some(spec) => (spec.clone(), self.overlays.clone()),
            None if self.overlays.is_empty() => (DEFAULT_SPEC.into(), vec![DEFAULT_OVERLAY.into()]),
            None => (DEFAULT_SPEC.into(), self.overlays.clone()),
        }
    }
}

fn generate(args: GenerateArgs) -> anyhow::Result<ExitCode> {
    let (spec, overlays) = args.inputs();
    let mut doc = cfgen::load::Document::from_path(&spec)?;
    for overlay in &overlays {
        cfgen::overlay::apply_file(&mut doc, overlay)?;
    }
    let generated = cfgen::generate(&doc, &args.settings())?;
    report_skips(&generated.skipped);
    let target = args.out.join("src").join("generated.rs");
    if args.check {
        return Ok(check(&target, &generated.code));
    }
    let wrote = cfgen::write::write_if_changed(&target, &generated.code)
        .with_context(|| format!("writing {}", target.display()))?;
    let verb = if wrote { "wrote" } else { "unchanged" };
    eprintln!("{verb} {}", target.display());
    Ok(ExitCode::SUCCESS)
}

fn check(target: &Path, code: &str) -> ExitCode {
    if cfgen::write::is_fresh(target, code) {
        eprintln!("fresh: {}", target.display());
        ExitCode::SUCCESS
    } else {
        eprintln!("stale: {}", target.display());
        ExitCode::from(1)
    }
}

fn report_skips(skipped: &[cfgen::Skip]) {
    if skipped.is_empty() {
        return;
    }
    eprintln!("skipped {} operation(s):", skipped.len());
    for skip in skipped {
        eprintln!("  {skip}");
    }
}

#[derive(Debug, Args)]
struct DiffArgs {
    /// The older OpenAPI 3.0 document, JSON or YAML
    #[arg(long, value_name = "PATH")]
    old: PathBuf,
    /// The newer OpenAPI 3.0 document, JSON or YAML
    #[arg(long, value_name = "PATH")]
    new: PathBuf,
    /// An OpenAPI Overlay 1.0 document applied to both documents after loading
    /// (repeatable, in order; none by default)
    #[arg(long = "overlay", value_name = "PATH")]
    overlays: Vec<PathBuf>,
    /// An operationId to compare (repeatable) [default:
    /// workers-kv-namespace-delete-multiple-key-value-pairs, when no --tag]
    #[arg(long = "operation", value_name = "OPERATION_ID")]
    operations: Vec<String>,
    /// Compare every operation carrying this tag in either document (repeatable)
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// Prefix removed from operationIds and schema names before naming (repeatable)
    #[arg(long = "strip-prefix", value_name = "PREFIX", default_values = cfgen::WORKERS_KV_PREFIXES)]
    strip_prefixes: Vec<String>,
    /// How to write the report to stdout
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    format: DiffFormat,
    /// Exit 1 when a change at or above this level is found (breaking > warning >
    /// additive > docs)
    #[arg(long, value_enum, value_name = "LEVEL")]
    fail_on: Option<FailOn>,
}

/// The output formats of `cfgen diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DiffFormat {
    /// Grouped by operation, for a terminal
    Text,
    /// One JSON object, schema_version 1
    Json,
    /// A table for a pull-request comment
    Markdown,
}

/// The levels `--fail-on` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FailOn {
    Breaking,
    Warning,
    Additive,
    Docs,
}

impl DiffArgs {
    fn settings(&self) -> cfgen::Settings {
        let mut operations = self.operations.clone();
        if operations.is_empty() && self.tags.is_empty() {
            operations.push(cfgen::BULK_DELETE_OPERATION.to_string());
        }
        cfgen::Settings {
            operations,
            tags: self.tags.clone(),
            strip_prefixes: self.strip_prefixes.clone(),
            ..cfgen::Settings::default()
        }
    }

    fn fail_level(&self) -> Option<cfgen::diff::Level> {
        self.fail_on.map(|level| match level {
            FailOn::Breaking => cfgen::diff::Level::Breaking,
            FailOn::Warning => cfgen::diff::Level::Warning,
            FailOn::Additive => cfgen::diff::Level::Additive,
            FailOn::Docs => cfgen::diff::Level::Docs,
        })
    }
}

fn diff(args: DiffArgs) -> anyhow::Result<ExitCode> {
    let old = load_for_diff(&args.old, &args.overlays).context("loading the old document")?;
    let new = load_for_diff(&args.new, &args.overlays).context("loading the new document")?;
    let report = cfgen::diff::diff(&old, &new, &args.settings())?;
    let text = match args.format {
        DiffFormat::Text => report.to_text(),
        DiffFormat::Json => report.to_json(),
        DiffFormat::Markdown => report.to_markdown(),
    };
    let mut stdout = std::io::stdout().lock();
    std::io::Write::write_all(&mut stdout, text.as_bytes()).context("writing the report")?;
    match (args.fail_level(), report.worst()) {
        (Some(limit), Some(worst)) if worst >= limit => Ok(ExitCode::from(1)),
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// Loads one side of a diff and applies the overlays to it.
fn load_for_diff(path: &Path, overlays: &[PathBuf]) -> cfgen::Result<cfgen::load::Document> {
    let mut doc = cfgen::load::Document::from_path(path)?;
    for overlay in overlays {
        cfgen::overlay::apply_file(&mut doc, overlay)?;
    }
    Ok(doc)
}
