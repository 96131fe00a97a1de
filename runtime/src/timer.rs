//! Time: the clock and sleep the client uses for retry delays and the
//! client-side rate limit, replaceable so tests never really wait.
//!
//! Tests of retry delays need to check that a 300 s `Retry-After` is honoured
//! without waiting 300 s. Tokio's paused clock is not a good fit: while a test
//! waits on real socket I/O to a mock server, a paused runtime auto-advances
//! to the next timer and fires request timeouts that never happened. So the
//! client asks a [`Timer`] for every delay instead; [`ManualTimer`] records
//! the delays and advances a virtual clock, while request timeouts keep
//! running on real time inside the HTTP client.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

/// A future returned by [`Timer::sleep`].
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// The clock and sleep behind retry delays and the client-side rate limit.
///
/// The default, [`TokioTimer`], uses Tokio's timer. Tests can install a
/// [`ManualTimer`] with [`ClientBuilder::timer`](crate::ClientBuilder::timer).
pub trait Timer: Send + Sync + fmt::Debug + 'static {
    /// The current monotonic time, used by the client-side rate limit.
    fn now(&self) -> Instant;
    /// The current wall-clock time, used to turn an HTTP-date `Retry-After`
    /// into a delay.
    fn system_time(&self) -> SystemTime;
    /// Waits for `duration`.
    fn sleep(&self, duration: Duration) -> Sleep;
}

/// The default [`Timer`]: Tokio's sleep and clock (so it follows a paused
/// Tokio clock too) and the system wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioTimer;

impl Timer for TokioTimer {
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    fn system_time(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A [`Timer`] for tests: sleeping returns at once, advances a virtual clock
/// by the requested duration and records it.
///
/// Clones share one clock and one record, so keep a clone to inspect after
/// handing one to the client.
///
/// ```
/// use cfgen_runtime::{Client, ManualTimer};
///
/// let timer = ManualTimer::new();
/// let client = Client::builder().timer(timer.clone()).build()?;
/// // ... call the API with `client`, then inspect the delays it asked for:
/// assert!(timer.sleeps().is_empty());
/// # Ok::<(), cfgen_runtime::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ManualTimer {
    state: Arc<Mutex<ManualState>>,
}

#[derive(Debug)]
struct ManualState {
    now: Instant,
    system_time: SystemTime,
    sleeps: Vec<Duration>,
}

impl ManualTimer {
    /// A timer whose clocks start at the real current time.
    pub fn new() -> Self {
        Self::starting_at(SystemTime::now())
    }

    /// A timer whose wall clock starts at `system_time`, for exact
    /// HTTP-date arithmetic.
    pub fn starting_at(system_time: SystemTime) -> Self {
        let state = ManualState {
            now: Instant::now(),
            system_time,
            sleeps: Vec::new(),
        };
        ManualTimer {
            state: Arc::new(Mutex::new(state)),
        }
    }

    /// Every duration passed to [`Timer::sleep`], in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    /// Moves both clocks forward without recording a sleep.
    pub fn advance(&self, duration: Duration) {
        let mut state = self.lock();
        state.now += duration;
        state.system_time += duration;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ManualState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for ManualTimer {
    fn default() -> Self {
        Self::new()
    }
}

impl Timer for ManualTimer {
    fn now(&self) -> Instant {
        self.lock().now
    }

    fn system_time(&self) -> SystemTime {
        self.lock().system_time
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        self.advance(duration);
        self.lock().sleeps.push(duration);
        Box::pin(std::future::ready(()))
    }
}
