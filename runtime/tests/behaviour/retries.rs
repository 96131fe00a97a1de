//! Retries: what is retried, and that the delays asked for are the ones
//! the server requested (checked through `ManualTimer`, with no real sleep).

use std::time::{Duration, SystemTime};

use cfgen_runtime::{Error, ErrorKind, ManualTimer, RetryPolicy, StatusCode};
use testkit::{MockServer, Reply};

use crate::common::*;

const SECOND: Duration = Duration::from_secs(1);

async fn run(
    replies: Vec<Reply>,
    timer: &ManualTimer,
    policy: RetryPolicy,
) -> (Result<BulkDeleteResponse, Error>, MockServer) {
    let server = MockServer::with_replies(replies).await;
    let client = builder(&server, timer)
        .retry_policy(policy)
        .build()
        .unwrap();
    let result = client.send(bulk_delete(&keys(&["a", "b"]))).await;
    (result, server)
}

fn rate_limited() -> Reply {
    Reply::api_error(429, 10000, "rate limited")
}

#[tokio::test]
async fn retry_after_seconds_is_honoured_exactly_even_at_300s() {
    let timer = ManualTimer::new();
    let replies = vec![
        rate_limited().with_header("retry-after", "300"),
        Reply::success(bulk_result()),
    ];
    let (result, server) = run(replies, &timer, RetryPolicy::default()).await;
    assert_eq!(result.unwrap().result.successful_key_count, 2);
    assert_eq!(timer.sleeps().len(), 1);
    assert_wait(timer.sleeps()[0], 300 * SECOND);
    assert_eq!(server.request_count(), 2);
    // The retry resends the same body.
    let requests = server.requests();
    assert_eq!(requests[0].body, requests[1].body);
}

#[tokio::test]
async fn retry_after_http_date_is_honoured_exactly() {
    // Wed, 21 Oct 2015 07:28:00 GMT.
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
    let timer = ManualTimer::starting_at(now);
    let replies = vec![
        rate_limited().with_header("retry-after", "Wed, 21 Oct 2015 07:30:00 GMT"),
        Reply::success(bulk_result()),
    ];
    let (result, _) = run(replies, &timer, RetryPolicy::default()).await;
    result.unwrap();
    assert_eq!(timer.sleeps().len(), 1);
    assert_wait(timer.sleeps()[0], 120 * SECOND);
}

