//! Client-side rate limit: keeps a client under a number of requests per
//! rolling window, such as Cloudflare's 1,200 requests per 5 minutes.
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
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::Error;
use crate::timer::Timer;

/// A budget of requests per rolling window.
///
/// Clones share one budget: every clone of a [`Client`](crate::Client) built
/// with it, and every client given a clone of the same `RateLimit`, draws
/// from the same count. Each attempt, retries included, counts as a request.
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

    /// Waits until a request is free and takes it; returns the total wait.
    pub(crate) async fn acquire(&self, timer: &dyn Timer) -> Duration {
        let mut waited = Duration::ZERO;
        while let Err(wait) = self.try_acquire(timer.now()) {
            tracing::debug!(
                delay_ms = wait.as_millis() as u64,
                "waiting for the client-side rate limit"
            );
            timer.sleep(wait).await;
            waited += wait;
        }
        waited
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
