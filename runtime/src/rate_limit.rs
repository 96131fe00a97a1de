//! Client-side rate limit: keeps a client under a number of requests per
//! rolling window, such as Cloudflare's 1,200 requests per 5 minutes, or
//! less to leave room for other tools of the same user.
//!
//! This is a sliding-window log rather than `governor`'s GCRA. A GCRA bucket
//! with a burst of N and a refill of N per window lets up to 2N requests
//! through in one window (a full burst, then the refill), so matching a
//! server that counts N per window means halving either the burst or the
//! sustained rate. The log is exact: a request may go when fewer than N
//! requests went in the last window. It costs one `Instant` per allowed
//! request in the window (about 19 KB for 1,200), takes no dependency, and
//! reads time from the client's [`Timer`] so tests need no real waiting.

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::Error;

/// A budget of requests per rolling window.
///
/// Clones share one budget: every clone of a [`Client`](crate::Client) built
/// with it, and every client given a clone of the same `RateLimit`, draws
/// from the same count. Each attempt, retries included, counts as a request.
///
/// It applies on top of the pacing from the server's own `RateLimit`
/// headers (see [`ClientBuilder::server_pacing`](crate::ClientBuilder::server_pacing)):
/// the stricter of the two wins. It is the only limit when the server sends
/// no such headers.
///
/// It also parses from text, as a command-line option would give it:
/// `REQUESTS/WINDOW`, the window a whole number with a unit (`ms`, `s`,
/// `m`, `h`), and displays the same way.
///
/// ```
/// use std::time::Duration;
/// use cfgen_runtime::RateLimit;
///
/// let limit: RateLimit = "600/5m".parse()?;
/// assert_eq!((limit.requests(), limit.window()), (600, Duration::from_secs(300)));
/// assert_eq!(limit.to_string(), "600/5m");
/// assert_eq!("1200/300s".parse::<RateLimit>()?.to_string(), "1200/5m");
/// assert!("600".parse::<RateLimit>().is_err());
/// # Ok::<(), cfgen_runtime::Error>(())
/// ```
///
/// ```
/// use std::time::Duration;
/// use cfgen_runtime::{Client, RateLimit};
///
/// let client = Client::builder()
///     .rate_limit(RateLimit::per_window(1200, Duration::from_secs(300)))
///     .build()?;
/// # Ok::<(), cfgen_runtime::Error>(())
/// ```
#[derive(Clone)]
pub struct RateLimit {
    requests: u32,
    window: Duration,
    sent: Arc<Mutex<VecDeque<Instant>>>,
}

impl RateLimit {
    /// Allows at most `requests` requests in any window of length `window`.
    /// Zero for either is rejected when the client is built.
    pub fn per_window(requests: u32, window: Duration) -> Self {
        RateLimit {
            requests,
            window,
            sent: Arc::new(Mutex::new(VecDeque::new())),
        }
    }

    /// The number of requests allowed per window.
    pub fn requests(&self) -> u32 {
        self.requests
    }

    /// The length of the window.
    pub fn window(&self) -> Duration {
        self.window
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.requests == 0 || self.window.is_zero() {
            return Err(Error::config(format!(
                "rate limit must allow at least one request in a non-zero window, got {} per {:?}",
                self.requests, self.window
            )));
        }
        Ok(())
    }

    /// Takes one request from the budget at `now`, or says how long to wait
    /// before one is free.
    pub(crate) fn try_acquire(&self, now: Instant) -> Result<(), Duration> {
        let mut sent = self.sent.lock().unwrap_or_else(PoisonError::into_inner);
        while sent.front().is_some_and(|&at| at + self.window <= now) {
            sent.pop_front();
        }
        if sent.len() < self.requests as usize {
            sent.push_back(now);
            return Ok(());
        }
        // The window is full: the oldest request leaves it first.
        let oldest = sent.front().copied().unwrap_or(now);
        Err((oldest + self.window).saturating_duration_since(now))
    }

