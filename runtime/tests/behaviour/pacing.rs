//! Client-wide pacing: one shared pause when an answer asks to wait, pacing
//! from the `RateLimit` headers of successful answers, and fail-fast when
//! the server asks for longer than the client accepts. Time is virtual
//! (`ManualTimer`): the tests check the waits asked for, never the clock.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cfgen_runtime::{
    Client, Error, ErrorKind, ManualTimer, PauseInfo, PauseReason, RetryPolicy, StatusCode,
};
use testkit::{MockServer, Reply};

use crate::common::*;

const SECOND: Duration = Duration::from_secs(1);

async fn send(client: &Client) -> Result<BulkDeleteResponse, Error> {
    client.send(bulk_delete(&keys(&["a"]))).await
}

fn ok() -> Reply {
    Reply::success(bulk_result())
}

fn rate_limited(retry_after: &str) -> Reply {
    Reply::api_error(429, 10000, "rate limited").with_header("retry-after", retry_after)
}

/// `ok()` with the structured `RateLimit` headers Cloudflare sends.
fn ok_with_budget(remaining: u32, reset_seconds: u32) -> Reply {
    ok().with_header(
        "ratelimit",
        &format!("\"default\";r={remaining};t={reset_seconds}"),
    )
    .with_header("ratelimit-policy", "\"default\";q=1200;w=300")
}

fn assert_between(actual: Duration, low: Duration, high: Duration) {
    assert!(
        actual >= low && actual <= high,
        "{actual:?} not in {low:?}..={high:?}"
    );
}

#[tokio::test]
async fn one_answer_asking_to_wait_pauses_every_clone() {
    let server = MockServer::with_replies([rate_limited("30"), ok()]).await;
    let timer = ManualTimer::new();
    let client = builder(&server, &timer)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let clone = client.clone();
    assert_eq!(
        send(&client).await.unwrap_err().kind(),
        ErrorKind::RateLimited
    );
    // The clone never saw the 429, yet waits for the same deadline (plus a
    // little jitter) before it sends anything.
    send(&clone).await.unwrap();
    let sleeps = timer.sleeps();
    assert_eq!(sleeps.len(), 1, "{sleeps:?}");
    assert_wait(sleeps[0], 30 * SECOND);
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn successful_answers_with_no_budget_left_pace_the_next_request() {
    let server = MockServer::with_replies([ok_with_budget(0, 40), ok()]).await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer);
    send(&client).await.unwrap();
    assert!(timer.sleeps().is_empty());
    // Nothing is left until the window resets in 40 s: wait, do not get a
    // 429. The reset is rounded up by the header's precision (1 s).
    send(&client).await.unwrap();
    let sleeps = timer.sleeps();
    assert_eq!(sleeps.len(), 1, "{sleeps:?}");
    assert_wait(sleeps[0], 41 * SECOND);
}

#[tokio::test]
async fn the_remaining_budget_is_spent_before_waiting() {
    let server = MockServer::with_replies([ok_with_budget(2, 60), ok(), ok(), ok(), ok()]).await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer);
    for _ in 0..3 {
        send(&client).await.unwrap();
    }
    // Two were left after the first answer: both go without waiting.
    assert!(timer.sleeps().is_empty(), "{:?}", timer.sleeps());
    send(&client).await.unwrap();
    let sleeps = timer.sleeps();
    assert_eq!(sleeps.len(), 1, "{sleeps:?}");
    assert_wait(sleeps[0], 61 * SECOND);
}

#[tokio::test]
async fn the_remaining_budget_counts_requests_in_flight() {
    // The first request is answered late (its reply waits 30 s of real time,
    // but the test never waits for it): it is in flight while the second
    // answer says one request is left.
    let server = MockServer::with_replies([
        ok().with_delay(Duration::from_secs(30)),
        ok_with_budget(1, 60),
        ok(),
    ])
    .await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer);
    let slow = tokio::spawn({
        let client = client.clone();
        async move { send(&client).await }
    });
    while server.request_count() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    send(&client).await.unwrap();
    // One left minus one in flight: nothing left, so the third request
    // waits for the reset rather than spending the slow request's share.
    send(&client).await.unwrap();
    let sleeps = timer.sleeps();
    assert_eq!(sleeps.len(), 1, "{sleeps:?}");
    assert_wait(sleeps[0], 61 * SECOND);
    slow.abort();
}

