//! The `cfgen` command line: a thin clap front end over the library's [`cfgen::Settings`].

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

/// Generates a typed async Rust client from Cloudflare's OpenAPI document.
///
/// Every command reads `cfgen.toml` from the current directory (or the file --config
/// names) for the spec, overlays, selection, name prefixes, output and diff gate; a
/// flag replaces the configured value of the same setting. Without a config, the
/// flags must say everything.
#[derive(Debug, Parser)]
#[command(name = "cfgen", version)]
struct Cli {
    /// The config file [default: cfgen.toml in the current directory, when present]
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
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
    /// no change, and property order never matters. Also compared, on the raw
    /// documents: each operation's effective `security` (its own, else the document's:
    /// losing the API token or email + API key is breaking), `servers` (a moved base URL
    /// is breaking), the request body's media types, and the error responses' schemas at
    /// wire level. Every finding has a level:
    ///   breaking  requests or calling code stop working; "wire" when what travels
    ///             over HTTP changes, "rust" when only generated names or signatures do
    ///   warning   new enum values (generated enums are exhaustive), deprecations,
    ///             any change of an error response (4XX, 5XX, 4xx/5xx codes, default)
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
    /// Write a minimal, self-contained OpenAPI document holding only the selected
    /// operations.
    ///
    /// The slice keeps `openapi`, `info`, `servers`, `security`, the path items of the
    /// selected operations (with only the selected methods), and every component they
    /// reach through `$ref`s (schemas, parameters, responses, request bodies, headers,
    /// examples) plus the security schemes they name. Upstream text is kept verbatim and
    /// keys in upstream order; overlays are not applied. Generating the selection from
    /// the slice gives the same Rust as generating it from the full document (the
    /// header names the file generated from). The output is JSON or YAML by the
    /// extension of --out, deterministic, and written only when it changes, atomically.
    ///
    /// Exit status: 0 on success, 2 on bad input (nothing written).
    Slice(SliceArgs),
    /// Move the spec and the generated code to a new version of the document
    ///
    /// Diff, gate, re-slice, regenerate.
    ///
    /// It reads everything else from the config (cfgen.toml): `spec`, `overlays`, the
    /// selection, `strip_prefixes` and `out`.
    ///   1. compares `spec` with --from for the selected operations (overlays applied to
    ///      both) and prints the report to stdout, as `cfgen diff` does;
    ///   2. stops, writing nothing, when the report reaches --fail-on (default: `fail_on`
    ///      of the config's [diff] table, else breaking; none never stops);
    ///   3. otherwise slices --from into `spec` (the selected operations and what they
    ///      reach, upstream text verbatim) and regenerates <out>/src/generated.rs from
    ///      it, writing only the files that change, each atomically (--dry-run stops
    ///      after saying which would);
    ///   4. prints what it wrote and what to review next.
    ///
    /// Updating from the document `spec` was sliced from changes nothing.
    ///
    /// Exit status: 0 when updated (or nothing changed, or --dry-run), 1 when the
    /// report reached --fail-on (nothing written), 2 on bad input (nothing written).
    #[command(verbatim_doc_comment)]
    Update(UpdateArgs),
}

#[derive(Debug, Args)]
struct GenerateArgs {
    /// The OpenAPI 3.0 document, JSON or YAML [default: `spec` of the config, with its
    /// `overlays`; --spec alone drops the configured overlays, which belong to that spec]
    #[arg(long, value_name = "PATH")]
    spec: Option<PathBuf>,
    /// An OpenAPI Overlay 1.0 document applied after loading (repeatable, in order;
    /// replaces the configured overlays)
    #[arg(long = "overlay", value_name = "PATH")]
    overlays: Vec<PathBuf>,
    /// The crate directory; the code goes to <OUT>/src/generated.rs [default: `out` of
    /// the config]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    #[command(flatten)]
    select: SelectArgs,
    /// Write nothing; exit 1 and name the stale files when the output would change
    #[arg(long)]
    check: bool,
}

