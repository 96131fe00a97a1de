//! Front-end input: `cfgen.toml`, the one project configuration that the CLI
//! (`generate`, `diff`, `slice`, `update`) and the build.rs [`Builder`](crate::Builder)
//! read, so a project states its spec, selection and output once.
//!
//! ```toml
//! spec = "spec/openapi.yaml"          # the document generated from (JSON or YAML)
//! overlays = ["spec/overlay.yaml"]    # applied in order; they belong to `spec`
//! out = "generated"                   # the crate directory: <out>/src/generated.rs
//! operations = ["workers-kv-namespace-delete-multiple-key-value-pairs"]
//! tags = []                           # every operation carrying one of these tags
//! all = false                         # every operation in the document
//! strip_prefixes = ["workers-kv_", "workers-kv-"]
//! strict = false                      # fail instead of skipping what cannot be generated
//! product_crates = "cloudflare-typed" # one crate and one Cargo feature per product, behind
//!                                     # this facade crate (see `Settings::product_crates`)
//!
//! [diff]
//! fail_on = "breaking"                # breaking | warning | additive | docs | none
//! ```
//!
//! Only `spec` is required. Relative paths are relative to the folder holding the
//! config file, so a config works whatever the current directory is. Unknown keys are
//! errors that name the key, the file and the line: a misspelt `operation = [...]`
//! must not silently select nothing.
//!
//! The file maps onto the library's one [`Settings`] struct plus the paths only a front
//! end needs; there are no settings that exist here and nowhere else.
//!
//! With `product_crates`, the facade crate also holds a product table, [`PRODUCT_TABLE`],
//! which cfgen writes and [`read_product_table`] reads into
//! [`Settings::product_table`]: each operation's product, kept across spec updates.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diff::{Level, Report};
use crate::error::{Error, Result};
use crate::load::display_name;
use crate::settings::Settings;

/// The name the CLI looks for in the current directory.
pub const CONFIG_FILE: &str = "cfgen.toml";

/// The product table's file name, in the facade crate's folder.
pub const PRODUCT_TABLE: &str = "products.toml";

/// Reads the product table of the facade crate in `facade_dir` (its [`PRODUCT_TABLE`])
/// into what [`Settings::product_table`] takes. No file is an empty table: the first
/// generation.
/// A product that is not a product name (lowercase ASCII words joined by `-`, none of
/// `default`, `full`, `shared`, `feature-map`) is an error naming the file, the line and
/// the operation, since it becomes a folder and a crate name.
pub fn read_product_table(facade_dir: &Path) -> Result<BTreeMap<String, String>> {
    let path = &facade_dir.join(PRODUCT_TABLE);
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Table {
        #[serde(default)]
        operations: BTreeMap<String, toml::Spanned<String>>,
    }
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(source) => {
            return Err(Error::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let table: Table = toml::from_str(&text).map_err(|e| config_error(path, &text, &e))?;
    let mut products = BTreeMap::new();
    for (operation, product) in table.operations {
        if !crate::products::is_product_name(product.get_ref()) {
            return Err(Error::Config {
                file: display_name(path),
                line: Some(line_at(&text, product.span().start)),
                message: format!(
                    "operation `{operation}`: `{}` is not a product name (lowercase ASCII \
                     letters and digits, words joined by `-`; not `default`, `full`, \
                     `shared` or `feature-map`)",
                    product.get_ref()
                ),
            });
        }
        products.insert(operation, product.into_inner());
    }
    Ok(products)
}

/// A loaded `cfgen.toml`, its paths made relative to the current directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The config file itself, as it was named.
    pub file: PathBuf,
    /// The OpenAPI document to generate from.
    pub spec: PathBuf,
    /// Overlays applied to `spec`, in order.
    pub overlays: Vec<PathBuf>,
    /// The crate directory the CLI writes `src/generated.rs` into, if set. The build.rs
    /// builder ignores it: a build script writes into `OUT_DIR`.
    pub out: Option<PathBuf>,
    /// The selection and naming settings.
    pub settings: Settings,
    /// The level at which `cfgen diff` and `cfgen update` stop, if set.
    pub fail_on: Option<FailOn>,
}

/// The level at which a diff stops a command: `breaking`, `warning`, `additive`,
/// `docs`, or `none` for never.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    /// Never stop.
    None,
    /// Stop on anything, documentation included.
    Docs,
    /// Stop on additions and anything more severe.
    Additive,
    /// Stop on warnings and breaking changes.
    Warning,
    /// Stop on breaking changes only.
    Breaking,
}