#[tokio::test]
async fn answers_without_rate_limit_headers_do_not_slow_anything() {
    let server = MockServer::with_handler(|_| ok()).await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer);
    for _ in 0..5 {
        send(&client).await.unwrap();
    }
    assert!(timer.sleeps().is_empty(), "{:?}", timer.sleeps());
}

#[tokio::test]
async fn a_wait_longer_than_the_limit_refuses_every_request_without_sending() {
    let server = MockServer::with_replies([rate_limited("600"), ok()]).await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer);
    let clone = client.clone();
    let first = send(&client).await.unwrap_err();
    assert_eq!(first.kind(), ErrorKind::RateLimited);
    assert!(first.is_wait_too_long());
    assert_eq!(first.attempts(), 1);
    assert_eq!(first.retry_after(), Some(600 * SECOND));
    // Another request while that wait lasts fails at once, unsent.
    timer.advance(100 * SECOND);
    let second = send(&clone).await.unwrap_err();
    assert_eq!(server.request_count(), 1);
    assert!(timer.sleeps().is_empty(), "{:?}", timer.sleeps());
    assert_eq!(second.kind(), ErrorKind::RateLimited);
    assert!(second.is_wait_too_long());
    assert!(second.is_retryable());
    assert_eq!(second.attempts(), 0);
    assert_eq!(second.status(), None);
    assert_eq!(second.retry_after(), Some(500 * SECOND));
    assert_eq!(
        second.to_string(),
        format!(
            "{OPERATION} not sent: the server (429 Too Many Requests) asked this client to \
             wait 500s, longer than the 300s it waits"
        )
    );
    let pause = client.pause().unwrap();
    assert_eq!(pause.wait, 500 * SECOND);
    assert_eq!(
        pause.reason,
        PauseReason::WaitTooLong {
            status: StatusCode::TOO_MANY_REQUESTS
        }
    );
    // Once the server's wait is over, requests go again.
    timer.advance(500 * SECOND);
    send(&clone).await.unwrap();
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn retry_after_zero_waits_at_least_the_backoff() {
    let server = MockServer::with_replies([
        rate_limited("0"),
        rate_limited("0"),
        rate_limited("0"),
        ok(),
    ])
    .await;
    let timer = ManualTimer::new();
    let client = builder(&server, &timer)
        .retry_policy(RetryPolicy::default().with_base_delay(SECOND))
        .build()
        .unwrap();
    send(&client).await.unwrap();
    let sleeps = timer.sleeps();
    assert_eq!(sleeps.len(), 3, "{sleeps:?}");
    // Backoff with jitter: half to all of 1 s, then of 2 s, then of 4 s.
    for (sleep, floor) in sleeps.iter().zip([1, 2, 4]) {
        assert!(
            *sleep >= floor * SECOND / 2,
            "retry-after 0 must not retry at once: {sleeps:?}"
        );
    }
}

#[tokio::test]
async fn an_unreadable_or_absurd_retry_after_is_a_long_wait() {
    for value in [
        "1e400",
        "99999999999999999999",
        "-5",
        "soon",
        "12abc",
        "1e3",
        "",
    ] {
        for status in [429, 503] {
            let server = MockServer::with_replies([
                Reply::api_error(status, 10000, "wait").with_header("retry-after", value),
                ok(),
            ])
            .await;
            let timer = ManualTimer::new();
            let client = client(&server, &timer);
            let error = send(&client).await.unwrap_err();
            assert_eq!(server.request_count(), 1, "retried on {value:?}");
            assert!(timer.sleeps().is_empty(), "{value:?}: {:?}", timer.sleeps());
            assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
            assert!(error.is_wait_too_long(), "{value:?}");
            assert_eq!(error.retry_after(), Some(Duration::MAX));
            assert!(
                error
                    .to_string()
                    .contains("(server asked to retry after an unreadable time); not retried"),
                "{error}"
            );
            // Not knowing how long, the client refuses for the longest wait
            // it accepts, then tries again.
            let unsent = send(&client).await.unwrap_err();
            assert_eq!((unsent.attempts(), server.request_count()), (0, 1));
            timer.advance(RetryPolicy::default().max_server_wait());
            send(&client).await.unwrap();
        }
    }
}

