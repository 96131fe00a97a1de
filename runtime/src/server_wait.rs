//! Server-requested waits and budgets: how long an answer asks the client
//! to wait (`Retry-After`, or Cloudflare's `RateLimit` / `RateLimit-Policy`
//! headers with nothing remaining), and how many requests a successful
//! answer says are left before the server's window resets.
//!
//! The `RateLimit` headers come in several drafts, all parsed leniently:
//! the structured form `RateLimit: "default";r=0;t=30` (with policies in
//! `RateLimit-Policy: "default";q=1200;w=300`), the older list form
//! `RateLimit: limit=1200, remaining=0, reset=30`, and the oldest separate
//! `RateLimit-Remaining` / `RateLimit-Reset` headers (also with the `X-`
//! prefix Cloudflare used before). Anything unparsable in them is ignored:
//! they are hints. `Retry-After` is an order, so a value that cannot be read
//! (`soon`, `-5`, `1e400`, 20 digits) is taken as the longest possible wait,
//! [`UNREADABLE_WAIT`], which no retry policy accepts: the client stops
//! rather than retrying at once.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// The wait a `Retry-After` that cannot be read stands for: longer than any
/// [`RetryPolicy::max_server_wait`](crate::RetryPolicy::max_server_wait).
pub(crate) const UNREADABLE_WAIT: Duration = Duration::MAX;

/// The wait an answer asks for: `Retry-After` when present, else the reset
/// time of any exhausted `RateLimit` policy.
pub(crate) fn requested_wait(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    if let Some(value) = headers.get(RETRY_AFTER) {
        let wait = value.to_str().ok().and_then(|v| retry_after(v, now));
        return Some(wait.unwrap_or(UNREADABLE_WAIT));
    }
    let policies = header_str(headers, "ratelimit-policy")
        .map(parse_records)
        .unwrap_or_default();
    let from_ratelimit =
        header_str(headers, "ratelimit").and_then(|v| ratelimit_wait(v, &policies));
    from_ratelimit.or_else(|| separate_headers_wait(headers))
}

/// What a successful answer says about the server's budget: the requests
/// left (for the policy with the fewest left) and when its window resets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Budget {
    /// Requests the server still accepts in its current window.
    pub(crate) remaining: u64,
    /// Time until the window resets, when the answer says, rounded up by
    /// the header's precision: a server that truncates may mean `t=3` for
    /// 3.9 s, and resuming early against a spent window is what triggers
    /// Cloudflare's five-minute block.
    pub(crate) reset: Option<Duration>,
    /// Requests per window, when the answer says.
    pub(crate) quota: Option<u64>,
}

/// The budget announced by an answer's rate-limit headers, if any.
pub(crate) fn budget(headers: &HeaderMap, now: SystemTime) -> Option<Budget> {
    let policies = header_str(headers, "ratelimit-policy")
        .map(parse_records)
        .unwrap_or_default();
    header_str(headers, "ratelimit")
        .and_then(|value| structured_budget(value, &policies))
        .or_else(|| separate_headers_budget(headers, now))
}

/// The budget of the policy with the fewest requests left.
fn structured_budget(value: &str, policies: &[Record]) -> Option<Budget> {
    let records = parse_records(value);
    let record = records
        .iter()
        .filter(|record| record.remaining().is_some())
        .min_by_key(|record| record.remaining())?;
    let policy = policy_named(policies, record.name.as_deref());
    Some(Budget {
        remaining: record.remaining()?,
        reset: record
            .reset_rounded_up()
            .or_else(|| policy.and_then(|p| p.param("w"))),
        quota: record
            .count("limit")
            .or_else(|| policy.and_then(|p| p.count("q"))),
    })
}

fn separate_headers_budget(headers: &HeaderMap, now: SystemTime) -> Option<Budget> {
    let remaining = separate_header(headers, "remaining")?.trim().parse().ok()?;
    // Cloudflare's `X-RateLimit-Reset` is an HTTP date (whole seconds); the
    // drafts use seconds.
    let reset = separate_header(headers, "reset").and_then(|value| {
        let value = value.trim();
        seconds_rounded_up(value)
            .or_else(|| Some(retry_after(value, now)? + Duration::from_secs(1)))
    });
    let quota = separate_header(headers, "limit").and_then(|v| v.trim().parse().ok());
    Some(Budget {
        remaining,
        reset,
        quota,
    })
}

/// `RateLimit-{field}`, or `X-RateLimit-{field}`.
fn separate_header<'a>(headers: &'a HeaderMap, field: &str) -> Option<&'a str> {
    header_str(headers, &format!("ratelimit-{field}"))
        .or_else(|| header_str(headers, &format!("x-ratelimit-{field}")))
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// Parses `Retry-After`: delta seconds or an HTTP date (`None` when it is
/// neither). A date in the past means "now".
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
    match policy_named(policies, name) {
        Some(policy) => policy.param("w"),
        None => policies.iter().filter_map(|policy| policy.param("w")).max(),
    }
}

/// The policy of that name, or the only policy when there is just one.
fn policy_named<'a>(policies: &'a [Record], name: Option<&str>) -> Option<&'a Record> {
    let named = policies
        .iter()
        .find(|policy| policy.name.is_some() && policy.name.as_deref() == name);
    match policies {
        [only] if named.is_none() => Some(only),
        _ => named,
    }
}

