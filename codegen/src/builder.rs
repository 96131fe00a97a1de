//! Front end: the build.rs builder. Reads the spec and overlays, calls [`crate::generate`]
//! and writes the result into `OUT_DIR`, telling cargo which files to watch.
//!
//! The builder holds one [`Settings`] (the same struct the library API and the CLI use)
//! plus what only a build script needs: the input paths and the output location. It adds
//! no defaults of its own to the settings, so a builder and a CLI run given the same
//! settings and inputs write the same bytes.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::load::Document;
use crate::{Generated, Settings, overlay, write};

/// The file [`Builder::write`] creates in the output directory unless
/// [`Builder::file_name`] says otherwise.
pub const DEFAULT_FILE_NAME: &str = "cloudflare_client.rs";

/// Generates a client from a build script, in the style of `prost_build::Config`.
///
/// ```no_run
/// // build.rs
/// fn main() -> Result<(), cfgen::Error> {
///     cfgen::Builder::new("openapi.yaml")
///         .overlay("overlay.yaml")
///         .operation("workers-kv-namespace-delete-multiple-key-value-pairs")
///         .strip_prefix("workers-kv-")
///         .write()?;
///     Ok(())
/// }
/// ```
///
/// and in the crate, where the code needs `cfgen-runtime`, `serde` (with `derive`) and
/// `serde_json` as ordinary dependencies:
///
/// ```text
/// mod cloudflare {
///     include!(concat!(env!("OUT_DIR"), "/cloudflare_client.rs"));
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a builder does nothing until `generate` or `write` is called"]
pub struct Builder {
    settings: Settings,
    /// The `cfgen.toml` the builder came from, watched like the spec.
    config: Option<PathBuf>,
    spec: PathBuf,
    overlays: Vec<PathBuf>,
    out_dir: Option<PathBuf>,
    file_name: String,
    emit_rerun_if_changed: Option<bool>,
}

/// What [`Builder::write`] did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Written {
    /// The file written (or found already up to date).
    pub path: PathBuf,
    /// Whether the file changed; `false` when it already held exactly this code.
    pub changed: bool,
    /// The code and the operations that were skipped.
    pub generated: Generated,
}

impl Builder {
    /// A builder that reads the OpenAPI 3.0 document (JSON or YAML) at `spec`.
    ///
    /// Relative paths are relative to the current directory, which for a build script
    /// is the package's manifest directory. Nothing is selected yet: add operations,
    /// tags or [`all`](Builder::all).
    pub fn new(spec: impl Into<PathBuf>) -> Self {
        Builder {
            settings: Settings::default(),
            config: None,
            spec: spec.into(),
            overlays: Vec::new(),
            out_dir: None,
            file_name: DEFAULT_FILE_NAME.to_string(),
            emit_rerun_if_changed: None,
        }
    }

    /// A builder set up by a `cfgen.toml`: its spec, overlays, selection, prefixes and
    /// `strict`. Its `out` is ignored (a build script writes into `OUT_DIR`) and so is
    /// its `[diff]` table.
    ///
    /// Paths in the file are relative to the file's folder; a relative `path` is
    /// relative to the current directory, which for a build script is the package's
    /// manifest directory. The config file is watched (`cargo:rerun-if-changed`)
    /// together with the spec and the overlays. Setters called afterwards add to what
    /// the file says.
    ///
    /// ```no_run
    /// // build.rs
    /// fn main() -> Result<(), cfgen::Error> {
    ///     cfgen::Builder::from_config("cfgen.toml")?.write()?;
    ///     Ok(())
    /// }
    /// ```
    pub fn from_config(path: impl AsRef<Path>) -> Result<Self> {
        let config = Config::from_path(path.as_ref())?;
        Ok(Builder {
            settings: config.settings,
            config: Some(config.file),
            ..Builder::new(config.spec)
        }
        .overlays(config.overlays))
    }

    fn overlays(mut self, paths: Vec<PathBuf>) -> Self {
        self.overlays.extend(paths);
        self
    }

