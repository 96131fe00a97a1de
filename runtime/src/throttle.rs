//! Client-wide pacing: the gate every attempt of a client (and of its
//! clones) passes before it is sent.
//!
//! Cloudflare counts requests per user across every tool, and answers every
//! request with 429 for five minutes once the count is over. Waiting is
//! therefore a property of the client, not of one request: when an answer
//! asks for a wait, every request waits for the same deadline (each adding
//! a little jitter, so they do not all fire at the same instant); when the
//! `RateLimit` headers of successful answers say the budget is spent —
//! counting the requests still in flight, whose answers the headers cannot
//! know about yet — requests wait for the server's window to reset instead
//! of spending the five-minute block; and when a wait is longer than the
//! client accepts, every request fails at once, unsent, until it is over.
//!
//! The state sits behind one mutex, held only for arithmetic (never across
//! an await). Requests that wait also listen to a [`Notify`], so that an
//! answer refreshing the budget, a request leaving the flight, or a refusal
//! wakes them before their sleep ends.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Poll;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::sync::Notify;
use tokio::sync::futures::Notified;

use crate::error::WaitTooLong;
use crate::server_wait::{self, UNREADABLE_WAIT};
use crate::timer::{Sleep, Timer};
use crate::{Error, RateLimit};

/// Pauses shorter than this are ordinary pacing: they are logged at debug
/// level but not reported to the pause observer.
const REPORTED_PAUSE: Duration = Duration::from_secs(1);
/// A pause already reported is reported again only when its deadline moves
/// later by more than this (answers of requests in flight each move it a
/// little).
const REPORT_STEP: Duration = Duration::from_secs(1);
/// The longest time one answer can pause or refuse requests, so that an
/// absurd `Retry-After` cannot disable a long-lived client for good.
const LONGEST_WAIT: Duration = Duration::from_secs(24 * 60 * 60);
/// Jitter on resumption is at most this share of the wait...
const JITTER_SHARE: u32 = 50;
/// ...and at most this long.
const JITTER_CAP: Duration = Duration::from_secs(1);

/// Called with every reported pause; see
/// [`ClientBuilder::on_pause`](crate::ClientBuilder::on_pause).
pub(crate) type PauseObserver = Arc<dyn Fn(&PauseInfo) + Send + Sync>;

/// A client-wide pause: no request of the client starts before `until`.
///
/// Given to the observer set with
/// [`ClientBuilder::on_pause`](crate::ClientBuilder::on_pause) and returned
/// by [`Client::pause`](crate::Client::pause).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PauseInfo {
    /// When requests may start again, on the client's [`Timer`] clock
    /// (which, with the default timer, is [`Instant::now`]'s).
    pub until: Instant,
    /// How far `until` was when this was made, for messages such as
    /// `waiting 4m 12s`.
    pub wait: Duration,
    /// Why the client pauses.
    pub reason: PauseReason,
}

/// Why a client pauses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PauseReason {
    /// An answer asked for a wait (`Retry-After`, or a `RateLimit` header
    /// with nothing remaining), or was a 429.
    ServerAsked {
        /// The status of that answer.
        status: StatusCode,
    },
    /// The budget announced by the `RateLimit` headers of successful
    /// answers is spent, counting the requests in flight, until the
    /// server's window resets.
    BudgetSpent,
    /// The client-side [`RateLimit`] is full.
    ClientLimit,
    /// The server asked for a wait longer than
    /// [`RetryPolicy::max_server_wait`](crate::RetryPolicy::max_server_wait):
    /// until `until`, requests fail at once with [`Error::WaitTooLong`],
    /// without being sent.
    WaitTooLong {
        /// The status of the answer that asked for the wait.
        status: StatusCode,
    },
}

impl PauseReason {
    /// Whether the server, rather than the client's own limit, caused the
    /// pause (`rate limited by Cloudflare` in a message).
    pub fn is_server(&self) -> bool {
        !matches!(self, PauseReason::ClientLimit)
    }
}

impl fmt::Display for PauseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PauseReason::ServerAsked { status } => {
                write!(f, "the server asked to wait ({status})")
            }
            PauseReason::BudgetSpent => {
                f.write_str("the server's rate-limit budget is spent until its window resets")
            }
            PauseReason::ClientLimit => f.write_str("the client-side rate limit is reached"),
            PauseReason::WaitTooLong { status } => write!(
                f,
                "the server asked to wait longer than the client accepts ({status}); \
                 requests fail without being sent"
            ),
        }
    }
}