    /// How long until a request is free at `now`, without taking one.
    pub(crate) fn wait_at(&self, now: Instant) -> Option<Duration> {
        let sent = self.sent.lock().unwrap_or_else(PoisonError::into_inner);
        let in_window = sent.iter().filter(|&&at| at + self.window > now).count();
        if in_window < self.requests as usize {
            return None;
        }
        let oldest = sent.iter().find(|&&at| at + self.window > now)?;
        Some((*oldest + self.window).saturating_duration_since(now))
    }
}

/// Parses `REQUESTS/WINDOW`, such as `600/300s`, `1200/5m` or `10/500ms`.
/// Zero requests or a zero window are refused here already.
impl FromStr for RateLimit {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        let invalid = |why: &str| {
            Error::config(format!(
                "invalid rate limit `{text}`: {why}; expected REQUESTS/WINDOW such as 600/300s or 1200/5m"
            ))
        };
        let (requests, window) = text
            .trim()
            .split_once('/')
            .ok_or_else(|| invalid("no `/`"))?;
        let requests: u32 = requests
            .trim()
            .parse()
            .map_err(|_| invalid("the number of requests is not a whole number"))?;
        let window = parse_window(window.trim()).map_err(invalid)?;
        let limit = RateLimit::per_window(requests, window);
        limit.check()?;
        Ok(limit)
    }
}

/// A whole number followed by `ms`, `s`, `m` or `h`.
fn parse_window(text: &str) -> Result<Duration, &'static str> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let number: u64 = number
        .parse()
        .map_err(|_| "the window must start with a whole number")?;
    let seconds_per_unit = match unit.trim() {
        "ms" => return Ok(Duration::from_millis(number)),
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "" => return Err("the window needs a unit (ms, s, m or h)"),
        _ => return Err("the window's unit must be ms, s, m or h"),
    };
    number
        .checked_mul(seconds_per_unit)
        .map(Duration::from_secs)
        .ok_or("the window is too long")
}

/// `REQUESTS/WINDOW` with the window in the largest unit that keeps it
/// whole, so the text parses back to the same limit.
impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let window = self.window;
        let seconds = window.as_secs();
        if window.subsec_nanos() != 0 || seconds == 0 {
            write!(f, "{}/{}ms", self.requests, window.as_millis())
        } else if seconds % 3600 == 0 {
            write!(f, "{}/{}h", self.requests, seconds / 3600)
        } else if seconds % 60 == 0 {
            write!(f, "{}/{}m", self.requests, seconds / 60)
        } else {
            write!(f, "{}/{}s", self.requests, seconds)
        }
    }
}