#[tokio::test]
async fn ratelimit_header_reset_is_honoured() {
    let timer = ManualTimer::new();
    let replies = vec![
        rate_limited()
            .with_header("ratelimit", r#""default";r=0;t=42"#)
            .with_header("ratelimit-policy", r#""default";q=1200;w=300"#),
        rate_limited().with_header("ratelimit", "limit=1200, remaining=0, reset=7"),
        Reply::success(bulk_result()),
    ];
    let (result, _) = run(replies, &timer, RetryPolicy::default()).await;
    result.unwrap();
    let sleeps = timer.sleeps();
    assert_eq!(sleeps.len(), 2, "{sleeps:?}");
    assert_wait(sleeps[0], 42 * SECOND);
    assert_wait(sleeps[1], 7 * SECOND);
}

#[tokio::test]
async fn a_wait_over_the_ceiling_returns_the_rate_limited_error_at_once() {
    let timer = ManualTimer::new();
    let replies = vec![
        rate_limited().with_header("retry-after", "600"),
        Reply::success(bulk_result()),
    ];
    let (result, server) = run(replies, &timer, RetryPolicy::default()).await;
    let error = result.unwrap_err();
    assert_eq!(server.request_count(), 1);
    assert!(timer.sleeps().is_empty(), "no wait: {:?}", timer.sleeps());
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    assert!(error.is_wait_too_long());
    assert_eq!(error.attempts(), 1);
    assert_eq!(error.retry_after(), Some(600 * SECOND));
    assert_eq!(error.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(error.api_error().unwrap().errors[0].code, 10000);
    assert!(error.is_retryable());
    assert_eq!(
        error.to_string(),
        format!(
            "{OPERATION} failed with status 429 Too Many Requests: [10000] rate limited \
             (server asked to retry after 600s); not retried: that is longer than the 300s \
             this client waits"
        )
    );
}

#[tokio::test]
async fn the_ceiling_is_configurable() {
    let timer = ManualTimer::new();
    let replies = vec![
        rate_limited().with_header("retry-after", "600"),
        Reply::success(bulk_result()),
    ];
    let policy = RetryPolicy::default().with_max_server_wait(Duration::from_secs(900));
    let (result, _) = run(replies, &timer, policy).await;
    result.unwrap();
    assert_eq!(timer.sleeps().len(), 1);
    assert_wait(timer.sleeps()[0], 600 * SECOND);
}

#[tokio::test]
async fn server_errors_back_off_exponentially_with_jitter() {
    let timer = ManualTimer::new();
    let replies = vec![
        Reply::api_error(500, 10001, "internal"),
        Reply::html(502, "<html>bad gateway</html>"),
        Reply::status(503),
        Reply::success(bulk_result()),
    ];
    let policy = RetryPolicy::default()
        .with_base_delay(SECOND)
        .with_max_delay(3 * SECOND);
    let (result, server) = run(replies, &timer, policy).await;
    result.unwrap();
    assert_eq!(server.request_count(), 4);
    let sleeps = timer.sleeps();
    assert_eq!(sleeps.len(), 3);
    // Half to all of 1 s, of 2 s, then of 3 s (4 s capped at 3 s).
    let ceilings = [SECOND, 2 * SECOND, 3 * SECOND];
    for (sleep, ceiling) in sleeps.iter().zip(ceilings) {
        assert!(*sleep >= ceiling / 2 && *sleep <= ceiling, "{sleeps:?}");
    }
}

#[tokio::test]
async fn exhausted_attempts_return_the_last_error_with_the_count() {
    let timer = ManualTimer::new();
    let replies = (1..=5)
        .map(|n| Reply::html(503, format!("<html>attempt {n}</html>")))
        .collect();
    let policy = RetryPolicy::default().with_max_attempts(5);
    let (result, server) = run(replies, &timer, policy).await;
    let error = result.unwrap_err();
    assert_eq!(server.request_count(), 5);
    assert_eq!(timer.sleeps().len(), 4);
    assert_eq!(error.attempts(), 5);
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(error.api_error().unwrap().body, "<html>attempt 5</html>");
    assert!(error.to_string().ends_with("(after 5 attempts)"), "{error}");
}

#[tokio::test]
async fn retry_policy_none_sends_once() {
    let timer = ManualTimer::new();
    let (result, server) = run(
        vec![rate_limited(), Reply::success(bulk_result())],
        &timer,
        RetryPolicy::none(),
    )
    .await;
    assert_eq!(result.unwrap_err().kind(), ErrorKind::RateLimited);
    assert_eq!(server.request_count(), 1);
    assert!(timer.sleeps().is_empty());
}

#[tokio::test]
async fn a_dropped_connection_is_retried() {
    let timer = ManualTimer::new();
    let replies = vec![Reply::drop_connection(), Reply::success(bulk_result())];
    let (result, server) = run(replies, &timer, RetryPolicy::default()).await;
    assert_eq!(result.unwrap().result.successful_key_count, 2);
    assert_eq!(server.request_count(), 2);
    assert_eq!(timer.sleeps().len(), 1);
}

#[tokio::test]
async fn a_dropped_connection_without_retries_is_a_transport_error() {
    let timer = ManualTimer::new();
    let (result, _) = run(vec![Reply::drop_connection()], &timer, RetryPolicy::none()).await;
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport);
    assert!(error.is_retryable());
    assert_eq!(
        error.to_string(),
        format!("{OPERATION}: the connection failed")
    );
}

// The only tests that wait in real time: a slow answer must hit the
// per-attempt timeout. The server's delay (30 s) is far above the timeout
// (1 s), and the retried answer is immediate, so machine load cannot flip
// the outcome.
#[tokio::test]
async fn a_slow_answer_times_out_and_is_retried() {
    let timer = ManualTimer::new();
    let server = MockServer::with_replies([
        Reply::success(bulk_result()).with_delay(Duration::from_secs(30)),
        Reply::success(bulk_result()),
    ])
    .await;
    let client = builder(&server, &timer)
        .request_timeout(SECOND)
        .build()
        .unwrap();
    let answer: BulkDeleteResponse = client.send(bulk_delete(&keys(&["a"]))).await.unwrap();
    assert_eq!(answer.result.successful_key_count, 2);
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn a_timeout_without_retries_is_a_timeout_error() {
    let timer = ManualTimer::new();
    let server = MockServer::with_replies([
        Reply::success(bulk_result()).with_delay(Duration::from_secs(30))
    ])
    .await;
    let client = builder(&server, &timer)
        .request_timeout(SECOND)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client
        .send::<BulkDeleteResponse>(bulk_delete(&keys(&["a"])))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert!(error.is_retryable());
    assert_eq!(
        error.to_string(),
        format!("{OPERATION}: the request timed out")
    );
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported() {
    // Bind a port, then close it, so nothing listens there.
    let address = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let timer = ManualTimer::new();
    let client = cfgen_runtime::Client::builder()
        .base_url(format!("http://{address}/client/v4"))
        .api_token(TOKEN)
        .timer(timer.clone())
        .retry_policy(RetryPolicy::default().with_max_attempts(3))
        .build()
        .unwrap();
    let error = client
        .send_empty(bulk_delete(&keys(&["a"])))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport);
    assert_eq!(error.attempts(), 3);
    assert_eq!(timer.sleeps().len(), 2);
}