/// The gate; one per client, shared by its clones.
pub(crate) struct Throttle {
    state: Mutex<State>,
    changed: Notify,
    timer: Arc<dyn Timer>,
    rate_limit: Option<RateLimit>,
    server_pacing: bool,
    observer: Option<PauseObserver>,
}

#[derive(Default)]
struct State {
    pause: Option<Pause>,
    refusal: Option<Refusal>,
    budget: Option<Budget>,
    in_flight: u32,
    /// The last pause reported, so each is reported once.
    reported: Option<Pause>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pause {
    until: Instant,
    reason: PauseReason,
}

#[derive(Debug, Clone, Copy)]
struct Refusal {
    until: Instant,
    /// The wait the server asked for ([`UNREADABLE_WAIT`] when unreadable).
    requested: Duration,
    status: StatusCode,
    max_server_wait: Duration,
}

/// What the client may still send, from the server's own headers.
#[derive(Debug, Clone, Copy)]
struct Budget {
    /// The server's remaining count minus the requests in flight when it
    /// arrived, minus the requests sent since.
    left: i64,
    /// When the server's window resets, if known.
    reset_at: Option<Instant>,
    /// The server's requests per window, if known: the budget after a reset.
    quota: Option<u64>,
}

enum Decision {
    Go,
    /// Wait until the deadline (`None`: until something changes).
    Wait(Option<Instant>, PauseReason),
    Refuse(Refusal),
}

/// A request in flight; dropping it (answer, failure or cancellation) takes
/// it out of the count and wakes waiting requests.
pub(crate) struct Ticket {
    throttle: Arc<Throttle>,
}

impl Throttle {
    pub(crate) fn new(
        timer: Arc<dyn Timer>,
        rate_limit: Option<RateLimit>,
        server_pacing: bool,
        observer: Option<PauseObserver>,
    ) -> Self {
        Throttle {
            state: Mutex::new(State::default()),
            changed: Notify::new(),
            timer,
            rate_limit,
            server_pacing,
            observer,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until a request may be sent and counts it in flight, or fails
    /// at once, unsent, while an over-long wait lasts. `attempts` is how
    /// many times this request was already sent, for the error.
    pub(crate) async fn admit(
        self: &Arc<Self>,
        operation: Cow<'static, str>,
        attempts: u32,
    ) -> Result<Ticket, Error> {
        loop {
            // Listen before looking, so that a change between the decision
            // and the wait is not missed.
            let mut changed = pin!(self.changed.notified());
            changed.as_mut().enable();
            let now = self.timer.now();
            match self.decide(now) {
                Decision::Go => {
                    return Ok(Ticket {
                        throttle: Arc::clone(self),
                    });
                }
                Decision::Refuse(refusal) => {
                    return Err(refusal.error(operation, attempts, now));
                }
                Decision::Wait(until, reason) => {
                    self.report(until, reason, now);
                    let sleep = until.map(|until| {
                        let wait = until.saturating_duration_since(now);
                        self.timer.sleep(wait + jitter(wait))
                    });
                    sleep_or_changed(sleep, changed).await;
                }
            }
        }
    }

    fn decide(&self, now: Instant) -> Decision {
        let mut state = self.lock();
        if let Some(refusal) = state.refusal {
            if now < refusal.until {
                return Decision::Refuse(refusal);
            }
            state.refusal = None;
        }
        if let Some(pause) = state.pause {
            if now < pause.until {
                return Decision::Wait(Some(pause.until), pause.reason);
            }
            state.pause = None;
        }
        if let Some(until) = state.budget_wait(now) {
            return Decision::Wait(until, PauseReason::BudgetSpent);
        }
        if let Some(limit) = &self.rate_limit {
            if let Err(wait) = limit.try_acquire(now) {
                return Decision::Wait(Some(now + wait), PauseReason::ClientLimit);
            }
        }
        state.in_flight += 1;
        if let Some(budget) = &mut state.budget {
            budget.left -= 1;
        }
        Decision::Go
    }

    /// Pauses every request of the client for `wait` (at most a day; an
    /// answer with `status` asked for it). A later deadline already set
    /// stays.
    pub(crate) fn pause(&self, wait: Duration, status: StatusCode) {
        let until = self.timer.now() + wait.min(LONGEST_WAIT);
        let mut state = self.lock();
        if state.pause.is_none_or(|pause| pause.until < until) {
            let reason = PauseReason::ServerAsked { status };
            state.pause = Some(Pause { until, reason });
        }
    }

    /// Refuses every request for the wait the server asked for (at most a
    /// day; `max_server_wait` when the wait was unreadable), wakes the
    /// waiting requests so they fail too, and reports the refusal unless
    /// one about as long is already in force.
    pub(crate) fn refuse(
        &self,
        requested: Duration,
        status: StatusCode,
        max_server_wait: Duration,
    ) {
        let now = self.timer.now();
        let span = match requested {
            UNREADABLE_WAIT => max_server_wait,
            requested => requested,
        };
        let refusal = Refusal {
            until: now + span.min(LONGEST_WAIT),
            requested,
            status,
            max_server_wait,
        };
        let new = {
            let mut state = self.lock();
            let current = state.refusal.filter(|old| now < old.until);
            if current.is_none_or(|old| old.until < refusal.until) {
                state.refusal = Some(refusal);
            }
            // Requests in flight during the block get the same answer:
            // report the refusal once, not once per answer.
            current.is_none_or(|old| old.until + REPORT_STEP < refusal.until)
        };
        self.changed.notify_waiters();
        if !new {
            return;
        }
        tracing::warn!(
            wait_ms = span.as_millis() as u64,
            status = status.as_u16(),
            "the server asked for a longer wait than the client accepts: requests fail unsent until it is over"
        );
        let wait = refusal.until - now;
        self.notify_observer(refusal.until, wait, PauseReason::WaitTooLong { status });
    }

    /// The pause in force now, if any.
    pub(crate) fn current_pause(&self) -> Option<PauseInfo> {
        let now = self.timer.now();
        let state = self.lock();
        let info = |until: Instant, reason| PauseInfo {
            until,
            wait: until - now,
            reason,
        };
        if let Some(refusal) = state.refusal.filter(|r| now < r.until) {
            let reason = PauseReason::WaitTooLong {
                status: refusal.status,
            };
            return Some(info(refusal.until, reason));
        }
        if let Some(pause) = state.pause.filter(|p| now < p.until) {
            return Some(info(pause.until, pause.reason));
        }
        let budget_reset = state
            .budget
            .filter(|budget| budget.left <= 0)
            .and_then(|budget| budget.reset_at)
            .filter(|&reset| now < reset);
        if let Some(reset) = budget_reset {
            return Some(info(reset, PauseReason::BudgetSpent));
        }
        let limit_wait = self.rate_limit.as_ref()?.wait_at(now)?;
        Some(info(now + limit_wait, PauseReason::ClientLimit))
    }

    /// Tells the observer and the log about a pause a request is about to
    /// wait for, once per pause.
    fn report(&self, until: Option<Instant>, reason: PauseReason, now: Instant) {
        let Some(until) = until else {
            tracing::debug!("waiting for an answer in flight to refresh the rate-limit budget");
            return;
        };
        let wait = until.saturating_duration_since(now);
        if wait < REPORTED_PAUSE {
            tracing::debug!(delay_ms = wait.as_millis() as u64, %reason, "pacing");
            return;
        }
        let pause = Pause { until, reason };
        {
            let mut state = self.lock();
            let known = state.reported.is_some_and(|last| {
                last.reason == reason && now < last.until && until <= last.until + REPORT_STEP
            });
            if known {
                return;
            }
            state.reported = Some(pause);
        }
        tracing::info!(delay_ms = wait.as_millis() as u64, %reason, "pausing all requests");
        self.notify_observer(until, wait, reason);
    }

    fn notify_observer(&self, until: Instant, wait: Duration, reason: PauseReason) {
        if let Some(observer) = &self.observer {
            observer(&PauseInfo {
                until,
                wait,
                reason,
            });
        }
    }
}

impl State {
    /// `Some(deadline)` when the server's budget is spent: wait for the
    /// reset, or (`Some(None)`) for an answer in flight to say more.
    fn budget_wait(&mut self, now: Instant) -> Option<Option<Instant>> {
        let in_flight = i64::from(self.in_flight);
        let mut budget = self.budget?;
        if budget.reset_at.is_some_and(|reset| now >= reset) {
            // A new window: its whole quota, less what may still land in
            // it. Without a known quota, nothing is known until an answer.
            let Some(quota) = budget.quota else {
                self.budget = None;
                return None;
            };
            budget = Budget {
                left: i64::try_from(quota).unwrap_or(i64::MAX) - in_flight,
                reset_at: None,
                quota: Some(quota),
            };
            self.budget = Some(budget);
        }
        if budget.left > 0 {
            return None;
        }
        match budget.reset_at {
            Some(reset) => Some(Some(reset)),
            None if in_flight > 0 => Some(None),
            // Nothing in flight will refresh the budget: try one request.
            None => None,
        }
    }
}

impl Refusal {
    fn error(self, operation: Cow<'static, str>, attempts: u32, now: Instant) -> Error {
        let wait = match self.requested {
            UNREADABLE_WAIT => UNREADABLE_WAIT,
            _ => self.until.saturating_duration_since(now),
        };
        Error::WaitTooLong(Box::new(WaitTooLong {
            operation,
            wait,
            max_server_wait: self.max_server_wait,
            status: self.status,
            attempts,
            answer: None,
        }))
    }
}

impl Ticket {
    /// Records the budget a successful answer announced, shared with the
    /// other requests still in flight. Ignored when server pacing is off.
    pub(crate) fn record_budget(&self, budget: Option<server_wait::Budget>) {
        let throttle = &self.throttle;
        let (Some(budget), true) = (budget, throttle.server_pacing) else {
            return;
        };
        let now = throttle.timer.now();
        let mut state = throttle.lock();
        let others = i64::from(state.in_flight.saturating_sub(1));
        state.budget = Some(Budget {
            left: i64::try_from(budget.remaining).unwrap_or(i64::MAX) - others,
            reset_at: budget.reset.and_then(|reset| now.checked_add(reset)),
            quota: budget.quota,
        });
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let throttle = &self.throttle;
        {
            let mut state = throttle.lock();
            state.in_flight = state.in_flight.saturating_sub(1);
        }
        // Requests waiting for the budget may go now; the others look at
        // their deadline again and go back to sleep.
        throttle.changed.notify_waiters();
    }
}

/// A random extra wait on resumption, up to 1/50 of the wait and at most a
/// second, so that requests released by one deadline spread out.
fn jitter(wait: Duration) -> Duration {
    let most = (wait / JITTER_SHARE).min(JITTER_CAP);
    most.mul_f64(fastrand::f64())
}

/// Waits for the sleep (if any) or for a change, whichever comes first.
async fn sleep_or_changed(mut sleep: Option<Sleep>, mut changed: Pin<&mut Notified<'_>>) {
    std::future::poll_fn(|cx| {
        if let Some(sleep) = &mut sleep {
            if sleep.as_mut().poll(cx).is_ready() {
                return Poll::Ready(());
            }
        }
        changed.as_mut().poll(cx)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualTimer;

    const SECOND: Duration = Duration::from_secs(1);

    fn throttle(timer: &ManualTimer, observer: Option<PauseObserver>) -> Arc<Throttle> {
        Arc::new(Throttle::new(Arc::new(timer.clone()), None, true, observer))
    }

    fn budget(remaining: u64, reset: u64, quota: Option<u64>) -> Option<server_wait::Budget> {
        Some(server_wait::Budget {
            remaining,
            reset: Some(Duration::from_secs(reset)),
            quota,
        })
    }

    #[test]
    fn jitter_is_small_and_varies() {
        let draws: Vec<_> = (0..100).map(|_| jitter(300 * SECOND)).collect();
        assert!(draws.iter().all(|j| *j <= SECOND));
        assert!(draws.iter().any(|j| *j != draws[0]));
        assert!((0..100).all(|_| jitter(2 * SECOND) <= 2 * SECOND / 50));
        assert_eq!(jitter(Duration::ZERO), Duration::ZERO);
    }

    #[tokio::test]
    async fn after_the_reset_the_budget_is_the_quota_less_the_flight() {
        let timer = ManualTimer::new();
        let throttle = throttle(&timer, None);
        let first = throttle.admit(Cow::Borrowed("op"), 0).await.unwrap();
        let second = throttle.admit(Cow::Borrowed("op"), 0).await.unwrap();
        first.record_budget(budget(0, 10, Some(3)));
        drop(first);
        // Spent: the next request waits for the reset; then the quota (3)
        // less the one still in flight leaves two.
        let _a = throttle.admit(Cow::Borrowed("op"), 0).await.unwrap();
        assert_eq!(timer.sleeps().len(), 1);
        assert!(timer.sleeps()[0] >= 10 * SECOND);
        let _b = throttle.admit(Cow::Borrowed("op"), 0).await.unwrap();
        assert_eq!(timer.sleeps().len(), 1);
        assert_eq!(throttle.lock().budget.unwrap().left, 0);
        drop(second);
    }

    #[tokio::test]
    async fn a_refusal_wakes_requests_waiting_for_the_budget() {
        let timer = ManualTimer::new();
        let throttle = throttle(&timer, None);
        let ticket = throttle.admit(Cow::Borrowed("op"), 0).await.unwrap();
        // Budget spent, no reset known, one request in flight: the next
        // request can only wait for news.
        let _holder = throttle.admit(Cow::Borrowed("op"), 0).await.unwrap();
        ticket.record_budget(Some(server_wait::Budget {
            remaining: 0,
            reset: None,
            quota: None,
        }));
        drop(ticket);
        let waiting = tokio::spawn({
            let throttle = Arc::clone(&throttle);
            async move { throttle.admit(Cow::Borrowed("op"), 2).await.map(drop) }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        throttle.refuse(600 * SECOND, StatusCode::TOO_MANY_REQUESTS, 300 * SECOND);
        let error = waiting.await.unwrap().unwrap_err();
        assert!(error.is_wait_too_long());
        assert_eq!(error.attempts(), 2);
        assert_eq!(error.retry_after(), Some(600 * SECOND));
    }

    #[tokio::test]
    async fn pauses_are_reported_once_and_short_ones_not_at_all() {
        let timer = ManualTimer::new();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let observer: PauseObserver = {
            let seen = Arc::clone(&seen);
            Arc::new(move |info: &PauseInfo| seen.lock().unwrap().push(*info))
        };
        let throttle = throttle(&timer, Some(observer));
        let status = StatusCode::TOO_MANY_REQUESTS;
        throttle.pause(30 * SECOND, status);
        let now = timer.now();
        throttle.report(
            Some(now + 30 * SECOND),
            PauseReason::ServerAsked { status },
            now,
        );
        throttle.report(
            Some(now + 30 * SECOND),
            PauseReason::ServerAsked { status },
            now,
        );
        throttle.report(
            Some(now + 30 * SECOND + SECOND / 2),
            PauseReason::ServerAsked { status },
            now,
        );
        drop(throttle.admit(Cow::Borrowed("op"), 0).await.unwrap());
        throttle.pause(SECOND / 2, status);
        drop(throttle.admit(Cow::Borrowed("op"), 0).await.unwrap());
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert_eq!(seen[0].wait, 30 * SECOND);
        assert_eq!(seen[0].reason, PauseReason::ServerAsked { status });
    }

    #[test]
    fn a_refusal_is_reported_once_per_block() {
        let timer = ManualTimer::new();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let observer: PauseObserver = {
            let seen = Arc::clone(&seen);
            Arc::new(move |info: &PauseInfo| seen.lock().unwrap().push(*info))
        };
        let throttle = throttle(&timer, Some(observer));
        let status = StatusCode::TOO_MANY_REQUESTS;
        // Three answers of requests in flight during the same block.
        throttle.refuse(600 * SECOND, status, 300 * SECOND);
        timer.advance(SECOND / 10);
        throttle.refuse(600 * SECOND, status, 300 * SECOND);
        throttle.refuse(599 * SECOND, status, 300 * SECOND);
        // A much longer one is news.
        throttle.refuse(3600 * SECOND, status, 300 * SECOND);
        let waits: Vec<_> = seen.lock().unwrap().iter().map(|p| p.wait).collect();
        assert_eq!(waits, [600 * SECOND, 3600 * SECOND]);
        // An absurd wait refuses for a day at most.
        throttle.refuse(Duration::from_secs(u64::MAX / 2), status, 300 * SECOND);
        assert_eq!(throttle.current_pause().unwrap().wait, LONGEST_WAIT);
    }

    #[test]
    fn current_pause_prefers_the_refusal() {
        let timer = ManualTimer::new();
        let throttle = throttle(&timer, None);
        assert_eq!(throttle.current_pause(), None);
        let status = StatusCode::TOO_MANY_REQUESTS;
        throttle.pause(30 * SECOND, status);
        let pause = throttle.current_pause().unwrap();
        assert_eq!(
            (pause.wait, pause.reason),
            (30 * SECOND, PauseReason::ServerAsked { status })
        );
        throttle.refuse(UNREADABLE_WAIT, status, 300 * SECOND);
        let pause = throttle.current_pause().unwrap();
        assert_eq!(
            (pause.wait, pause.reason),
            (300 * SECOND, PauseReason::WaitTooLong { status })
        );
        timer.advance(300 * SECOND);
        assert_eq!(throttle.current_pause(), None);
    }
}
