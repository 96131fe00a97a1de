//! Base URLs: which ones a client may send credentials to, and how one is
//! shown in errors and `Debug` output without the secrets it may hold.
//!
//! A base URL is configuration that often comes from the environment or a
//! command line, so a user may paste one holding a password
//! (`https://user:secret@host`) or a token (`?token=...`). Such a URL is
//! refused, and every message that shows it shows [`redact`]'s version.
//! Plain `http` would send the API token in clear text, so it is accepted
//! only for loopback hosts, where tests and local mocks listen.

use std::net::IpAddr;

use reqwest::Url;

/// What replaces the user info, query and fragment of a URL in messages.
const REDACTED: &str = "<redacted>";

/// Parses and normalises a base URL, or says what is wrong with it (the
/// reason never quotes the URL). The path loses its trailing slash, so that
/// request paths can be appended.
pub(crate) fn parse(raw: &str) -> Result<Url, String> {
    let mut url = Url::parse(raw.trim()).map_err(|e| e.to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("it must use https (or http for a loopback host)".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "it must not contain a user name or password (credentials go in \
             Credentials or CLOUDFLARE_API_TOKEN)"
                .to_owned(),
        );
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("it must not have a query or fragment".to_owned());
    }
    if url.scheme() == "http" && !is_loopback(&url) {
        return Err(
            "plain http would send the credentials unencrypted; use https \
             (http is allowed only for loopback hosts: 127.0.0.0/8, ::1, localhost)"
                .to_owned(),
        );
    }
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&path);
    Ok(url)
}

/// Whether the host is `localhost` or a loopback address (127.0.0.0/8,
/// `::1`). Names other than `localhost` itself are not trusted to resolve
/// to loopback.
fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost" || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// `raw` with its user info, query and fragment replaced by `<redacted>`,
/// for messages. Works on text, so that a URL too broken to parse is
/// redacted too. When a `?` or `#` comes before the last `@`, it is unclear
/// whether the `@` ends a password holding `?` or sits in a query, so
/// everything after the scheme is hidden.
pub(crate) fn redact(raw: &str) -> String {
    let raw = raw.trim();
    let (scheme, rest) = match raw.find("://") {
        Some(index) => raw.split_at(index + 3),
        None => ("", raw),
    };
    let first_delimiter = rest.find(['?', '#']);
    let (hidden_user_info, rest) = match rest.rfind('@') {
        Some(at) if first_delimiter.is_some_and(|d| d < at) => {
            return format!("{scheme}{REDACTED}");
        }
        Some(at) => (true, &rest[at + 1..]),
        None => (false, rest),
    };
    let (main, tail) = rest.split_at(rest.find(['?', '#']).unwrap_or(rest.len()));
    let mut shown = scheme.to_owned();
    if hidden_user_info {
        shown.push_str(REDACTED);
        shown.push('@');
    }
    shown.push_str(main);
    if let Some(delimiter) = tail.chars().next() {
        shown.push(delimiter);
        shown.push_str(REDACTED);
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_normalised() {
        let ok = |raw| parse(raw).unwrap().to_string();
        assert_eq!(
            ok("https://api.cloudflare.com/client/v4/"),
            "https://api.cloudflare.com/client/v4"
        );
        assert_eq!(ok(" http://127.0.0.1:8080 "), "http://127.0.0.1:8080/");
        assert_eq!(ok("http://[::1]:1/x"), "http://[::1]:1/x");
    }

    #[test]
    fn loopback_hosts() {
        let loopback = |raw| is_loopback(&Url::parse(raw).unwrap());
        assert!(loopback("http://127.0.0.1/"));
        assert!(loopback("http://127.1.2.3/"));
        assert!(loopback("http://[::1]/"));
        assert!(loopback("http://localhost/"));
        assert!(!loopback("http://localhost.evil.example/"));
        assert!(!loopback("http://127.0.0.1.example/"));
        assert!(!loopback("http://[::2]/"));
        assert!(!loopback("http://0.0.0.0/"));
        assert!(!loopback("http://192.168.1.1/"));
    }

    #[test]
    fn redaction_hides_user_info_query_and_fragment() {
        let cases = [
            (
                "https://api.cloudflare.com/v4",
                "https://api.cloudflare.com/v4",
            ),
            ("https://u:p@host/v4", "https://<redacted>@host/v4"),
            ("https://host/v4?token=t", "https://host/v4?<redacted>"),
            ("https://host/v4#t", "https://host/v4#<redacted>"),
            ("u:p@host/v4?x", "<redacted>@host/v4?<redacted>"),
            // A password holding `/` or `@` still ends at the last `@`.
            ("https://u:a/b@c@host/", "https://<redacted>@host/"),
            // `?` before the last `@`: ambiguous, so all is hidden.
            ("https://u:p?q@host/", "https://<redacted>"),
            ("https://host/?mail=a@b", "https://<redacted>"),
            ("", ""),
        ];
        for (raw, shown) in cases {
            assert_eq!(redact(raw), shown, "{raw}");
        }
    }
}