/// The selection and naming flags shared by `generate`, `slice` and `diff`.
#[derive(Debug, Args)]
struct SelectArgs {
    /// An operationId to select (repeatable). --operation, --tag and --all together
    /// replace the configured selection; they never add to it
    #[arg(long = "operation", value_name = "OPERATION_ID")]
    operations: Vec<String>,
    /// Select every operation carrying this tag (repeatable)
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// Select every operation in the document
    #[arg(long)]
    all: bool,
    /// Prefix removed from operationIds and schema names before naming (repeatable;
    /// replaces the configured `strip_prefixes`)
    #[arg(long = "strip-prefix", value_name = "PREFIX")]
    strip_prefixes: Vec<String>,
    /// Fail when any selected operation cannot be generated, instead of skipping it
    #[arg(long)]
    strict: bool,
    /// One crate per product behind the facade crate NAME (in <OUT>): each product is
    /// `<OUT>/products/<product>/` and a Cargo feature of the facade, whose `Cargo.toml`
    /// gets the tables between its `# @generated by cfgen` markers
    #[arg(long, value_name = "NAME")]
    product_crates: Option<String>,
}

impl SelectArgs {
    /// The configured settings with every setting given as a flag replaced.
    fn settings(&self, config: Option<&cfgen::Config>) -> cfgen::Settings {
        let base = config.map(|c| c.settings.clone()).unwrap_or_default();
        let (operations, tags, all) =
            if self.operations.is_empty() && self.tags.is_empty() && !self.all {
                (base.operations, base.tags, base.all)
            } else {
                (self.operations.clone(), self.tags.clone(), self.all)
            };
        let strip_prefixes = match self.strip_prefixes.is_empty() {
            true => base.strip_prefixes,
            false => self.strip_prefixes.clone(),
        };
        cfgen::Settings {
            operations,
            tags,
            all,
            strip_prefixes,
            strict: self.strict || base.strict,
            product_crates: self.product_crates.clone().or(base.product_crates),
            product_table: base.product_table,
        }
    }
}

/// The config file: the one --config names, else `cfgen.toml` here when it exists.
fn load_config(explicit: Option<&Path>) -> anyhow::Result<Option<cfgen::Config>> {
    let path = match explicit {
        Some(path) => path,
        None if Path::new(cfgen::CONFIG_FILE).is_file() => Path::new(cfgen::CONFIG_FILE),
        None => return Ok(None),
    };
    Ok(Some(cfgen::Config::from_path(path)?))
}

/// The spec and its overlays: a spec given as a flag comes with the overlays given as
/// flags only, since the configured overlays were written for the configured spec.
fn spec_and_overlays(
    spec: Option<&PathBuf>,
    overlays: &[PathBuf],
    config: Option<&cfgen::Config>,
) -> Option<(PathBuf, Vec<PathBuf>)> {
    match (spec, config) {
        (Some(spec), _) => Some((spec.clone(), overlays.to_vec())),
        (None, Some(config)) if overlays.is_empty() => {
            Some((config.spec.clone(), config.overlays.clone()))
        }
        (None, Some(config)) => Some((config.spec.clone(), overlays.to_vec())),
        (None, None) => None,
    }
}

/// The error naming every input that neither the flags nor the config give.
fn missing(config: Option<&cfgen::Config>, needs: &[(bool, &str)]) -> anyhow::Error {
    let missing: Vec<&str> = needs
        .iter()
        .filter(|(absent, _)| *absent)
        .map(|(_, what)| *what)
        .collect();
    let missing = missing.join("; ");
    match config {
        Some(config) => anyhow::anyhow!(
            "missing {missing}: pass them as flags or set them in {}",
            config.file.display()
        ),
        None => anyhow::anyhow!(
            "missing {missing}: pass them as flags, or run where a {} sets them (or pass --config PATH)",
            cfgen::CONFIG_FILE
        ),
    }
}