impl FailOn {
    /// The lowest level that stops, or `None` for [`FailOn::None`].
    pub fn level(self) -> Option<Level> {
        match self {
            FailOn::None => None,
            FailOn::Docs => Some(Level::Docs),
            FailOn::Additive => Some(Level::Additive),
            FailOn::Warning => Some(Level::Warning),
            FailOn::Breaking => Some(Level::Breaking),
        }
    }

    /// Whether `report` holds a finding at or above this level.
    pub fn stops(self, report: &Report) -> bool {
        matches!((self.level(), report.worst()), (Some(limit), Some(worst)) if worst >= limit)
    }
}

/// The file as written; every key optional except `spec`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    spec: PathBuf,
    #[serde(default)]
    overlays: Vec<PathBuf>,
    out: Option<PathBuf>,
    #[serde(default)]
    operations: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    all: bool,
    #[serde(default)]
    strip_prefixes: Vec<String>,
    #[serde(default)]
    strict: bool,
    #[serde(default)]
    product_crates: Option<String>,
    #[serde(default)]
    diff: RawDiff,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDiff {
    fail_on: Option<FailOn>,
}

impl Config {
    /// Reads and checks the config file at `path`.
    pub fn from_path(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Config::from_text(path, &text)
    }

    /// Parses config text; `path` names the file in errors and anchors relative paths.
    pub fn from_text(path: &Path, text: &str) -> Result<Config> {
        let raw: Raw = toml::from_str(text).map_err(|e| config_error(path, text, &e))?;
        let dir = path.parent().unwrap_or(Path::new(""));
        let at = |p: PathBuf| dir.join(p);
        Ok(Config {
            file: path.to_path_buf(),
            spec: at(raw.spec),
            overlays: raw.overlays.into_iter().map(at).collect(),
            out: raw.out.map(at),
            settings: Settings {
                operations: raw.operations,
                tags: raw.tags,
                all: raw.all,
                strip_prefixes: raw.strip_prefixes,
                strict: raw.strict,
                product_crates: raw.product_crates,
                product_table: Default::default(),
            },
            fail_on: raw.diff.fail_on,
        })
    }
}

/// The parser's message in TOML's words (keys, not serde's fields), with the line.
fn config_error(path: &Path, text: &str, err: &toml::de::Error) -> Error {
    let message = err
        .message()
        .replace("unknown field", "unknown key")
        .replace("missing field", "missing key")
        .trim_end()
        .to_string();
    let line = err.span().map(|span| line_at(text, span.start));
    Error::Config {
        file: display_name(path),
        line,
        message,
    }
}

