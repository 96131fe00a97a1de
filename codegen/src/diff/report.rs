//! Diff, output: the report as terminal text, as JSON (layout in the [`super`] docs)
//! and as a markdown table for a pull-request comment.

use std::fmt::Write as _;

use serde::Serialize;

use super::{Affects, Finding, Level, Report, SCHEMA_VERSION};

/// Levels from most to least severe, the order every summary uses.
const LEVELS: [Level; 4] = [
    Level::Breaking,
    Level::Warning,
    Level::Additive,
    Level::Docs,
];

#[derive(Serialize)]
struct Summary {
    breaking: usize,
    warning: usize,
    additive: usize,
    docs: usize,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    old: &'a str,
    new: &'a str,
    operations: &'a [String],
    summary: Summary,
    findings: &'a [Finding],
}

impl Report {
    fn summary(&self) -> Summary {
        Summary {
            breaking: self.count(Level::Breaking),
            warning: self.count(Level::Warning),
            additive: self.count(Level::Additive),
            docs: self.count(Level::Docs),
        }
    }

    fn summary_line(&self) -> String {
        let counts: Vec<String> = LEVELS
            .iter()
            .map(|l| format!("{} {}", self.count(*l), l.as_str()))
            .collect();
        format!(
            "{} in {} operation(s)",
            counts.join(", "),
            self.operations.len()
        )
    }

    /// The report as pretty-printed JSON, ending in a newline.
    pub fn to_json(&self) -> String {
        let report = JsonReport {
            schema_version: SCHEMA_VERSION,
            old: &self.old,
            new: &self.new,
            operations: &self.operations,
            summary: self.summary(),
            findings: &self.findings,
        };
        // Serializing plain strings, numbers and options cannot fail.
        let mut json = serde_json::to_string_pretty(&report).unwrap_or_default();
        json.push('\n');
        json
    }

    /// The report as text for a terminal: findings grouped by operation.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "cfgen diff: {} -> {}\n{}\n",
            self.old,
            self.new,
            self.summary_line()
        );
        let mut current = None;
        for f in &self.findings {
            if current != Some(&f.operation) {
                let _ = write!(out, "\n{}\n", f.operation);
                current = Some(&f.operation);
            }
            let _ = writeln!(out, "  {:<17} {}: {}", label(f), f.kind, f.message);
            if let Some(item) = &f.rust_item {
                let _ = writeln!(out, "      rust: {item}");
            }
            for (side, pointer) in [("old", &f.old_pointer), ("new", &f.new_pointer)] {
                if let Some(pointer) = pointer {
                    let _ = writeln!(out, "      {side}:  {pointer}");
                }
            }
        }
        if self.findings.is_empty() {
            out.push_str("\nno changes in the selected operations\n");
        }
        out
    }

    /// The report as markdown: a headline and one table row per finding.
    pub fn to_markdown(&self) -> String {
        let mut out = format!(
            "### cfgen diff: `{}` → `{}`\n\n{}\n",
            self.old,
            self.new,
            self.summary_line()
        );
        if self.findings.is_empty() {
            out.push_str("\nNo changes in the selected operations.\n");
            return out;
        }
        out.push_str("\n| level | operation | kind | change | Rust item | old | new |\n");
        out.push_str("|---|---|---|---|---|---|---|\n");
        for f in &self.findings {
            let code = |text: &Option<String>| {
                text.as_deref()
                    .map_or(String::new(), |t| format!("`{}`", cell(t)))
            };
            let level = match f.level {
                Level::Breaking => format!("**{}**", label(f)),
                _ => label(f),
            };
            let _ = writeln!(
                out,
                "| {level} | `{}` | {} | {} | {} | {} | {} |",
                cell(&f.operation),
                f.kind,
                cell(&f.message),
                code(&f.rust_item),
                code(&f.old_pointer),
                code(&f.new_pointer)
            );
        }
        out
    }
}

/// `breaking (wire)`, `breaking (rust)`, `warning`, ...
fn label(f: &Finding) -> String {
    match (f.level, f.affects) {
        (Level::Breaking, Affects::Wire) => "breaking (wire)".into(),
        (Level::Breaking, Affects::Rust) => "breaking (rust)".into(),
        (level, _) => level.as_str().into(),
    }
}

/// Text safe inside a markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}
