//! The client-side rate limit, driven by `ManualTimer`'s virtual clock.

use std::time::Duration;

use cfgen_runtime::{Client, ManualTimer, RateLimit};
use testkit::{MockServer, Reply};

use crate::common::*;

const MINUTE: Duration = Duration::from_secs(60);

async fn send(client: &Client) {
    let _: BulkDeleteResponse = client.send(bulk_delete(&keys(&["a"]))).await.unwrap();
}

#[tokio::test]
async fn waits_when_the_window_is_full() {
    let server = MockServer::with_handler(|_| Reply::success(bulk_result())).await;
    let timer = ManualTimer::new();
    let client = builder(&server, &timer)
        .rate_limit(RateLimit::per_window(2, MINUTE))
        .build()
        .unwrap();
    send(&client).await;
    send(&client).await;
    assert!(timer.sleeps().is_empty());
    send(&client).await;
    // Nothing else advanced the virtual clock, so the wait is the whole
    // window (plus the jitter every resumption gets).
    assert_eq!(timer.sleeps().len(), 1);
    assert_wait(timer.sleeps()[0], MINUTE);
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn clones_and_clients_given_the_same_limit_share_the_budget() {
    let server = MockServer::with_handler(|_| Reply::success(bulk_result())).await;
    let timer = ManualTimer::new();
    let limit = RateLimit::per_window(2, MINUTE);
    let client = builder(&server, &timer)
        .rate_limit(limit.clone())
        .build()
        .unwrap();
    let clone = client.clone();
    let other = builder(&server, &timer).rate_limit(limit).build().unwrap();
    send(&client).await;
    send(&clone).await;
    send(&other).await;
    assert_eq!(timer.sleeps().len(), 1);
    assert_wait(timer.sleeps()[0], MINUTE);
}

#[tokio::test]
async fn retries_count_against_the_budget() {
    let server = MockServer::with_replies([
        Reply::api_error(503, 1, "busy").with_header("retry-after", "1"),
        Reply::success(bulk_result()),
    ])
    .await;
    let timer = ManualTimer::new();
    let client = builder(&server, &timer)
        .rate_limit(RateLimit::per_window(1, MINUTE))
        .build()
        .unwrap();
    send(&client).await;
    // One second for Retry-After, then the rest of the minute for the limit.
    let sleeps = timer.sleeps();
    assert_eq!(sleeps.len(), 2, "{sleeps:?}");
    assert_wait(sleeps[0], Duration::from_secs(1));
    assert_wait(sleeps[0] + sleeps[1], MINUTE);
}

#[tokio::test]
async fn an_empty_budget_is_a_configuration_error() {
    let server = MockServer::start().await;
    let error = builder(&server, &ManualTimer::new())
        .rate_limit(RateLimit::per_window(0, MINUTE))
        .build()
        .unwrap_err();
    assert_eq!(error.kind(), cfgen_runtime::ErrorKind::Config);
}
