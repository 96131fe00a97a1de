//! Render, doc comments: the document's prose made safe for rustdoc and for Rust.
//!
//! Descriptions are Markdown written for a web page by whoever wrote the document.
//! Rustdoc compiles and runs every code block of a doc comment as a doc-test: a fence
//! of backticks or tildes, of any length, indented or not, behind a list marker, or
//! code indented by four spaces. Each is rewritten here so that a spec can never put
//! code in the user's `cargo test`: fences are marked `text`, lines outside fences lose
//! their indentation. Line breaks are normalised first, since CommonMark (unlike
//! `str::lines`) also breaks lines at a bare `\r`, and a bare `\r` in a `///` comment
//! does not compile; control and bidirectional-override characters are shown escaped
//! for the same reason. Rustdoc would also read `[x]` as intra-doc links and `<x>` as
//! HTML, and warn about bare URLs; each of those is neutralised so `cargo doc` stays
//! quiet.

use proc_macro2::TokenStream;
use quote::quote;

/// `#[doc = …]` attributes for the given paragraphs, separated by blank lines.
pub fn doc_attrs<'a>(paragraphs: impl IntoIterator<Item = &'a str>) -> TokenStream {
    let mut lines: Vec<String> = Vec::new();
    for paragraph in paragraphs.into_iter().map(prose) {
        let paragraph = paragraph.trim();
        if paragraph.is_empty() {
            continue;
        }
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

/// Text with every line break as `\n` and every other character that must not stand
/// in a comment (controls, bidirectional overrides) escaped as in a Rust string.
pub fn prose(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    escape_unprintable(&text, |c| c == '\n' || c == '\t')
}

/// Text on one line: line breaks, tabs, controls and bidirectional overrides escaped
/// as in a Rust string.
pub fn one_line(text: &str) -> String {
    escape_unprintable(text, |_| false)
}

/// An inline code span that shows `text` on one line, however many backticks it
/// holds: the delimiters are one backtick longer than its longest run (CommonMark), so
/// nothing inside can close the span or open a fence.
pub fn code_span(text: &str) -> String {
    let text = one_line(text);
    if text.is_empty() {
        return "``".to_string();
    }
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let ticks = "`".repeat(longest + 1);
    // CommonMark strips one space from each end when both are there, and needs a
    // space between the delimiters and a backtick inside.
    let spaced = text.starts_with(' ') && text.ends_with(' ') && !text.trim().is_empty();
    let pad = if spaced || text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// Bidirectional overrides and isolates: rustc rejects them in comments and literals
/// (`text_direction_codepoint_in_comment`) because they make code read differently
/// than it compiles.
const BIDI: [char; 9] = [
    '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}',
];

fn escape_unprintable(text: &str, keep: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if keep(c) || !(c.is_control() || BIDI.contains(&c)) {
            out.push(c);
        } else {
            out.extend(c.escape_debug());
        }
    }
    out
}

/// Rewrites Markdown so that rustdoc renders it as text and finds no code to run.
/// `text` has `\n` line breaks only ([`prose`]).
fn sanitize(text: &str) -> Vec<String> {
    let mut fence: Option<Fence> = None;
    let mut lines = Vec::new();
    for line in text.split('\n') {
        match &fence {
            Some(open) if open.is_closed_by(line) => {
                lines.push(open.marker());
                fence = None;
            }
            // Inside a fence, lines keep their indentation: it is the code's layout.
            Some(_) => lines.push(line.to_string()),
            None => match Fence::opened_by(line.trim()) {
                Some(open) => {
                    lines.push(format!("{}text", open.marker()));
                    fence = Some(open);
                }
                // Without indentation no line can be an indented code block.
                None => lines.push(defuse_list_item(&escape_line(line.trim()))),
            },
        }
    }
    if let Some(open) = fence {
        lines.push(open.marker());
    }
    lines
}

/// An open code fence: three or more backticks or tildes (CommonMark).
struct Fence {
    ch: char,
    len: usize,
}

impl Fence {
    /// The fence `line` (without indentation) opens. A backtick fence's info string
    /// cannot hold a backtick: such a line is inline code.
    fn opened_by(line: &str) -> Option<Fence> {
        let ch = line.chars().next().filter(|c| matches!(c, '`' | '~'))?;
        let info = line.trim_start_matches(ch);
        let len = line.len() - info.len();
        (len >= 3 && !(ch == '`' && info.contains('`'))).then_some(Fence { ch, len })
    }

    /// Whether `line` closes this fence: only fence characters, at least as many. Any
    /// indentation is accepted, which closes no later than CommonMark does (it allows
    /// three spaces): lines after the close are sanitised as prose, never kept verbatim
    /// outside a fence.
    fn is_closed_by(&self, line: &str) -> bool {
        let line = line.trim();
        line.len() >= self.len && line.chars().all(|c| c == self.ch)
    }

    /// The fence's own characters, which open or close it.
    fn marker(&self) -> String {
        self.ch.to_string().repeat(self.len)
    }
}

/// A list item's content may open code of its own: a fence right after the marker, or
/// indented code when five or more spaces follow it. The gap after each marker becomes
/// one space, and a fence that starts the content loses its first character to a
/// backslash escape.
fn defuse_list_item(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(len) = list_marker(rest) {
        out.push_str(&rest[..len]);
        rest = rest[len..].trim_start_matches([' ', '\t']);
        if rest.is_empty() {
            return out;
        }
        out.push(' ');
    }
    if !out.is_empty() && (rest.starts_with("```") || rest.starts_with("~~~")) {
        out.push('\\');
    }
    out.push_str(rest);
    out
}

/// The length of the list marker that starts `line` (`-`, `+`, `*`, or one to nine
/// digits and `.` or `)`), when a space, a tab or the end of the line follows it.
fn list_marker(line: &str) -> Option<usize> {
    let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let len = match line.as_bytes().get(digits) {
        Some(b'.' | b')') if (1..=9).contains(&digits) => digits + 1,
        Some(b'-' | b'+' | b'*') if digits == 0 => 1,
        _ => return None,
    };
    matches!(line.as_bytes().get(len), None | Some(b' ' | b'\t')).then_some(len)
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

    /// Sanitises `text` as [`doc_attrs`] does.
    fn doc(text: &str) -> Vec<String> {
        sanitize(prose(text).trim())
    }

    #[test]
    fn every_fence_form_is_marked_text() {
        let code = "panic!()";
        let table: [(&str, &[&str]); 9] = [
            ("```\npanic!()\n```", &["```text", code, "```"]),
            (
                "```rust,should_panic\npanic!()\n```",
                &["```text", code, "```"],
            ),
            ("~~~\npanic!()\n~~~", &["~~~text", code, "~~~"]),
            (
                "~~~~ rust ~~~\npanic!()\n~~~~~",
                &["~~~~text", code, "~~~~"],
            ),
            ("a\n   ```\npanic!()\n  ```", &["a", "```text", code, "```"]),
            // A shorter run or the other character does not close a fence.
            (
                "````\n```\n~~~~\npanic!()\n````",
                &["````text", "```", "~~~~", code, "````"],
            ),
            ("~~~\npanic!()", &["~~~text", code, "~~~"]),
            // Inside a fence lines keep their indentation; a closing fence may have any.
            (
                "```\n  panic!()\n      ```\n    b",
                &["```text", "  panic!()", "```", "b"],
            ),
            // A backtick in a backtick line makes it inline code, not a fence.
            ("```a` b", &["```a` b"]),
        ];
        for (text, want) in table {
            assert_eq!(doc(text), want, "{text:?}");
        }
    }

    #[test]
    fn carriage_returns_break_lines() {
        assert_eq!(
            doc("a\r```\rpanic!()\r```"),
            ["a", "```text", "panic!()", "```"]
        );
        assert_eq!(
            doc("a\r\n~~~\r\nb\r\n~~~\r\n"),
            ["a", "~~~text", "b", "~~~"]
        );
        assert_eq!(doc("a\r\rb"), ["a", "", "b"]);
    }

    #[test]
    fn indented_code_loses_its_indentation() {
        assert_eq!(doc("a\n\n    panic!()"), ["a", "", "panic!()"]);
        assert_eq!(doc("a\n\n\tpanic!()"), ["a", "", "panic!()"]);
        assert_eq!(doc("-      panic!()"), ["- panic!()"]);
        assert_eq!(doc("1.\t\t panic!()"), ["1. panic!()"]);
        assert_eq!(doc("- 2)      panic!()"), ["- 2) panic!()"]);
        assert_eq!(doc("- ```\n  panic!()"), ["- \\```", "panic!()"]);
        assert_eq!(doc("* 1. ~~~ rust"), ["* 1. \\~~~ rust"]);
        assert_eq!(doc("-"), ["-"]);
        // Not list markers: no space after, or ten digits.
        assert_eq!(doc("-x   y"), ["-x   y"]);
        assert_eq!(doc("1234567890.   y"), ["1234567890.   y"]);
        // `>` is escaped, so a block quote cannot hold a fence either.
        assert_eq!(doc("> ```"), ["&gt; ```"]);
    }

    #[test]
    fn controls_and_bidi_overrides_are_shown_escaped() {
        assert_eq!(
            doc("a\u{202e}b\u{0}c\u{1b}[1m\td"),
            ["a\\\\u{202e}b\\\\0c\\\\u{1b}\\[1m\td"]
        );
        assert_eq!(one_line("a\r\nb\u{2066}"), "a\\r\\nb\\u{2066}");
    }

    /// The info strings of the code blocks rustdoc finds in `markdown`, with the options
    /// rustdoc parses doc comments with; `(indented)` for indented code.
    fn code_blocks(markdown: &str) -> Vec<String> {
        use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag};
        let options = Options::ENABLE_TABLES
            | Options::ENABLE_FOOTNOTES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_TASKLISTS
            | Options::ENABLE_SMART_PUNCTUATION;
        Parser::new_ext(markdown, options)
            .filter_map(|event| match event {
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => Some(info.to_string()),
                Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)) => Some("(indented)".into()),
                _ => None,
            })
            .collect()
    }

    /// Combinations of every way to open code, break lines, indent and close, read
    /// back by rustdoc's own Markdown parser: the only code blocks left are `text`.
    #[test]
    fn rustdoc_finds_no_code_to_run() {
        let openers = [
            "```",
            "```rust",
            "````",
            "~~~",
            "~~~~ rust ~~~",
            "   ```",
            "    ```",
            "\t~~~",
            "- ```",
            "1) ~~~",
            "* -  ```",
            "> ```",
            "-     ",
            "2.      ",
            "``` a`b",
            "",
        ];
        let bodies = ["panic!()", "    panic!()", "\tpanic!()", "- ```"];
        let closers = ["", "```", "~~~", "`````", "   ~~~~", "  ```", "\t```"];
        let breaks = ["\n", "\r", "\r\n", "\n\n"];
        let tails = ["", "    panic!()", "-      panic!()"];
        let mut hostile = 0;
        for opener in openers {
            for body in bodies {
                for close in closers {
                    for br in breaks {
                        for tail in tails {
                            let text = format!("a{br}{opener}{br}{body}{br}{close}{br}{br}{tail}");
                            hostile += usize::from(code_blocks(&text).iter().any(|i| i != "text"));
                            let markdown = doc(&text).join("\n");
                            for info in code_blocks(&markdown) {
                                assert_eq!(info, "text", "{text:?} became:\n{markdown}");
                            }
                        }
                    }
                }
            }
        }
        assert!(
            hostile > 1000,
            "only {hostile} cases hold code before sanitising"
        );
    }

    #[test]
    fn rustdoc_reads_code_spans_back_as_the_value() {
        use pulldown_cmark::{Event, Parser};
        let values = [
            "asc",
            "<=",
            "`",
            "``",
            "a`b",
            "`a`",
            " ` ",
            "a``b```c",
            " x ",
            "  ",
            "x\n```\ny",
            "\r\n",
            "[x](y)",
            "<b>",
            "\\",
            "~~~",
            "*a*",
            "\u{202e}",
        ];
        for value in values {
            let code: Vec<String> = Parser::new(&code_span(value))
                .filter_map(|event| match event {
                    Event::Code(text) => Some(text.to_string()),
                    _ => None,
                })
                .collect();
            assert_eq!(code, [one_line(value)], "{value:?} as {}", code_span(value));
        }
    }

    #[test]
    fn code_spans_hold_any_value_on_one_line() {
        let table = [
            ("asc", "`asc`"),
            ("<=", "`<=`"),
            ("", "``"),
            ("a`b", "``a`b``"),
            ("`", "`` ` ``"),
            ("a``b```c", "````a``b```c````"),
            (" x ", "`  x  `"),
            ("  ", "`  `"),
            (
                "x`\n```\npanic!()\n```\n`",
                "```` x`\\n```\\npanic!()\\n```\\n` ````",
            ),
            ("\r", "`\\r`"),
        ];
        for (value, want) in table {
            assert_eq!(code_span(value), want, "{value:?}");
            assert!(Fence::opened_by(&code_span(value)).is_none());
        }
    }
}