/// Whether settings select nothing.
fn selects_nothing(settings: &cfgen::Settings) -> bool {
    !settings.all && settings.operations.is_empty() && settings.tags.is_empty()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match load_config(cli.config.as_deref()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: {}", message(&err));
            return ExitCode::from(2);
        }
    };
    let config = config.as_ref();
    let result = match cli.command {
        Command::Generate(args) => generate(args, config),
        Command::Diff(args) => diff(args, config),
        Command::Slice(args) => slice(args, config),
        Command::Update(args) => update(args, config),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", message(&err));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes on one line, each cause once: the library's errors already
/// name their cause (`path: No space left on device`), which `{:#}` would repeat.
fn message(err: &anyhow::Error) -> String {
    let mut text = err.to_string();
    for cause in err.chain().skip(1).map(ToString::to_string) {
        if !text.contains(&cause) {
            text = format!("{text}: {cause}");
        }
    }
    text
}

fn generate(args: GenerateArgs, config: Option<&cfgen::Config>) -> anyhow::Result<ExitCode> {
    let inputs = spec_and_overlays(args.spec.as_ref(), &args.overlays, config);
    let out = args.out.as_ref().or(config.and_then(|c| c.out.as_ref()));
    let mut settings = args.select.settings(config);
    let (spec, overlays, out) = match (inputs, out, selects_nothing(&settings)) {
        (Some((spec, overlays)), Some(out), false) => (spec, overlays, out),
        (inputs, out, nothing) => {
            return Err(missing(
                config,
                &[
                    (inputs.is_none(), "the document (--spec PATH)"),
                    (out.is_none(), "the crate directory (--out DIR)"),
                    (
                        nothing,
                        "the operations (--operation ID, --tag TAG or --all)",
                    ),
                ],
            ));
        }
    };
    if settings.product_crates.is_some() {
        settings.product_table = cfgen::read_product_table(out)?;
    }
    let doc = load_with_overlays(&spec, &overlays)?;
    let generated = cfgen::generate(&doc, &settings)?;
    report_skips(&generated.skipped);
    let files = cfgen::write::files(out, generated)?;
    let retired = cfgen::write::retired_members(out, files.iter().map(|(path, _)| path.as_path()))
        .context("listing the product crates")?;
    if args.check {
        let stale = files
            .iter()
            .filter(|(path, text)| !check(path, text))
            .count();
        for dir in &retired {
            eprintln!("stale: {} (no longer generated)", dir.display());
        }
        return Ok(if stale == 0 && retired.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let written =
        cfgen::write::write_all_if_changed(files.iter().map(|(p, t)| (p.as_path(), t.as_str())))?;
    for path in &written {
        eprintln!("wrote {}", path.display());
    }
    eprintln!("{} files up to date", files.len());
    for dir in &retired {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
        eprintln!("removed {} (no longer generated)", dir.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether `target` holds `code`; says which on stderr.
fn check(target: &Path, code: &str) -> bool {
    let fresh = cfgen::write::is_fresh(target, code);
    let verb = if fresh { "fresh" } else { "stale" };
    eprintln!("{verb}: {}", target.display());
    fresh
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
    /// The older OpenAPI 3.0 document, JSON or YAML [default: `spec` of the config,
    /// with its `overlays` applied to both sides; --old alone drops them]
    #[arg(long, value_name = "PATH")]
    old: Option<PathBuf>,
    /// The newer OpenAPI 3.0 document, JSON or YAML
    #[arg(long, value_name = "PATH")]
    new: PathBuf,
    /// An OpenAPI Overlay 1.0 document applied to both documents after loading
    /// (repeatable, in order; replaces the configured overlays)
    #[arg(long = "overlay", value_name = "PATH")]
    overlays: Vec<PathBuf>,
    /// An operationId to compare (repeatable); with --tag, replaces the configured
    /// selection
    #[arg(long = "operation", value_name = "OPERATION_ID")]
    operations: Vec<String>,
    /// Compare every operation carrying this tag in either document (repeatable)
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// Prefix removed from operationIds and schema names before naming (repeatable;
    /// replaces the configured `strip_prefixes`)
    #[arg(long = "strip-prefix", value_name = "PREFIX")]
    strip_prefixes: Vec<String>,
    #[command(flatten)]
    report: ReportArgs,
}

/// How a diff is reported and when it fails, shared by `diff` and `update`.
#[derive(Debug, Args)]
struct ReportArgs {
    /// How to write the report to stdout
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    format: DiffFormat,
    /// Exit 1 when a change at or above this level is found (breaking > warning >
    /// additive > docs; none never fails) [default: `fail_on` in the config's
    /// [diff] table, else none for `diff` and breaking for `update`]
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
    None,
}

impl ReportArgs {
    /// --fail-on, else the config's, else `fallback`.
    fn gate(&self, config: Option<&cfgen::Config>, fallback: cfgen::FailOn) -> cfgen::FailOn {
        let flag = self.fail_on.map(|level| match level {
            FailOn::Breaking => cfgen::FailOn::Breaking,
            FailOn::Warning => cfgen::FailOn::Warning,
            FailOn::Additive => cfgen::FailOn::Additive,
            FailOn::Docs => cfgen::FailOn::Docs,
            FailOn::None => cfgen::FailOn::None,
        });
        flag.or(config.and_then(|c| c.fail_on)).unwrap_or(fallback)
    }

    /// Writes the report to stdout in the chosen format.
    fn print(&self, report: &cfgen::diff::Report) -> anyhow::Result<()> {
        let text = match self.format {
            DiffFormat::Text => report.to_text(),
            DiffFormat::Json => report.to_json(),
            DiffFormat::Markdown => report.to_markdown(),
        };
        let mut stdout = std::io::stdout().lock();
        std::io::Write::write_all(&mut stdout, text.as_bytes()).context("writing the report")
    }
}

impl DiffArgs {
    fn settings(&self, config: Option<&cfgen::Config>) -> cfgen::Settings {
        let select = SelectArgs {
            operations: self.operations.clone(),
            tags: self.tags.clone(),
            all: false,
            strip_prefixes: self.strip_prefixes.clone(),
            strict: false,
            product_crates: None,
        };
        cfgen::Settings {
            strict: false,
            ..select.settings(config)
        }
    }
}

fn diff(args: DiffArgs, config: Option<&cfgen::Config>) -> anyhow::Result<ExitCode> {
    let Some((old, overlays)) = spec_and_overlays(args.old.as_ref(), &args.overlays, config) else {
        return Err(missing(config, &[(true, "the old document (--old PATH)")]));
    };
    let old = load_with_overlays(&old, &overlays).context("loading the old document")?;
    let new = load_with_overlays(&args.new, &overlays).context("loading the new document")?;
    let report = cfgen::diff::diff(&old, &new, &args.settings(config))?;
    args.report.print(&report)?;
    match args.report.gate(config, cfgen::FailOn::None).stops(&report) {
        true => Ok(ExitCode::from(1)),
        false => Ok(ExitCode::SUCCESS),
    }
}

/// Loads a document and applies the overlays to it, in order.
fn load_with_overlays(path: &Path, overlays: &[PathBuf]) -> cfgen::Result<cfgen::load::Document> {
    let mut doc = cfgen::load::Document::from_path(path)?;
    for overlay in overlays {
        cfgen::overlay::apply_file(&mut doc, overlay)?;
    }
    Ok(doc)
}

#[derive(Debug, Args)]
struct SliceArgs {
    /// The full OpenAPI 3.0 document, JSON or YAML [default: `spec` of the config]
    #[arg(long, value_name = "PATH")]
    spec: Option<PathBuf>,
    /// An operationId to keep (repeatable); with --tag and --all, replaces the
    /// configured selection
    #[arg(long = "operation", value_name = "OPERATION_ID")]
    operations: Vec<String>,
    /// Keep every operation carrying this tag (repeatable)
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// Keep every operation
    #[arg(long)]
    all: bool,
    /// The file to write: `.json`, `.yaml` or `.yml`
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

fn slice(args: SliceArgs, config: Option<&cfgen::Config>) -> anyhow::Result<ExitCode> {
    let select = SelectArgs {
        operations: args.operations,
        tags: args.tags,
        all: args.all,
        strip_prefixes: Vec::new(),
        strict: false,
        product_crates: None,
    };
    let settings = select.settings(config);
    let spec = args.spec.or(config.map(|c| c.spec.clone()));
    let Some(spec) = spec.clone().filter(|_| !selects_nothing(&settings)) else {
        return Err(missing(
            config,
            &[
                (spec.is_none(), "the document (--spec PATH)"),
                (
                    selects_nothing(&settings),
                    "the operations (--operation ID, --tag TAG or --all)",
                ),
            ],
        ));
    };
    let syntax = cfgen::slice::Syntax::for_path(&args.out)?;
    let doc = cfgen::load::Document::from_path(&spec)?;
    let sliced = cfgen::slice::slice(&doc, &settings)?;
    let text = cfgen::slice::to_text(&sliced, syntax)?;
    let wrote = cfgen::write::write_if_changed(&args.out, &text)
        .with_context(|| format!("writing {}", args.out.display()))?;
    let verb = if wrote { "wrote" } else { "unchanged" };
    eprintln!("{verb} {} ({} bytes)", args.out.display(), text.len());
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Args)]
struct UpdateArgs {
    /// The new OpenAPI 3.0 document, JSON or YAML: a full document or a slice
    #[arg(long, value_name = "PATH")]
    from: PathBuf,
    #[command(flatten)]
    report: ReportArgs,
    /// Print the report and the files that would change; write nothing
    #[arg(long)]
    dry_run: bool,
}

fn update(args: UpdateArgs, config: Option<&cfgen::Config>) -> anyhow::Result<ExitCode> {
    let Some(config) = config else {
        anyhow::bail!(
            "cfgen update reads `spec`, `out` and the selection from a {0}: there is no {0} \
             in the current directory (pass --config PATH)",
            cfgen::CONFIG_FILE
        );
    };
    let gate = args.report.gate(Some(config), cfgen::FailOn::Breaking);
    let plan = cfgen::update::plan(config, &args.from, gate)?;
    args.report.print(&plan.report)?;
    if plan.stopped {
        eprintln!(
            "stopped: the report reaches --fail-on {}; nothing written. Review the findings, \
             then rerun with a higher --fail-on (or none) to update anyway.",
            gate_name(gate)
        );
        return Ok(ExitCode::from(1));
    }
    report_skips(&plan.skipped);
    if plan.changes().next().is_none() {
        let files: Vec<String> = plan
            .files
            .iter()
            .map(|f| f.path.display().to_string())
            .collect();
        eprintln!(
            "up to date: {} already match {}",
            files.join(" and "),
            args.from.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if args.dry_run {
        for file in plan.changes() {
            eprintln!("would write {}", file.path.display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    for path in plan.write()? {
        eprintln!("wrote {}", path.display());
    }
    eprintln!(
        "next: review the change (`git diff`), run the tests (`cargo test --workspace`), \
         and commit the spec and the generated code together"
    );
    Ok(ExitCode::SUCCESS)
}

fn gate_name(gate: cfgen::FailOn) -> &'static str {
    match gate {
        cfgen::FailOn::None => "none",
        cfgen::FailOn::Docs => "docs",
        cfgen::FailOn::Additive => "additive",
        cfgen::FailOn::Warning => "warning",
        cfgen::FailOn::Breaking => "breaking",
    }
}
