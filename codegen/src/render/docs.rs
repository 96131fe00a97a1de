//! Render, doc comments: the document's prose made safe for rustdoc.
//!
//! Descriptions are Markdown written for a web page. Rustdoc would compile their code
//! blocks as doc-tests, read `[x]` as intra-doc links and `<x>` as HTML, and warn about
//! bare URLs; each of those is neutralised here so `cargo doc` stays quiet.

use proc_macro2::TokenStream;
use quote::quote;

/// `#[doc = …]` attributes for the given paragraphs, separated by blank lines.
pub fn doc_attrs<'a>(paragraphs: impl IntoIterator<Item = &'a str>) -> TokenStream {
    let mut lines: Vec<String> = Vec::new();
    for paragraph in paragraphs
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.extend(sanitize(paragraph));
    }
    let lines = lines.iter().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    quote! { #(#[doc = #lines])* }
}

/// Rewrites Markdown so that rustdoc renders it as text.
fn sanitize(text: &str) -> Vec<String> {
    let mut in_fence = false;
    let mut lines = Vec::new();
    for line in text.lines() {
        if line.trim().starts_with("```") {
            in_fence = !in_fence;
            lines.push(if in_fence { "```text" } else { "```" }.to_string());
        } else if in_fence {
            lines.push(line.to_string());
        } else {
            lines.push(escape_line(line.trim()));
        }
    }
    if in_fence {
        lines.push("```".to_string());
    }
    lines
}

/// Escapes link and HTML syntax and wraps bare URLs in `<…>`.
fn escape_line(line: &str) -> String {
    line.split(' ')
        .map(|word| {
            if word.starts_with("http://") || word.starts_with("https://") {
                let end = word.trim_end_matches(['.', ',', ')', ';', ':']);
                format!("<{end}>{}", &word[end.len()..])
            } else {
                word.replace('\\', "\\\\")
                    .replace('[', "\\[")
                    .replace(']', "\\]")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_made_safe() {
        assert_eq!(
            sanitize("see [the docs] <b>now</b>"),
            ["see \\[the docs\\] &lt;b&gt;now&lt;/b&gt;"]
        );
        assert_eq!(sanitize("at https://x.y/z."), ["at <https://x.y/z>."]);
        assert_eq!(
            sanitize("```\ncurl -X POST\n```"),
            ["```text", "curl -X POST", "```"]
        );
        assert_eq!(sanitize("    indented"), ["indented"]);
        assert_eq!(sanitize("```js\nopen"), ["```text", "open", "```"]);
    }
}
