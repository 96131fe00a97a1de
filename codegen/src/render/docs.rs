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

/// The schemes of the addresses rustdoc should show as links.
const WEB_SCHEMES: [&str; 2] = ["https://", "http://"];

/// Keeps Markdown links to web addresses, escapes all other link and HTML syntax, and
/// wraps bare URLs in `<…>`.
fn escape_line(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(link) = next_web_link(rest) {
        out.push_str(&escape_words(link.before));
        out.push_str(&format!("[{}]({})", escape_words(link.text), link.url));
        rest = link.after;
    }
    out.push_str(&escape_words(rest));
    out
}

/// A Markdown inline link to a web address, `[text](https://…)`, cut out of a line.
struct WebLink<'a> {
    before: &'a str,
    text: &'a str,
    url: &'a str,
    after: &'a str,
}

/// The first [`WebLink`] in `line`, if any.
fn next_web_link(line: &str) -> Option<WebLink<'_>> {
    let mut from = 0;
    while let Some(open) = line[from..].find('[').map(|i| from + i) {
        from = open + 1;
        let Some(close) = line[open..].find("](").map(|i| open + i) else {
            break;
        };
        let text = &line[open + 1..close];
        let target = &line[close + 2..];
        let Some(end) = target.find(')') else {
            break;
        };
        let url = &target[..end];
        let is_web = WEB_SCHEMES.iter().any(|scheme| url.starts_with(scheme));
        if is_web && !text.contains('[') && !url.contains(char::is_whitespace) {
            return Some(WebLink {
                before: &line[..open],
                text,
                url,
                after: &target[end + 1..],
            });
        }
    }
    None
}

/// Escapes each space-separated word, wrapping the URL a word holds in `<…>`.
fn escape_words(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            let start = WEB_SCHEMES
                .iter()
                .filter_map(|scheme| word.find(scheme))
                .min();
            match start {
                Some(start) => {
                    let (before, url) = word.split_at(start);
                    let end = url.trim_end_matches(['.', ',', ')', ';', ':', '"', '\'']);
                    let tail = &url[end.len()..];
                    format!("{}<{end}>{}", escape_text(before), escape_text(tail))
                }
                None => escape_text(word),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Escapes the characters rustdoc would read as links or HTML.
fn escape_text(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('[', "\\[")
        .replace(']', "\\]")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
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
        assert_eq!(sanitize("(see https://x.y/z)"), ["(see <https://x.y/z>)"]);
        assert_eq!(
            sanitize("Lists [DNS records](https://x.y/dns) of a [zone]."),
            ["Lists [DNS records](https://x.y/dns) of a \\[zone\\]."]
        );
        assert_eq!(
            sanitize("a [local](#anchor) link and [x] (https://x.y)"),
            ["a \\[local\\](#anchor) link and \\[x\\] (<https://x.y>)"]
        );
        assert_eq!(
            sanitize("```\ncurl -X POST\n```"),
            ["```text", "curl -X POST", "```"]
        );
        assert_eq!(sanitize("    indented"), ["indented"]);
        assert_eq!(sanitize("```js\nopen"), ["```text", "open", "```"]);
    }
}