impl fmt::Debug for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimit")
            .field("requests", &self.requests)
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn allows_a_full_burst_then_waits_for_the_oldest_to_expire() {
        let limit = RateLimit::per_window(3, 10 * SECOND);
        let start = Instant::now();
        assert_eq!(limit.try_acquire(start), Ok(()));
        assert_eq!(limit.try_acquire(start + SECOND), Ok(()));
        assert_eq!(limit.try_acquire(start + 2 * SECOND), Ok(()));
        assert_eq!(limit.try_acquire(start + 4 * SECOND), Err(6 * SECOND));
        // At exactly start + 10 s the first request has left the window.
        assert_eq!(limit.try_acquire(start + 10 * SECOND), Ok(()));
        assert_eq!(limit.try_acquire(start + 10 * SECOND), Err(SECOND));
    }

    #[test]
    fn never_allows_more_than_the_budget_in_any_window() {
        let limit = RateLimit::per_window(5, 10 * SECOND);
        let start = Instant::now();
        let mut allowed = Vec::new();
        // Try every 100 ms for a minute.
        for step in 0..600u32 {
            let now = start + step * Duration::from_millis(100);
            if limit.try_acquire(now).is_ok() {
                allowed.push(now);
            }
        }
        for (index, &at) in allowed.iter().enumerate() {
            let in_window = allowed[index..]
                .iter()
                .take_while(|&&t| t < at + 10 * SECOND)
                .count();
            assert!(
                in_window <= 5,
                "{in_window} requests in the window starting at request {index}"
            );
        }
        // Bursts of five every ten seconds over a minute.
        assert_eq!(allowed.len(), 30);
    }

    #[test]
    fn clones_share_one_budget() {
        let limit = RateLimit::per_window(1, 60 * SECOND);
        let other = limit.clone();
        let now = Instant::now();
        assert_eq!(limit.try_acquire(now), Ok(()));
        assert_eq!(other.try_acquire(now), Err(60 * SECOND));
    }

    #[test]
    fn wait_at_peeks_without_taking() {
        let limit = RateLimit::per_window(1, 10 * SECOND);
        let start = Instant::now();
        assert_eq!(limit.wait_at(start), None);
        assert_eq!(limit.try_acquire(start), Ok(()));
        assert_eq!(limit.wait_at(start + SECOND), Some(9 * SECOND));
        assert_eq!(limit.wait_at(start + 10 * SECOND), None);
    }

    #[test]
    fn parses_and_displays_requests_per_window() {
        let parsed = |text: &str| {
            let limit: RateLimit = text.parse().unwrap();
            (limit.requests(), limit.window(), limit.to_string())
        };
        assert_eq!(parsed("600/300s"), (600, 300 * SECOND, "600/5m".to_owned()));
        assert_eq!(
            parsed(" 1200 / 5m "),
            (1200, 300 * SECOND, "1200/5m".to_owned())
        );
        assert_eq!(parsed("10/1h"), (10, 3600 * SECOND, "10/1h".to_owned()));
        assert_eq!(parsed("7/90s"), (7, 90 * SECOND, "7/90s".to_owned()));
        assert_eq!(
            parsed("200/1500ms"),
            (200, Duration::from_millis(1500), "200/1500ms".to_owned())
        );
        assert_eq!(parsed("3/2min").1, 120 * SECOND);
    }

    #[test]
    fn rate_limit_text_errors_say_what_is_wrong() {
        let error = |text: &str| text.parse::<RateLimit>().unwrap_err().to_string();
        let expected = "expected REQUESTS/WINDOW such as 600/300s or 1200/5m";
        assert_eq!(
            error("600"),
            format!("invalid configuration: invalid rate limit `600`: no `/`; {expected}")
        );
        assert_eq!(
            error("600/300"),
            format!(
                "invalid configuration: invalid rate limit `600/300`: the window needs a unit (ms, s, m or h); {expected}"
            )
        );
        assert_eq!(
            error("600/5d"),
            format!(
                "invalid configuration: invalid rate limit `600/5d`: the window's unit must be ms, s, m or h; {expected}"
            )
        );
        assert_eq!(
            error("-1/5m"),
            format!(
                "invalid configuration: invalid rate limit `-1/5m`: the number of requests is not a whole number; {expected}"
            )
        );
        assert_eq!(
            error("600/m"),
            format!(
                "invalid configuration: invalid rate limit `600/m`: the window must start with a whole number; {expected}"
            )
        );
        assert!(error("99999999999999999999/5m").contains("not a whole number"));
        assert!(error("1/99999999999999999h").contains("too long"));
        assert_eq!(
            error("0/5m"),
            "invalid configuration: rate limit must allow at least one request in a non-zero window, got 0 per 300s"
        );
        assert!(error("5/0s").contains("non-zero window"));
    }

    #[test]
    fn zero_budgets_are_configuration_errors() {
        let message = RateLimit::per_window(0, SECOND)
            .check()
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "invalid configuration: rate limit must allow at least one request in a non-zero window, got 0 per 1s"
        );
        assert!(RateLimit::per_window(1, Duration::ZERO).check().is_err());
        assert!(RateLimit::per_window(1200, 300 * SECOND).check().is_ok());
    }
}
