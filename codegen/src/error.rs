//! The one error type of the library: every variant says where (file and JSON pointer)
//! and what went wrong.

use std::path::PathBuf;

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while generating.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid JSON or YAML.
    #[error("{file}: syntax error: {message}")]
    Syntax {
        /// The file, as the user named it.
        file: String,
        /// What the parser said, with line and column.
        message: String,
    },
    /// The document is not an OpenAPI 3.0 document.
    #[error("{file}: {message}")]
    NotOpenApi {
        /// The file, as the user named it.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A requested operationId does not exist.
    #[error("{file}: no operation with operationId `{id}`{}", suggest(.suggestions))]
    UnknownOperation {
        /// The file, as the user named it.
        file: String,
        /// The id that was asked for.
        id: String,
        /// The closest existing ids, best first.
        suggestions: Vec<String>,
    },
    /// A requested tag is used by no operation.
    #[error("{file}: no operation has the tag `{tag}`")]
    UnknownTag {
        /// The file, as the user named it.
        file: String,
        /// The tag that was asked for.
        tag: String,
    },
    /// Nothing was selected.
    #[error(
        "no operation selected: pass --operation, --tag or --all, or set `operations`, `tags` or `all` in cfgen.toml"
    )]
    NothingSelected,
    /// A `cfgen.toml` is not valid.
    #[error("{file}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Config {
        /// The config file, as the user named it.
        file: String,
        /// The line the problem is on, when the parser knows it.
        line: Option<usize>,
        /// What is wrong, naming the key.
        message: String,
    },
    /// A `$ref` points at nothing.
    #[error("{file}: {pointer}: `$ref` target `{target}` does not exist")]
    DanglingRef {
        /// The file, as the user named it.
        file: String,
        /// Where the `$ref` is.
        pointer: String,
        /// What it points at.
        target: String,
    },
    /// Part of the document does not have the shape OpenAPI 3.0 requires.
    #[error("{file}: {pointer}: {message}")]
    Invalid {
        /// The file, as the user named it.
        file: String,
        /// Where the problem is.
        pointer: String,
        /// What is wrong.
        message: String,
    },
    /// The document uses something the generator does not support.
    #[error("{file}: {pointer}: unsupported: {what}")]
    Unsupported {
        /// The file, as the user named it.
        file: String,
        /// Where the construct is.
        pointer: String,
        /// What the construct is.
        what: String,
    },
    /// A schema contains itself with no struct or union in between: `allOf` of itself, an
    /// array of only itself, a `$ref` to itself, a `oneOf` of only itself. No Rust type
    /// (and no finite JSON value, for most) has that shape.
    #[error("{file}: {pointer}: schema contains itself with no object in between: {}", .cycle.join(" -> "))]
    RecursiveSchema {
        /// The file, as the user named it.
        file: String,
        /// The schema that contains itself.
        pointer: String,
        /// The `$ref` targets on the way from the schema back to itself, both ends
        /// included.
        cycle: Vec<String>,
    },
    /// Schemas nest deeper than [`MAX_DEPTH`](crate::resolve::MAX_DEPTH) from an
    /// operation.
    #[error(
        "{file}: {pointer}: schemas nest more than {limit} levels deep (counting properties, items, members and `$ref`s from the operation)"
    )]
    TooDeep {
        /// The file, as the user named it.
        file: String,
        /// The schema met past the limit.
        pointer: String,
        /// The limit, [`MAX_DEPTH`](crate::resolve::MAX_DEPTH).
        limit: usize,
    },
    /// `strict` was set and some operations were skipped.
    #[error("{} operation(s) skipped in strict mode:\n{}", .0.len(), list(.0))]
    Skipped(Vec<Skip>),
    /// The build.rs builder has no output directory: `OUT_DIR` is unset and none was
    /// given.
    #[error("`OUT_DIR` is not set: run from a build script or call `Builder::out_dir`")]
    OutDirUnset,
    /// A crate manifest that cannot take the generated `[features]` table.
    #[error("{}: {message}", path.display())]
    Manifest {
        /// The `Cargo.toml`.
        path: std::path::PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The generated tokens did not parse as Rust: a bug in the generator.
    #[error("internal error: generated code does not parse: {0}")]
    Internal(String),
}

/// An operation left out of the output, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// The operationId.
    pub operation: String,
    /// Why it was left out.
    pub reason: String,
}

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.operation, self.reason)
    }
}

fn suggest(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", suggestions.join(", "))
    }
}

fn list(skips: &[Skip]) -> String {
    skips
        .iter()
        .map(|s| format!("  {s}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Escapes one reference token of a JSON pointer (RFC 6901).
pub fn escape_pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
