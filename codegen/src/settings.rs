//! The one settings struct that the library API, the build.rs builder and the CLI share.

/// What to generate, and how to name it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Settings {
    /// Operations to generate, by operationId.
    pub operations: Vec<String>,
    /// Tags whose operations to generate.
    pub tags: Vec<String>,
    /// Generate every operation in the document.
    pub all: bool,
    /// Prefixes removed from operationIds and schema names before they become Rust
    /// names, for example `workers-kv_`. The first that matches is removed.
    pub strip_prefixes: Vec<String>,
    /// Fail when any selected operation cannot be generated, instead of skipping it and
    /// listing it in the report.
    pub strict: bool,
}

impl Settings {
    /// Settings that select the given operations and nothing else.
    pub fn operations<I, S>(ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Settings {
            operations: ids.into_iter().map(Into::into).collect(),
            ..Settings::default()
        }
    }
}