#[tokio::test]
async fn capped_backoff_keeps_its_jitter() {
    let mut replies: Vec<Reply> = (0..8).map(|_| Reply::status(503)).collect();
    replies.push(ok());
    let server = MockServer::with_replies(replies).await;
    let timer = ManualTimer::new();
    let policy = RetryPolicy::default()
        .with_max_attempts(9)
        .with_base_delay(SECOND)
        .with_max_delay(2 * SECOND);
    let client = builder(&server, &timer)
        .retry_policy(policy)
        .build()
        .unwrap();
    send(&client).await.unwrap();
    let capped = &timer.sleeps()[1..];
    assert_eq!(capped.len(), 7);
    for sleep in capped {
        assert_between(*sleep, SECOND, 2 * SECOND);
    }
    assert!(
        capped.iter().any(|sleep| *sleep != capped[0]),
        "every capped delay is the same, no jitter: {capped:?}"
    );
}

fn recording_observer() -> (
    Arc<Mutex<Vec<PauseInfo>>>,
    impl Fn(&PauseInfo) + Send + Sync,
) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let observer = {
        let seen = Arc::clone(&seen);
        move |pause: &PauseInfo| seen.lock().unwrap().push(*pause)
    };
    (seen, observer)
}

#[tokio::test]
async fn pauses_are_reported_once_and_visible_while_they_last() {
    let server =
        MockServer::with_replies([rate_limited("30"), rate_limited("30"), ok(), ok()]).await;
    let timer = ManualTimer::new();
    let (seen, observer) = recording_observer();
    let client = builder(&server, &timer)
        .retry_policy(RetryPolicy::none())
        .on_pause(observer)
        .build()
        .unwrap();
    assert_eq!(client.pause(), None);
    send(&client).await.unwrap_err();
    let status = StatusCode::TOO_MANY_REQUESTS;
    let pause = client.pause().expect("paused after the 429");
    assert_eq!(pause.wait, 30 * SECOND);
    assert_eq!(pause.reason, PauseReason::ServerAsked { status });
    assert!(pause.reason.is_server());
    // Reported when a request waits for it, once.
    send(&client).await.unwrap_err();
    send(&client).await.unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    for pause in &seen {
        assert_eq!(pause.wait, 30 * SECOND);
        assert_eq!(pause.reason, PauseReason::ServerAsked { status });
    }
    assert_eq!(client.pause(), None);
}

#[tokio::test]
async fn a_spent_budget_is_reported_as_such() {
    let server = MockServer::with_replies([ok_with_budget(0, 40), ok()]).await;
    let timer = ManualTimer::new();
    let (seen, observer) = recording_observer();
    let client = builder(&server, &timer).on_pause(observer).build().unwrap();
    send(&client).await.unwrap();
    let pause = client.pause().unwrap();
    assert_eq!(pause.reason, PauseReason::BudgetSpent);
    assert_eq!(pause.wait, 41 * SECOND);
    send(&client).await.unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].reason, PauseReason::BudgetSpent);
}

#[tokio::test]
async fn server_pacing_can_be_turned_off() {
    let server = MockServer::with_replies([ok_with_budget(0, 40), ok()]).await;
    let timer = ManualTimer::new();
    let client = builder(&server, &timer)
        .server_pacing(false)
        .build()
        .unwrap();
    send(&client).await.unwrap();
    send(&client).await.unwrap();
    assert!(timer.sleeps().is_empty(), "{:?}", timer.sleeps());
    assert_eq!(client.pause(), None);
}