    /// Replaces all settings at once, for callers that build a [`Settings`] elsewhere.
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// Applies an OpenAPI Overlay 1.0 document after loading; overlays apply in the
    /// order they are added.
    pub fn overlay(mut self, path: impl Into<PathBuf>) -> Self {
        self.overlays.push(path.into());
        self
    }

    /// Generates the operation with this operationId.
    pub fn operation(mut self, id: impl Into<String>) -> Self {
        self.settings.operations.push(id.into());
        self
    }

    /// Generates every operation carrying this tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.settings.tags.push(tag.into());
        self
    }

    /// Generates every operation in the document.
    pub fn all(mut self) -> Self {
        self.settings.all = true;
        self
    }

    /// Removes `prefix` from operationIds and schema names before naming; the first
    /// added prefix that matches wins.
    pub fn strip_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.settings.strip_prefixes.push(prefix.into());
        self
    }

    /// Fails when a selected operation cannot be generated, instead of skipping it.
    pub fn strict(mut self, strict: bool) -> Self {
        self.settings.strict = strict;
        self
    }

    /// Writes into `dir` instead of `OUT_DIR`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Names the written file (default [`DEFAULT_FILE_NAME`]).
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = name.into();
        self
    }

    /// Whether to print `cargo:rerun-if-changed` for each file read and
    /// `cargo:warning` for each skipped operation. By default they are printed only
    /// when `OUT_DIR` is set, that is, when running as a build script: elsewhere
    /// those lines would be noise on stdout.
    pub fn emit_rerun_if_changed(mut self, emit: bool) -> Self {
        self.emit_rerun_if_changed = Some(emit);
        self
    }

    /// Reads the inputs and returns the generated code without writing anything.
    pub fn generate(&self) -> Result<Generated> {
        let doc = self.load()?;
        let generated = crate::generate(&doc, &self.settings)?;
        if self.emits() {
            for skip in &generated.skipped {
                println!("cargo:warning=cfgen skipped {skip}");
            }
        }
        Ok(generated)
    }

    /// Generates and writes `<out dir>/<file name>`, leaving the file untouched when
    /// it already holds the same code so that cargo does not rebuild needlessly.
    pub fn write(&self) -> Result<Written> {
        if let Some(facade) = &self.settings.product_crates {
            return Err(Error::Config {
                file: self
                    .config
                    .as_deref()
                    .unwrap_or(&self.spec)
                    .display()
                    .to_string(),
                line: None,
                message: format!(
                    "`product_crates = \"{facade}\"` writes a family of crates, which a build \
                     script cannot add to a workspace: run `cfgen generate` instead"
                ),
            });
        }
        // Checked first: a missing output directory should not cost a 4 MB parse.
        let dir = self.resolved_out_dir(std::env::var_os("OUT_DIR"))?;
        let generated = self.generate()?;
        let path = dir.join(&self.file_name);
        let changed = write::write_if_changed(&path, &generated.code)?;
        Ok(Written {
            path,
            changed,
            generated,
        })
    }

    /// Every file the builder reads, in reading order: the config file (when it came
    /// from one), the spec, then the overlays. These are exactly the files cargo is told
    /// to watch.
    pub fn inputs(&self) -> Vec<&Path> {
        self.config
            .iter()
            .map(PathBuf::as_path)
            .chain(std::iter::once(self.spec.as_path()))
            .chain(self.overlays.iter().map(PathBuf::as_path))
            .collect()
    }

    fn load(&self) -> Result<Document> {
        if let Some(config) = &self.config {
            self.watch(config);
        }
        self.watch(&self.spec);
        let mut doc = Document::from_path(&self.spec)?;
        for path in &self.overlays {
            self.watch(path);
            overlay::apply_file(&mut doc, path)?;
        }
        Ok(doc)
    }

    /// Announced before reading, so that a file that fails to parse is still watched.
    fn watch(&self, path: &Path) {
        if self.emits() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }

    fn emits(&self) -> bool {
        self.emit_rerun_if_changed
            .unwrap_or_else(|| std::env::var_os("OUT_DIR").is_some())
    }

    /// The explicit out dir, else `OUT_DIR` (passed in so tests need not touch the
    /// process environment).
    fn resolved_out_dir(&self, out_dir_var: Option<OsString>) -> Result<PathBuf> {
        match (&self.out_dir, out_dir_var) {
            (Some(dir), _) => Ok(dir.clone()),
            (None, Some(var)) if !var.is_empty() => Ok(PathBuf::from(var)),
            (None, _) => Err(Error::OutDirUnset),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setters_fill_the_one_settings_struct() {
        let builder = Builder::new("a.yaml")
            .operation("op-1")
            .tag("kv")
            .all()
            .strip_prefix("workers-kv-")
            .strict(true);
        let want = Settings {
            operations: vec!["op-1".into()],
            tags: vec!["kv".into()],
            all: true,
            strip_prefixes: vec!["workers-kv-".into()],
            strict: true,
            product_crates: None,
            product_table: Default::default(),
        };
        assert_eq!(builder.settings, want);
        assert_eq!(Builder::new("a.yaml").settings(want.clone()).settings, want);
    }

    #[test]
    fn inputs_are_the_spec_then_the_overlays_in_order() {
        let builder = Builder::new("spec/a.yaml")
            .overlay("o2.yaml")
            .overlay("o1.yaml");
        let want: Vec<&Path> = vec![
            "spec/a.yaml".as_ref(),
            "o2.yaml".as_ref(),
            "o1.yaml".as_ref(),
        ];
        assert_eq!(builder.inputs(), want);
    }

    #[test]
    fn out_dir_comes_from_the_builder_then_the_environment() {
        let builder = Builder::new("a.yaml");
        let err = builder.resolved_out_dir(None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`OUT_DIR` is not set: run from a build script or call `Builder::out_dir`"
        );
        assert!(matches!(
            builder.resolved_out_dir(Some("".into())),
            Err(Error::OutDirUnset)
        ));
        assert_eq!(
            builder.resolved_out_dir(Some("/env".into())).unwrap(),
            Path::new("/env")
        );
        let explicit = builder.out_dir("/mine");
        assert_eq!(
            explicit.resolved_out_dir(Some("/env".into())).unwrap(),
            Path::new("/mine")
        );
    }

    #[test]
    fn from_config_takes_paths_and_settings_from_the_file_and_watches_it() {
        let dir = std::env::temp_dir().join(format!("cfgen-builder-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("cfgen.toml");
        std::fs::write(
            &file,
            "spec = 'spec/a.yaml'\noverlays = ['spec/o.yaml']\nout = 'ignored'\n\
             operations = ['op-1']\nstrip_prefixes = ['p-']\nstrict = true\n",
        )
        .unwrap();
        let builder = Builder::from_config(&file).unwrap().tag("kv");
        let want: Vec<PathBuf> = vec![
            file.clone(),
            dir.join("spec/a.yaml"),
            dir.join("spec/o.yaml"),
        ];
        assert_eq!(
            builder.inputs(),
            want.iter().map(PathBuf::as_path).collect::<Vec<_>>()
        );
        assert_eq!(
            builder.settings,
            Settings {
                operations: vec!["op-1".into()],
                tags: vec!["kv".into()],
                all: false,
                strip_prefixes: vec!["p-".into()],
                strict: true,
                product_crates: None,
                product_table: Default::default(),
            }
        );
        assert_eq!(builder.out_dir, None, "a build script writes into OUT_DIR");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_spec_is_an_io_error_naming_it() {
        let err = Builder::new("no/such/spec.yaml")
            .operation("x")
            .emit_rerun_if_changed(false)
            .generate()
            .unwrap_err();
        assert!(
            matches!(&err, Error::Io { path, .. } if path == Path::new("no/such/spec.yaml")),
            "{err}"
        );
    }
}
