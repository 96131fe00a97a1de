//! Server-requested waits: how long an answer asks the client to wait, from
//! `Retry-After` or Cloudflare's `RateLimit` / `RateLimit-Policy` headers.
//!
//! The `RateLimit` headers come in several drafts, all parsed leniently:
//! the structured form `RateLimit: "default";r=0;t=30` (with policies in
//! `RateLimit-Policy: "default";q=1200;w=300`), the older list form
//! `RateLimit: limit=1200, remaining=0, reset=30`, and the oldest separate
//! `RateLimit-Remaining` / `RateLimit-Reset` headers. Anything unparsable is
//! ignored rather than treated as an error.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// The wait an answer asks for: `Retry-After` when present, else the reset
/// time of any exhausted `RateLimit` policy.
pub(crate) fn requested_wait(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    if let Some(wait) = header_str(headers, RETRY_AFTER.as_str()).and_then(|v| retry_after(v, now))
    {
        return Some(wait);
    }
    let policies = header_str(headers, "ratelimit-policy")
        .map(parse_records)
        .unwrap_or_default();
    let from_ratelimit =
        header_str(headers, "ratelimit").and_then(|v| ratelimit_wait(v, &policies));
    from_ratelimit.or_else(|| separate_headers_wait(headers))
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// Parses `Retry-After`: delta seconds or an HTTP date. A date in the past
/// means "now".
pub(crate) fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Some(seconds) = seconds(value) {
        return Some(seconds);
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The longest reset among exhausted policies of a `RateLimit` header.
pub(crate) fn ratelimit_wait(value: &str, policies: &[Record]) -> Option<Duration> {
    parse_records(value)
        .iter()
        .filter(|record| record.remaining() == Some(0))
        .filter_map(|record| {
            record
                .reset()
                .or_else(|| policy_window(policies, record.name.as_deref()))
        })
        .max()
}

/// The window of the named policy, or the longest window when the name is
/// unknown: with nothing remaining and no reset given, waiting a whole
/// window is the safe guess.
fn policy_window(policies: &[Record], name: Option<&str>) -> Option<Duration> {
    let named = policies
        .iter()
        .find(|policy| policy.name.is_some() && policy.name.as_deref() == name);
    match named {
        Some(policy) => policy.param("w"),
        None => policies.iter().filter_map(|policy| policy.param("w")).max(),
    }
}

fn separate_headers_wait(headers: &HeaderMap) -> Option<Duration> {
    let remaining = header_str(headers, "ratelimit-remaining")?.trim();
    if remaining.parse::<u64>().ok()? != 0 {
        return None;
    }
    seconds(header_str(headers, "ratelimit-reset")?.trim())
}

/// One list member of a rate-limit header: an optional policy name and its
/// `key=value` parameters.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Record {
    name: Option<String>,
    params: Vec<(String, String)>,
}

impl Record {
    fn param(&self, key: &str) -> Option<Duration> {
        let (_, value) = self.params.iter().find(|(k, _)| k == key)?;
        seconds(value)
    }

    fn remaining(&self) -> Option<u64> {
        let (_, value) = self
            .params
            .iter()
            .find(|(k, _)| k == "r" || k == "remaining")?;
        value.parse().ok()
    }

    fn reset(&self) -> Option<Duration> {
        self.param("t").or_else(|| self.param("reset"))
    }
}

/// Splits a header into records. Unnamed members (the older
/// `limit=..., remaining=..., reset=...` form spreads one policy over several
/// members) are merged into a single record.
pub(crate) fn parse_records(value: &str) -> Vec<Record> {
    let mut named = Vec::new();
    let mut unnamed = Record::default();
    for member in value.split(',') {
        let record = parse_member(member);
        if record.name.is_some() {
            named.push(record);
        } else {
            unnamed.params.extend(record.params);
        }
    }
    if !unnamed.params.is_empty() {
        named.push(unnamed);
    }
    named
}

fn parse_member(member: &str) -> Record {
    let mut record = Record::default();
    for (index, part) in member.split(';').map(str::trim).enumerate() {
        match part.split_once('=') {
            Some((key, value)) => record.params.push((
                key.trim().to_ascii_lowercase(),
                unquote(value.trim()).to_owned(),
            )),
            None if index == 0 && !part.is_empty() => record.name = Some(unquote(part).to_owned()),
            None => {}
        }
    }
    record
}

fn unquote(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
}

/// Non-negative seconds, whole or decimal.
fn seconds(value: &str) -> Option<Duration> {
    if !value.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let seconds: f64 = value.parse().ok()?;
    Duration::try_from_secs_f64(seconds).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for &(name, value) in pairs {
            map.append(name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn secs(n: u64) -> Option<Duration> {
        Some(Duration::from_secs(n))
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        assert_eq!(retry_after("120", now), secs(120));
        assert_eq!(retry_after(" 0 ", now), secs(0));
        assert_eq!(retry_after("Wed, 21 Oct 2015 07:33:00 GMT", now), secs(300));
        // A date in the past means retry now.
        assert_eq!(retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), secs(0));
        assert_eq!(retry_after("-5", now), None);
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("", now), None);
    }

    #[test]
    fn structured_ratelimit_header() {
        assert_eq!(ratelimit_wait(r#""default";r=0;t=30"#, &[]), secs(30));
        assert_eq!(ratelimit_wait(r#""default";r=5;t=30"#, &[]), None);
        // Several policies: the longest exhausted one wins.
        assert_eq!(
            ratelimit_wait(r#""burst";r=0;t=2, "day";r=0;t=3600, "min";r=9;t=59"#, &[]),
            secs(3600)
        );
        // Tokens instead of strings, extra spaces and unknown parameters.
        assert_eq!(
            ratelimit_wait("default ; r = 0 ; t = 7 ; pk=:abc=:", &[]),
            secs(7)
        );
    }

    #[test]
    fn older_list_form_ratelimit_header() {
        assert_eq!(
            ratelimit_wait("limit=1200, remaining=0, reset=30", &[]),
            secs(30)
        );
        assert_eq!(
            ratelimit_wait("limit=1200, remaining=3, reset=30", &[]),
            None
        );
        assert_eq!(
            ratelimit_wait("Limit=10, Remaining=0, Reset=\"12\"", &[]),
            secs(12)
        );
    }

    #[test]
    fn exhausted_policy_without_reset_falls_back_to_the_policy_window() {
        let policies = parse_records(r#""default";q=1200;w=300, "burst";q=10;w=5"#);
        assert_eq!(ratelimit_wait(r#""burst";r=0"#, &policies), secs(5));
        assert_eq!(ratelimit_wait(r#""other";r=0"#, &policies), secs(300));
        assert_eq!(ratelimit_wait(r#""other";r=0"#, &[]), None);
    }

    #[test]
    fn garbage_is_ignored() {
        for value in [
            "",
            ",,,",
            ";;",
            "r=zero;t=x",
            "\"unterminated;r=0;t=",
            "remaining=0, reset=-1",
        ] {
            assert_eq!(ratelimit_wait(value, &[]), None, "value {value:?}");
        }
    }

    #[test]
    fn requested_wait_prefers_retry_after() {
        let now = SystemTime::now();
        let both = headers(&[("retry-after", "9"), ("ratelimit", r#""default";r=0;t=30"#)]);
        assert_eq!(requested_wait(&both, now), secs(9));
        let only_ratelimit = headers(&[("ratelimit", r#""default";r=0;t=30"#)]);
        assert_eq!(requested_wait(&only_ratelimit, now), secs(30));
        let with_policy = headers(&[
            ("ratelimit", r#""default";r=0"#),
            ("ratelimit-policy", r#""default";q=1200;w=300"#),
        ]);
        assert_eq!(requested_wait(&with_policy, now), secs(300));
        let separate = headers(&[("ratelimit-remaining", "0"), ("ratelimit-reset", "42")]);
        assert_eq!(requested_wait(&separate, now), secs(42));
        let not_exhausted = headers(&[("ratelimit-remaining", "1"), ("ratelimit-reset", "42")]);
        assert_eq!(requested_wait(&not_exhausted, now), None);
        assert_eq!(requested_wait(&HeaderMap::new(), now), None);
    }
}