/// The line, from 1, that byte `at` of `text` is on.
fn line_at(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        Config::from_text(Path::new("proj/cfgen.toml"), text)
    }

    #[test]
    fn paths_are_relative_to_the_config_folder_and_settings_fill_settings() {
        let config = parse(
            r#"
spec = "spec/openapi.yaml"
overlays = ["spec/overlay.yaml"]
out = "generated"
operations = ["op-1"]
tags = ["kv"]
strip_prefixes = ["workers-kv_"]
strict = true

[diff]
fail_on = "warning"
"#,
        )
        .unwrap();
        assert_eq!(config.spec, Path::new("proj/spec/openapi.yaml"));
        assert_eq!(config.overlays, [Path::new("proj/spec/overlay.yaml")]);
        assert_eq!(config.out.as_deref(), Some(Path::new("proj/generated")));
        assert_eq!(
            config.settings,
            Settings {
                operations: vec!["op-1".into()],
                tags: vec!["kv".into()],
                all: false,
                strip_prefixes: vec!["workers-kv_".into()],
                strict: true,
                product_crates: None,
                product_table: Default::default(),
            }
        );
        assert_eq!(config.fail_on, Some(FailOn::Warning));
    }

    #[test]
    fn a_bare_file_name_keeps_paths_as_written() {
        let config = Config::from_text(Path::new("cfgen.toml"), "spec = 'a.json'\n").unwrap();
        assert_eq!(config.spec, Path::new("a.json"));
        assert_eq!(config.settings, Settings::default());
        assert_eq!(config.fail_on, None);
    }

    #[test]
    fn unknown_keys_name_the_key_the_file_and_the_line() {
        let err = parse("spec = 'a.json'\noperation = ['x']\n").unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("proj/cfgen.toml:2: unknown key `operation`"),
            "{text}"
        );
        let err = parse("spec = 'a.json'\n[diff]\nfail-on = 'none'\n").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("proj/cfgen.toml:3: unknown key `fail-on`"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_spec_and_a_bad_level_are_named() {
        let err = parse("out = 'x'\n").unwrap_err().to_string();
        assert!(err.starts_with("proj/cfgen.toml"), "{err}");
        assert!(err.contains("missing key `spec`"), "{err}");
        let err = parse("spec = 'a'\n[diff]\nfail_on = 'never'\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("proj/cfgen.toml:3: "), "{err}");
        assert!(err.contains("unknown variant `never`"), "{err}");
    }

    #[test]
    fn fail_on_stops_at_its_level_and_none_never_stops() {
        let warning = crate::diff::Finding {
            operation: "op".into(),
            level: Level::Warning,
            affects: crate::diff::Affects::Wire,
            kind: "error-response-changed",
            old_pointer: None,
            new_pointer: None,
            rust_item: None,
            message: String::new(),
        };
        let report = Report {
            old: "a".into(),
            new: "b".into(),
            operations: vec!["op".into()],
            findings: vec![warning],
        };
        assert!(FailOn::Docs.stops(&report));
        assert!(FailOn::Warning.stops(&report));
        assert!(!FailOn::Breaking.stops(&report));
        assert!(!FailOn::None.stops(&report));
    }
    /// Reads `text` as a product table, from a folder of the test's own.
    fn table(test: &str, text: &str) -> Result<BTreeMap<String, String>> {
        let dir = std::env::temp_dir().join(format!("cfgen-table-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(PRODUCT_TABLE), text).unwrap();
        let table = read_product_table(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        table
    }

    #[test]
    fn a_product_table_reads_into_operation_products_and_a_missing_one_is_empty() {
        let read = table(
            "reads",
            "# header\n[operations]\n\"user'-s-x\" = \"iam\"\nb = \"dns\"\n",
        )
        .unwrap();
        assert_eq!(read["user'-s-x"], "iam");
        assert_eq!(read["b"], "dns");
        let missing = read_product_table(Path::new("no/such/folder")).unwrap();
        assert!(missing.is_empty());
    }

    #[test]
    fn a_product_table_with_a_bad_name_or_key_says_where() {
        let err = table(
            "bad-name",
            "[operations]\na = \"dns\"\nb = \"DNS Records\"\n",
        )
        .unwrap_err();
        let message = err.to_string();
        assert!(
            message.ends_with(
                "products.toml:3: operation `b`: `DNS Records` is not a product name \
                 (lowercase ASCII letters and digits, words joined by `-`; not `default`, \
                 `full`, `shared` or `feature-map`)"
            ),
            "{message}"
        );
        let err = table("bad-key", "[operation]\na = \"dns\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("products.toml:1: unknown key `operation`"),
            "{err}"
        );
    }
}
