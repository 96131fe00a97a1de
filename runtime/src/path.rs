//! Path encoding: turns one path parameter into one safe URL path segment.

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but RFC 3986 "unreserved" characters is escaped. Sub-delimiters
/// such as `;` or `=` would be legal in a segment, but escaping them too is
/// always safe and keeps the rule easy to state.
pub(crate) const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes `value` as a single URL path segment.
///
/// `/`, `?`, `#`, `%`, spaces, control characters and non-ASCII characters are
/// all escaped, so a parameter can never change which endpoint is called.
/// The segments `.` and `..` cannot be made safe by escaping (URL parsers
/// treat `%2E%2E` as `..`), so [`validate::path_param`](crate::validate::path_param)
/// rejects them and the client refuses any path that URL parsing would
/// normalise.
///
/// ```
/// let path = format!("/values/{}", cfgen_runtime::encode_path("a/b c?"));
/// assert_eq!(path, "/values/a%2Fb%20c%3F");
/// ```
pub fn encode_path(value: &str) -> EncodedSegment<'_> {
    EncodedSegment(value)
}

/// A path segment that percent-encodes itself when displayed; see
/// [`encode_path`].
#[derive(Debug, Clone, Copy)]
pub struct EncodedSegment<'a>(&'a str);

impl fmt::Display for EncodedSegment<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&utf8_percent_encode(self.0, SEGMENT), f)
    }
}

#[cfg(test)]
mod tests {
    use super::encode_path;

    #[test]
    fn encodes_reserved_and_non_ascii_characters() {
        let cases = [
            ("abc123", "abc123"),
            ("a-b.c_d~e", "a-b.c_d~e"),
            ("a/b", "a%2Fb"),
            ("q?x=1#frag", "q%3Fx%3D1%23frag"),
            ("100%", "100%25"),
            ("with space", "with%20space"),
            ("plus+", "plus%2B"),
            ("naïve ✓", "na%C3%AFve%20%E2%9C%93"),
            ("tab\tnl\n", "tab%09nl%0A"),
            ("back\\slash", "back%5Cslash"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(encode_path(input).to_string(), expected, "input {input:?}");
        }
    }
}
