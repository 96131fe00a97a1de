//! Retries: which failures are tried again, and how long to wait between
//! attempts.
//!
//! The backoff is computed here rather than by a retry crate because two of
//! its rules are unusual: the jitter must survive the cap (a capped delay
//! that is always exactly `max_delay` makes every request that failed
//! together retry together), and a server-requested wait is a minimum, never
//! shorter than the backoff (`Retry-After: 0` must not cause a burst of
//! immediate retries). The waits themselves happen in
//! [`throttle`](crate::throttle), which every attempt passes.

use std::time::Duration;

use crate::Error;
use crate::server_wait::UNREADABLE_WAIT;

/// How a [`Client`](crate::Client) retries failed attempts.
///
/// Connection failures, timeouts, 429 and 5xx answers are retried; other 4xx
/// answers and decode errors never are. Before retry `n` the client waits an
/// exponential backoff with jitter: a random time between half and all of
/// `base_delay × 2^(n-1)`, where the doubling stops at `max_delay` (so
/// capped delays still differ, between half and all of `max_delay`).
///
/// When the answer asks for a wait (`Retry-After`, or an exhausted
/// `RateLimit` policy), and on every 429, the whole client pauses: every
/// request of the client and its clones waits for the same deadline, the
/// requested wait or the backoff, whichever is longer (so `Retry-After: 0`
/// still backs off). A `Retry-After` that cannot be read counts as a long
/// wait. A wait longer than `max_server_wait` is not waited for: the request
/// fails at once with [`Error::WaitTooLong`], and so does every request of
/// the client that would start before the wait is over, without being sent.
///
/// ```
/// use std::time::Duration;
/// use cfgen_runtime::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .with_max_attempts(3)
///     .with_base_delay(Duration::from_millis(200));
/// assert_eq!(policy.max_attempts(), 3);
/// assert_eq!(RetryPolicy::none().max_attempts(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_server_wait: Duration,
}

impl RetryPolicy {
    /// Five attempts, 500 ms base delay, 30 s maximum backoff, and server
    /// waits honoured up to 300 s (Cloudflare's rate-limit window).
    pub const fn new() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_server_wait: Duration::from_secs(300),
        }
    }

    /// A single attempt: nothing is retried.
    pub const fn none() -> Self {
        Self::new().with_max_attempts(1)
    }

    /// Sets the total number of attempts, the first included (at least 1).
    pub const fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// Sets the backoff before the first retry (jitter takes it down to half
    /// that); later ones double it.
    pub const fn with_base_delay(mut self, base_delay: Duration) -> Self {
        self.base_delay = base_delay;
        self
    }

    /// Sets the longest backoff between two attempts (jitter included): the
    /// doubling stops there, and jitter then picks between half and all of
    /// it.
    pub const fn with_max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay;
        self
    }

    /// Sets the longest server-requested wait the client honours. A longer
    /// one ends the retries with [`Error::WaitTooLong`], and the client
    /// refuses, without sending, every request that would start before the
    /// server's wait is over.
    pub const fn with_max_server_wait(mut self, max_server_wait: Duration) -> Self {
        self.max_server_wait = max_server_wait;
        self
    }

    /// The total number of attempts.
    pub const fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The delay before the first retry.
    pub const fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// The longest backoff between two attempts.
    pub const fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// The longest server-requested wait honoured.
    pub const fn max_server_wait(&self) -> Duration {
        self.max_server_wait
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.max_attempts == 0 {
            return Err(Error::config(
                "retry policy must allow at least 1 attempt, got 0",
            ));
        }
        Ok(())
    }

    /// The backoff before retry `retry` (1 for the first retry): between
    /// half and all of `base_delay × 2^(retry-1)`, the doubling capped at
    /// `max_delay`.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let doublings = retry.saturating_sub(1).min(31);
        let ceiling = self
            .base_delay
            .saturating_mul(1 << doublings)
            .min(self.max_delay);
        ceiling.mul_f64(0.5 + fastrand::f64() / 2.0)
    }

    /// The wait before retry `retry` when the server asked for `requested`:
    /// the longer of the two, so that a short or zero request still backs
    /// off. `None` when the request is longer than `max_server_wait`, or
    /// unreadable (which no policy accepts, however long its ceiling).
    pub(crate) fn server_wait(&self, requested: Duration, retry: u32) -> Option<Duration> {
        let acceptable = requested != UNREADABLE_WAIT && requested <= self.max_server_wait;
        acceptable.then(|| requested.max(self.backoff(retry)))
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn backoff_doubles_with_jitter_and_keeps_jitter_at_the_cap() {
        let policy = RetryPolicy::new()
            .with_base_delay(SECOND)
            .with_max_delay(5 * SECOND);
        for (retry, ceiling) in [(1, 1), (2, 2), (3, 4), (4, 5), (40, 5), (u32::MAX, 5)] {
            let delays: Vec<_> = (0..50).map(|_| policy.backoff(retry)).collect();
            let ceiling = ceiling * SECOND;
            for delay in &delays {
                assert!(
                    *delay >= ceiling / 2 && *delay <= ceiling,
                    "retry {retry}: {delay:?}"
                );
            }
            assert!(
                delays.iter().any(|d| *d != delays[0]),
                "retry {retry}: no jitter in {delays:?}"
            );
        }
    }

    #[test]
    fn a_server_wait_is_a_minimum_and_has_a_ceiling() {
        let policy = RetryPolicy::new().with_base_delay(SECOND);
        let zero = policy.server_wait(Duration::ZERO, 3).unwrap();
        assert!(zero >= 2 * SECOND && zero <= 4 * SECOND, "{zero:?}");
        assert_eq!(policy.server_wait(300 * SECOND, 1), Some(300 * SECOND));
        assert_eq!(policy.server_wait(301 * SECOND, 1), None);
        assert_eq!(policy.server_wait(Duration::MAX, 1), None);
        let patient = policy.with_max_server_wait(Duration::MAX);
        assert_eq!(patient.server_wait(Duration::MAX, 1), None);
    }

    #[test]
    fn zero_attempts_are_refused() {
        assert_eq!(
            RetryPolicy::new()
                .with_max_attempts(0)
                .check()
                .unwrap_err()
                .to_string(),
            "invalid configuration: retry policy must allow at least 1 attempt, got 0"
        );
    }
}