fn separate_headers_wait(headers: &HeaderMap) -> Option<Duration> {
    let remaining = separate_header(headers, "remaining")?.trim();
    if remaining.parse::<u64>().ok()? != 0 {
        return None;
    }
    seconds(separate_header(headers, "reset")?.trim())
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

    fn count(&self, key: &str) -> Option<u64> {
        let (_, value) = self.params.iter().find(|(k, _)| k == key)?;
        value.parse().ok()
    }

    fn remaining(&self) -> Option<u64> {
        self.count("r").or_else(|| self.count("remaining"))
    }

    fn reset(&self) -> Option<Duration> {
        self.param("t").or_else(|| self.param("reset"))
    }

    fn reset_rounded_up(&self) -> Option<Duration> {
        let (_, value) = self.params.iter().find(|(k, _)| k == "t" || k == "reset")?;
        seconds_rounded_up(value)
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

/// Non-negative seconds: digits, optionally with a decimal fraction (HTTP
/// allows only digits; a fraction is harmless). No sign, exponent or
/// spaces; `None` when the value does not fit a `u64` of seconds.
fn seconds(value: &str) -> Option<Duration> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, "0"));
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let nanos = format!("{fraction:0<9}");
    let nanos: u32 = nanos[..9].parse().ok()?;
    Some(Duration::new(whole.parse().ok()?, nanos))
}

/// [`seconds`] plus one unit of the value's last digit: `3` → 4 s,
/// `2.50` → 2.51 s.
fn seconds_rounded_up(value: &str) -> Option<Duration> {
    let digits = value
        .split_once('.')
        .map_or(0, |(_, fraction)| fraction.len());
    let unit = Duration::from_secs(1) / 10u32.pow(digits.min(9) as u32);
    seconds(value)?.checked_add(unit)
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
        assert_eq!(retry_after("1.5", now), Some(Duration::from_millis(1500)));
        for unreadable in [
            "-5",
            "soon",
            "",
            "1e3",
            "1e400",
            "+5",
            "5s",
            "1.",
            "99999999999999999999",
        ] {
            assert_eq!(retry_after(unreadable, now), None, "{unreadable:?}");
        }
    }

    #[test]
    fn an_unreadable_retry_after_is_the_longest_wait() {
        let now = SystemTime::now();
        for value in ["soon", "-1", "1e400", "99999999999999999999", ""] {
            let map = headers(&[("retry-after", value), ("ratelimit", "r=0;t=5")]);
            assert_eq!(
                requested_wait(&map, now),
                Some(UNREADABLE_WAIT),
                "{value:?}"
            );
        }
        let mut map = HeaderMap::new();
        map.insert("retry-after", HeaderValue::from_bytes(b"\xff").unwrap());
        assert_eq!(requested_wait(&map, now), Some(UNREADABLE_WAIT));
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
    fn budgets_of_successful_answers() {
        let now = SystemTime::now();
        let budget_of = |pairs: &[(&'static str, &str)]| budget(&headers(pairs), now);
        let structured = budget_of(&[
            ("ratelimit", r#""default";r=50;t=30"#),
            ("ratelimit-policy", r#""default";q=1200;w=300"#),
        ]);
        assert_eq!(
            structured,
            Some(Budget {
                remaining: 50,
                reset: secs(31),
                quota: Some(1200)
            })
        );
        // The policy with the fewest left wins; a missing reset falls back
        // to the policy's window.
        let several = budget_of(&[
            ("ratelimit", r#""day";r=9000;t=80000, "burst";r=3"#),
            (
                "ratelimit-policy",
                r#""day";q=10000;w=86400, "burst";q=10;w=5"#,
            ),
        ]);
        assert_eq!(
            several,
            Some(Budget {
                remaining: 3,
                reset: secs(5),
                quota: Some(10)
            })
        );
        let list = budget_of(&[("ratelimit", "limit=100, remaining=7, reset=2.50")]);
        assert_eq!(
            list,
            Some(Budget {
                remaining: 7,
                reset: Some(Duration::from_millis(2510)),
                quota: Some(100)
            })
        );
        let legacy = budget_of(&[
            ("x-ratelimit-remaining", "4"),
            ("x-ratelimit-limit", "1200"),
        ]);
        assert_eq!(
            legacy,
            Some(Budget {
                remaining: 4,
                reset: None,
                quota: Some(1200)
            })
        );
        let separate = budget_of(&[("ratelimit-remaining", "4"), ("ratelimit-reset", "9")]);
        assert_eq!(separate.and_then(|b| b.reset), secs(10));
        let date = httpdate::fmt_http_date(now + Duration::from_secs(60));
        let dated = budget_of(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", &date)]);
        let reset = dated.and_then(|b| b.reset).unwrap();
        // The date has whole seconds: up to a second lost, one added.
        assert!(
            reset > secs(59).unwrap() && reset <= secs(61).unwrap(),
            "{reset:?}"
        );
        assert_eq!(budget_of(&[]), None);
        assert_eq!(budget_of(&[("ratelimit", "r=many;t=3")]), None);
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
