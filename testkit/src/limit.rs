//! A server-side rate limit that behaves like Cloudflare's, for tests and
//! benchmarks of client pacing.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::Reply;

/// `quota` requests per fixed `window`, enforced like Cloudflare's global
/// limit: the first request over the quota starts a block of a whole
/// window, during which every request is answered 429 with `Retry-After`
/// (whole seconds, rounded up, as Cloudflare sends it). After a block, the
/// next request starts a new window.
///
/// Every answer carries the structured rate-limit headers:
/// `Ratelimit: "default";r=REMAINING;t=SECONDS_TO_RESET` and
/// `Ratelimit-Policy: "default";q=QUOTA;w=WINDOW`. `t` and `w` have
/// millisecond decimals, rounded up: a scaled-down window (200 requests per
/// 2 s) then keeps the relative precision that whole seconds give a 300 s
/// window.
///
/// Clones share one count. The caller passes the time, so tests can use
/// made-up instants; a [`MockServer`](crate::MockServer) handler passes
/// [`Instant::now`]:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::time::{Duration, Instant};
/// use testkit::{MockServer, Reply, WindowLimit};
///
/// let limit = WindowLimit::new(200, Duration::from_secs(2));
/// let server = MockServer::with_handler({
///     let limit = limit.clone();
///     move |_| limit.answer(Instant::now(), Reply::success(serde_json::json!({})))
/// })
/// .await;
/// // Run a client against `server.url()`, then:
/// assert_eq!(limit.refused(), 0);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct WindowLimit {
    quota: u32,
    window: Duration,
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    window_start: Option<Instant>,
    used: u32,
    blocked_until: Option<Instant>,
    accepted: Vec<Instant>,
    refused: u64,
}

impl WindowLimit {
    /// A limit of `quota` requests per `window`.
    pub fn new(quota: u32, window: Duration) -> Self {
        WindowLimit {
            quota,
            window,
            state: Arc::new(Mutex::new(State::default())),
        }
    }

    /// Counts a request arriving at `now` and answers it: `ok` with the
    /// rate-limit headers added, or a 429 during a block.
    pub fn answer(&self, now: Instant, ok: Reply) -> Reply {
        let mut state = self.lock();
        if let Some(until) = state.blocked_until {
            if now < until {
                state.refused += 1;
                return self.blocked(until - now);
            }
            state.blocked_until = None;
            state.window_start = None;
            state.used = 0;
        }
        let start = self.current_window(&mut state, now);
        if state.used >= self.quota {
            state.refused += 1;
            state.blocked_until = Some(now + self.window);
            return self.blocked(self.window);
        }
        state.used += 1;
        state.accepted.push(now);
        let remaining = self.quota - state.used;
        let reset = (start + self.window).saturating_duration_since(now);
        self.with_headers(ok, remaining, reset)
    }

    /// The start of the window `now` falls in, moving to it (and resetting
    /// the count) when an earlier window has ended.
    fn current_window(&self, state: &mut State, now: Instant) -> Instant {
        let start = *state.window_start.get_or_insert(now);
        let elapsed = now.saturating_duration_since(start);
        if elapsed < self.window {
            return start;
        }
        let windows = elapsed.as_nanos() / self.window.as_nanos();
        let passed = self.window.as_nanos() * windows;
        let start = start + Duration::from_nanos(u64::try_from(passed).unwrap_or(u64::MAX));
        state.window_start = Some(start);
        state.used = 0;
        start
    }

    fn blocked(&self, wait: Duration) -> Reply {
        let reply = Reply::api_error(
            429,
            10000,
            "Rate limited. Please wait and consider throttling your request speed",
        )
        .with_header("retry-after", &wait.as_secs_f64().ceil().to_string());
        self.with_headers(reply, 0, wait)
    }

    fn with_headers(&self, reply: Reply, remaining: u32, reset: Duration) -> Reply {
        reply
            .with_header(
                "ratelimit",
                &format!("\"default\";r={remaining};t={}", seconds(reset)),
            )
            .with_header(
                "ratelimit-policy",
                &format!("\"default\";q={};w={}", self.quota, seconds(self.window)),
            )
    }

    /// When each accepted request arrived, in order.
    pub fn accepted(&self) -> Vec<Instant> {
        self.lock().accepted.clone()
    }

    /// How many requests were answered 429.
    pub fn refused(&self) -> u64 {
        self.lock().refused
    }

    /// The quota per window.
    pub fn quota(&self) -> u32 {
        self.quota
    }

    /// The window length.
    pub fn window(&self) -> Duration {
        self.window
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Seconds with millisecond decimals, rounded up (`1.5` for 1,499.2 ms).
fn seconds(duration: Duration) -> String {
    let millis = duration.as_nanos().div_ceil(1_000_000);
    format!("{}.{:03}", millis / 1000, millis % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    /// The status and the named header of a reply.
    fn read(reply: &Reply, name: &str) -> (u16, Option<String>) {
        match &reply.action {
            crate::reply::Action::Respond {
                status, headers, ..
            } => {
                let value = headers
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone());
                (*status, value)
            }
            crate::reply::Action::DropConnection => unreachable!("never dropped"),
        }
    }

    fn ok() -> Reply {
        Reply::status(200)
    }

    #[test]
    fn counts_down_then_blocks_a_whole_window() {
        let limit = WindowLimit::new(2, 10 * SECOND);
        let t0 = Instant::now();
        let first = limit.answer(t0, ok());
        assert_eq!(
            read(&first, "ratelimit"),
            (200, Some("\"default\";r=1;t=10.000".into()))
        );
        assert_eq!(
            read(&first, "ratelimit-policy").1.as_deref(),
            Some("\"default\";q=2;w=10.000")
        );
        let second = limit.answer(t0 + Duration::from_millis(2500), ok());
        assert_eq!(
            read(&second, "ratelimit"),
            (200, Some("\"default\";r=0;t=7.500".into()))
        );
        // Over the quota: blocked for a whole window from now.
        let third = limit.answer(t0 + 3 * SECOND, ok());
        assert_eq!(read(&third, "retry-after"), (429, Some("10".into())));
        let during = limit.answer(t0 + Duration::from_millis(12_500), ok());
        assert_eq!(read(&during, "retry-after"), (429, Some("1".into())));
        assert_eq!(
            read(&during, "ratelimit").1.as_deref(),
            Some("\"default\";r=0;t=0.500")
        );
        // After the block, a new window starts with the next request.
        let after = limit.answer(t0 + 13 * SECOND, ok());
        assert_eq!(
            read(&after, "ratelimit"),
            (200, Some("\"default\";r=1;t=10.000".into()))
        );
        assert_eq!(limit.refused(), 2);
        assert_eq!(limit.accepted().len(), 3);
    }

    #[test]
    fn windows_are_fixed_and_reset_the_count() {
        let limit = WindowLimit::new(1, 10 * SECOND);
        let t0 = Instant::now();
        assert_eq!(read(&limit.answer(t0, ok()), "ratelimit").0, 200);
        // Two windows later, at 25 s: the window started at 20 s.
        let later = limit.answer(t0 + 25 * SECOND, ok());
        assert_eq!(
            read(&later, "ratelimit"),
            (200, Some("\"default\";r=0;t=5.000".into()))
        );
        assert_eq!(limit.refused(), 0);
    }

    #[test]
    fn seconds_round_up_to_milliseconds() {
        assert_eq!(seconds(Duration::from_nanos(1_499_200_000)), "1.500");
        assert_eq!(seconds(Duration::ZERO), "0.000");
        assert_eq!(seconds(300 * SECOND), "300.000");
    }
}
