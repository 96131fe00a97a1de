//! Retries: which failures are tried again, and how long to wait between
//! attempts.
//!
//! Backoff comes from `backon`'s exponential builder (doubling, with jitter);
//! its `adjust` hook lets a server-requested wait (`Retry-After`,
//! `RateLimit`) replace the computed delay, or stop retrying when the
//! request exceeds [`RetryPolicy::max_server_wait`].

use std::time::Duration;

use backon::ExponentialBuilder;

use crate::Error;

/// How a [`Client`](crate::Client) retries failed attempts.
///
/// Connection failures, timeouts, 429 and 5xx answers are retried; other 4xx
/// answers and decode errors never are. Between attempts the client waits
/// the time the server asked for when it asked (`Retry-After` or an
/// exhausted `RateLimit` policy), otherwise an exponential backoff with
/// jitter: about `base_delay`, then twice that, and so on, capped at
/// `max_delay`. A server asking for longer than `max_server_wait` ends the
/// retries at once, and the returned error carries the requested wait
/// ([`Error::retry_after`]).
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

    /// Sets the delay before the first retry; later ones double it.
    pub const fn with_base_delay(mut self, base_delay: Duration) -> Self {
        self.base_delay = base_delay;
        self
    }

    /// Sets the longest backoff between two attempts (jitter included).
    pub const fn with_max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay;
        self
    }

    /// Sets the longest server-requested wait the client honours; a longer
    /// request ends the retries.
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

    /// The backoff for one request: `max_attempts - 1` delays.
    pub(crate) fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::new()
            .with_jitter()
            .with_factor(2.0)
            .with_min_delay(self.base_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_attempts.saturating_sub(1) as usize)
    }

    /// The delay before the next attempt after `error`, given the backoff's
    /// proposal (`None` once the attempts are used up). `None` stops.
    pub(crate) fn next_delay(&self, error: &Error, backoff: Option<Duration>) -> Option<Duration> {
        let backoff = backoff?;
        match error.retry_after() {
            Some(wait) if wait > self.max_server_wait => None,
            Some(wait) => Some(wait),
            // Jitter may push the backoff past the cap; the cap wins.
            None => Some(backoff.min(self.max_delay)),
        }
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
    use backon::BackoffBuilder;

    #[test]
    fn backoff_doubles_with_jitter_and_stays_under_the_cap() {
        let policy = RetryPolicy::new()
            .with_max_attempts(6)
            .with_base_delay(Duration::from_secs(1))
            .with_max_delay(Duration::from_secs(5));
        let error = Error::config("any");
        let delays: Vec<_> = policy
            .backoff()
            .build()
            .map(|d| policy.next_delay(&error, Some(d)).unwrap())
            .collect();
        assert_eq!(delays.len(), 5);
        let floors = [1, 2, 4, 5, 5].map(Duration::from_secs);
        for (delay, floor) in delays.iter().zip(floors) {
            assert!(
                *delay >= floor && *delay <= Duration::from_secs(5),
                "{delays:?}"
            );
        }
    }

    #[test]
    fn none_and_zero_attempts() {
        assert_eq!(RetryPolicy::none().backoff().build().count(), 0);
        assert_eq!(
            RetryPolicy::new()
                .with_max_attempts(0)
                .check()
                .unwrap_err()
                .to_string(),
            "invalid configuration: retry policy must allow at least 1 attempt, got 0"
        );
    }

    #[test]
    fn exhausted_backoff_stops_even_when_the_server_asks() {
        let error = Error::config("any");
        assert_eq!(RetryPolicy::new().next_delay(&error, None), None);
    }
}
