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
