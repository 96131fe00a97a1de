//! Behaviour tests of the bulk-delete layer against the testkit mock server:
//! every key is accounted for, whatever faults the server injects.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use cfgen_runtime::{ErrorKind, ManualTimer, RetryPolicy, Sleep, Timer};
use cloudflare_kv::Client;
use cloudflare_kv::bulk::{
    BulkDelete, BulkDeleteReport, BulkError, Dedup, Interrupt, KeyError, RunEnd, StopReason,
};
use serde_json::json;
use testkit::{MockServer, RecordedRequest, Reply};

const ACCOUNT: &str = "0123456789abcdef0123456789abcdef";
const NAMESPACE: &str = "fedcba9876543210fedcba9876543210";

fn client(server: &MockServer, timer: &ManualTimer, attempts: u32) -> Client {
    Client::builder()
        .api_token("test-token")
        .base_url(server.url())
        .retry_policy(RetryPolicy::default().with_max_attempts(attempts))
        .request_timeout(Duration::from_millis(300))
        .timer(timer.clone())
        .build()
        .expect("test client")
}

fn keys(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

fn body(request: &RecordedRequest) -> Vec<String> {
    serde_json::from_slice(&request.body).expect("bulk-delete body is a JSON array of strings")
}

/// The answer Cloudflare gives when every key of the request was deleted.
fn deleted_all(request: &RecordedRequest) -> Reply {
    let count = body(request).len();
    Reply::success(json!({"successful_key_count": count, "unsuccessful_keys": []}))
}

/// Every key the server received in a request it answered with success, per
/// key the number of such requests.
fn keys_received(server: &MockServer) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for request in server.requests() {
        for key in body(&request) {
            *counts.entry(key).or_insert(0) += 1;
        }
    }
    counts
}

fn assert_accounted(report: &BulkDeleteReport) {
    let settled = report.deleted + report.failed.len() as u64 + report.duplicates;
    assert_eq!(report.requested, settled, "{report:#?}");
}

#[tokio::test]
async fn deletes_any_number_of_keys_in_chunks_of_at_most_the_limit() {
    let server = MockServer::with_handler(deleted_all).await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer, 1);
    let input = keys("k", 25_000);
    let report = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .run(input.clone())
        .await
        .unwrap();
    assert_eq!(
        (report.requested, report.deleted, report.requests),
        (25_000, 25_000, 3)
    );
    assert!(report.is_complete() && report.count_mismatches.is_empty());
    let sizes: BTreeSet<usize> = server.requests().iter().map(|r| body(r).len()).collect();
    assert_eq!(sizes, BTreeSet::from([5_000, 10_000]));
    let received = keys_received(&server);
    assert_eq!(received.len(), 25_000);
    assert!(received.values().all(|&n| n == 1));
    let path = server.requests()[0].path.clone();
    assert_eq!(
        path,
        format!("/accounts/{ACCOUNT}/storage/kv/namespaces/{NAMESPACE}/bulk/delete")
    );
}

/// Tracks, per chunk (named by its first key), how many requests came in, and
/// answers the first with a fault.
fn first_attempt_fails(faults: Vec<Reply>) -> impl Fn(&RecordedRequest) -> Reply + Send + Sync {
    let seen: Mutex<HashMap<String, usize>> = Mutex::default();
    move |request| {
        let first = body(request).first().cloned().unwrap_or_default();
        let index: usize = first.trim_start_matches('k').parse().unwrap_or(0) / 100;
        let mut seen = seen.lock().unwrap();
        let attempt = seen.entry(first).or_insert(0);
        *attempt += 1;
        match faults.get(index) {
            Some(fault) if *attempt == 1 => fault.clone(),
            _ => deleted_all(request),
        }
    }
}

#[tokio::test]
async fn transient_faults_are_retried_and_every_key_is_deleted_once_confirmed() {
    let faults = vec![
        Reply::drop_connection(),
        Reply::api_error(429, 10000, "rate limited").with_header("retry-after", "7"),
        Reply::api_error(500, 10001, "internal error"),
        Reply::html(502, "<html><body>502 Bad Gateway</body></html>"),
        deleted_all_later().with_delay(Duration::from_secs(5)),
    ];
    let server = MockServer::with_handler(first_attempt_fails(faults)).await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer, 3);
    let report = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .chunk_size(100)
        .concurrency(3)
        .timer(timer.clone())
        .run(keys("k", 600))
        .await
        .unwrap();
    assert_eq!(
        (report.deleted, report.failed.len()),
        (600, 0),
        "{:#?}",
        report.failed
    );
    // Six chunks; the client retried the five faulty first attempts.
    assert_eq!((report.requests, server.request_count()), (6, 11));
    // Retry-After: 7, plus the jitter the client adds on resuming (at most
    // 1/50 of the wait).
    let retry_after = Duration::from_secs(7);
    assert!(
        timer
            .sleeps()
            .iter()
            .any(|&sleep| sleep >= retry_after && sleep <= retry_after + retry_after / 50),
        "{:?}",
        timer.sleeps()
    );
    assert_accounted(&report);
}

/// A success answer for a reply that is cloned before its request is known;
/// only its delay matters (the timeout fires first).
fn deleted_all_later() -> Reply {
    Reply::success(json!({"successful_key_count": 100, "unsuccessful_keys": []}))
}

#[tokio::test]
async fn unsuccessful_keys_are_re_sent_until_the_budget_runs_out() {
    let server = MockServer::with_handler(|request| {
        let sent = body(request);
        let unsuccessful: Vec<&String> = sent
            .iter()
            .filter(|k| k.as_str() == "k-stuck" || (k.as_str() == "k7" && request.index == 0))
            .collect();
        let count = sent.len() - unsuccessful.len();
        Reply::success(json!({"successful_key_count": count, "unsuccessful_keys": unsuccessful}))
    })
    .await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer, 1);
    let mut input = keys("k", 10);
    input.push("k-stuck".to_owned());
    let report = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .resends(2)
        .timer(timer.clone())
        .run(input)
        .await
        .unwrap();
    assert_eq!(report.deleted, 10);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].key, "k-stuck");
    assert!(matches!(
        report.failed[0].error,
        KeyError::Unsuccessful { attempts: 3 }
    ));
    assert_eq!(
        report.failed[0].error.to_string(),
        "listed in `unsuccessful_keys` by all 3 answers"
    );
    // Re-sends carry only the keys still unsuccessful.
    let bodies: Vec<Vec<String>> = server.requests().iter().map(body).collect();
    assert_eq!(bodies[1], ["k7", "k-stuck"]);
    assert_eq!(bodies[2], ["k-stuck"]);
    // Re-sends ride with the next request that starts: nothing waits.
    assert!(timer.sleeps().is_empty(), "{:?}", timer.sleeps());
    assert_accounted(&report);
    assert!(report.count_mismatches.is_empty());
}

#[tokio::test]
async fn invalid_keys_are_reported_and_never_sent() {
    let server = MockServer::with_handler(deleted_all).await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer, 1);
    let long = "x".repeat(513);
    let input = vec!["a".to_owned(), String::new(), long.clone(), "b".to_owned()];
    let report = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .run(input)
        .await
        .unwrap();
    assert_eq!(
        (report.requested, report.deleted, report.requests),
        (4, 2, 1)
    );
    let failed: Vec<(String, String)> = report
        .failed
        .iter()
        .map(|f| (f.key.clone(), f.error.to_string()))
        .collect();
    assert_eq!(
        failed,
        [
            (
                String::new(),
                "invalid input `keys[1]`: must not be empty".to_owned()
            ),
            (
                long,
                "invalid input `keys[2]`: must be at most 512 bytes long, got 513".to_owned()
            ),
        ]
    );
    assert!(
        report
            .failed
            .iter()
            .all(|f| f.error.kind() == Some(ErrorKind::InvalidInput))
    );
    assert_eq!(body(&server.requests()[0]), ["a", "b"]);
}

#[tokio::test]
async fn auth_errors_are_not_retried_and_stop_the_run() {
    let server =
        MockServer::with_handler(|_| Reply::api_error(403, 10000, "Authentication error")).await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer, 5);
    let report = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .chunk_size(10)
        .concurrency(1)
        .run(keys("k", 35))
        .await
        .unwrap();
    assert_eq!(server.request_count(), 1, "no retry, no further chunk");
    assert_eq!((report.deleted, report.failed.len()), (0, 35));
    assert!(
        report
            .failed
            .iter()
            .all(|f| f.error.kind() == Some(ErrorKind::Auth))
    );
    assert!(matches!(report.failed[0].error, KeyError::Request(_)));
    assert!(matches!(
        report.failed[34].error,
        KeyError::NotAttempted {
            reason: StopReason::Error(_)
        }
    ));
    assert!(
        report.failed[34]
            .error
            .to_string()
            .starts_with("not sent: the run stopped after a request failed: ")
    );
    assert!(timer.sleeps().is_empty());
}

#[tokio::test]
async fn a_refused_chunk_fails_alone_without_retries() {
    let server = MockServer::with_handler(|request| {
        if body(request).contains(&"k3".to_owned()) {
            Reply::api_error(400, 10021, "invalid key name")
        } else {
            deleted_all(request)
        }
    })
    .await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer, 5);
    let report = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .chunk_size(2)
        .concurrency(1)
        .run(keys("k", 6))
        .await
        .unwrap();
    assert_eq!(server.request_count(), 3);
    let failed: Vec<&str> = report.failed.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(failed, ["k2", "k3"]);
    let error = report.failed[0].error.request_error().unwrap();
    assert_eq!((error.kind(), error.attempts()), (ErrorKind::Client, 1));
    assert_eq!(report.deleted, 4);
}

#[tokio::test]
async fn server_errors_fail_the_chunk_after_the_clients_attempts() {
    let server =
        MockServer::with_handler(|_| Reply::api_error(503, 10013, "service unavailable")).await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer, 3);
    let report = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .timer(timer.clone())
        .run(keys("k", 5))
        .await
        .unwrap();
    // Three attempts, then three more in the end-of-run sweep, which waited
    // the client's base delay first.
    assert_eq!(server.request_count(), 6);
    assert!(timer.sleeps().contains(&Duration::from_millis(500)));
    assert_eq!(report.failed.len(), 5);
    let error = report.failed[4].error.request_error().unwrap();
    assert_eq!((error.kind(), error.attempts()), (ErrorKind::Server, 3));
    assert_accounted(&report);
}

#[tokio::test]
async fn old_answer_shapes_confirm_the_chunk_and_count_disagreements_are_kept() {
    let server = MockServer::with_replies([
        Reply::success(serde_json::Value::Null),
        Reply::json(200, json!({"success": true, "errors": [], "messages": []})),
        Reply::success(json!({"successful_key_count": 5, "unsuccessful_keys": ["not-sent"]})),
    ])
    .await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer, 1);
    let report = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .chunk_size(2)
        .concurrency(1)
        .run(keys("k", 6))
        .await
        .unwrap();
    assert_eq!((report.deleted, report.failed.len()), (6, 0));
    assert_eq!(report.count_mismatches.len(), 1);
    let mismatch = &report.count_mismatches[0];
    assert_eq!(
        (
            mismatch.sent,
            mismatch.unsuccessful,
            mismatch.unknown_unsuccessful
        ),
        (2, 0, 1)
    );
    assert_eq!(mismatch.successful_key_count, Some(5));
}

#[tokio::test]
async fn repeats_are_counted_once_and_never_sent_twice_in_a_request() {
    let server = MockServer::with_handler(deleted_all).await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer, 1);
    let input: Vec<String> = ["a", "b", "a", "c", "a", "b"].map(String::from).to_vec();
    let per_chunk = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .chunk_size(3)
        .concurrency(1)
        .run(input.clone())
        .await
        .unwrap();
    // Chunks [a, b] (the repeat of a dropped) and [c, a, b].
    assert_eq!(
        (
            per_chunk.deleted,
            per_chunk.duplicates,
            per_chunk.distinct()
        ),
        (5, 1, 5)
    );
    let whole_run = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .chunk_size(3)
        .dedup(Dedup::WholeRun)
        .run(input)
        .await
        .unwrap();
    assert_eq!(
        (
            whole_run.deleted,
            whole_run.duplicates,
            whole_run.distinct()
        ),
        (3, 3, 3)
    );
    for request in server.requests() {
        let sent = body(&request);
        assert_eq!(
            sent.iter().collect::<BTreeSet<_>>().len(),
            sent.len(),
            "{sent:?}"
        );
    }
}

#[tokio::test]
async fn a_stream_is_read_no_further_ahead_than_the_chunks_in_flight() {
    let server = MockServer::with_handler(deleted_all).await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer, 1);
    let pulled = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&pulled);
    // `unfold` panics if polled again after it ended, as many streams do.
    let stream = futures::stream::unfold(0, move |i| {
        let next = (i < 20_000).then(|| {
            counter.fetch_add(1, Ordering::SeqCst);
            (format!("k{i}"), i + 1)
        });
        async move { next }
    });
    let (chunk_size, concurrency) = (500, 3);
    let mut seen = Vec::new();
    let report = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .chunk_size(chunk_size)
        .concurrency(concurrency)
        .expected_total(20_000)
        .on_progress(|p| seen.push((pulled.load(Ordering::SeqCst), p)))
        .run_stream(stream)
        .await
        .unwrap();
    assert_eq!(report.deleted, 20_000);
    assert_eq!(seen.len(), 40);
    let bound = ((concurrency + 1) * chunk_size) as u64;
    for (pulled, progress) in &seen {
        assert!(
            pulled - progress.done <= bound,
            "{pulled} read, {} done",
            progress.done
        );
        assert_eq!(progress.total, Some(20_000));
    }
    assert!(seen.windows(2).all(|w| w[0].1.done < w[1].1.done));
    assert_eq!(seen.last().unwrap().1.done, 20_000);
}

#[tokio::test]
async fn plans_without_sending() {
    let server = MockServer::start().await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer, 1);
    let mut input = keys("k", 25_000);
    input.extend([String::new(), "k1".to_owned()]);
    let plan = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .plan(input.clone())
        .await
        .unwrap();
    // The repeat of `k1` falls in another chunk, so by default it is sent again.
    assert_eq!(plan.chunks, [10_000, 10_000, 5_001]);
    assert_eq!(
        (
            plan.requested,
            plan.to_send(),
            plan.duplicates,
            plan.invalid.len()
        ),
        (25_002, 25_001, 0, 1)
    );
    let whole_run = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .dedup(Dedup::WholeRun)
        .plan(input)
        .await
        .unwrap();
    assert_eq!(whole_run.chunks, [10_000, 10_000, 5_000]);
    assert_eq!(whole_run.duplicates, 1);
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn settings_out_of_range_are_refused() {
    let server = MockServer::start().await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer, 1);
    let bulk = || BulkDelete::new(&client, ACCOUNT, NAMESPACE);
    let error = bulk()
        .chunk_size(10_001)
        .run(keys("k", 1))
        .await
        .unwrap_err();
    assert_eq!(error, BulkError::ChunkSize(10_001));
    assert_eq!(
        error.to_string(),
        "bulk delete: chunk size must be between 1 and 10000, got 10001"
    );
    assert_eq!(
        bulk().chunk_size(0).run(keys("k", 1)).await.unwrap_err(),
        BulkError::ChunkSize(0)
    );
    assert_eq!(
        bulk().concurrency(0).run(keys("k", 1)).await.unwrap_err(),
        BulkError::Concurrency
    );
    assert_eq!(server.request_count(), 0);
}

#[test]
fn the_run_future_can_be_spawned_on_a_multi_threaded_runtime() {
    fn assert_send<T: Send>(_: &T) {}
    let client = Client::builder().api_token("t").build().unwrap();
    let future = BulkDelete::new(&client, ACCOUNT, NAMESPACE).run(keys("k", 1));
    assert_send(&future);
}

#[tokio::test]
async fn a_stopped_run_sends_nothing_more_and_says_it_was_interrupted() {
    let server = MockServer::with_handler(deleted_all).await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer, 1);
    let interrupt = Interrupt::new();
    interrupt.stop();
    let report = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .interrupt(interrupt.clone())
        .run(keys("k", 10))
        .await
        .unwrap();
    assert_eq!(server.request_count(), 0);
    assert_eq!(report.end, RunEnd::Stopped);
    assert!(report.interrupted() && !report.is_complete());
    assert_accounted(&report);
}

/// A server that lists a key in `unsuccessful_keys` the first time it
/// receives it when `unlucky(key)` says so, and confirms every other key.
fn keeps_some_keys_once(
    unlucky: impl Fn(&str) -> bool + Send + Sync,
) -> impl Fn(&RecordedRequest) -> Reply + Send + Sync {
    let seen: Mutex<HashMap<String, usize>> = Mutex::default();
    move |request| {
        let sent = body(request);
        let mut seen = seen.lock().unwrap();
        let unsuccessful: Vec<&String> = sent
            .iter()
            .filter(|key| {
                let count = seen.entry((*key).clone()).or_insert(0);
                *count += 1;
                *count == 1 && unlucky(key)
            })
            .collect();
        let count = sent.len() - unsuccessful.len();
        Reply::success(json!({"successful_key_count": count, "unsuccessful_keys": unsuccessful}))
    }
}

fn index_of(key: &str) -> usize {
    key.trim_start_matches('k').parse().unwrap_or(0)
}

#[tokio::test]
async fn unsuccessful_keys_ride_with_later_requests_instead_of_holding_a_slot() {
    // One key in twenty is left the first time, as in the 5% case.
    let server = MockServer::with_handler(keeps_some_keys_once(|k| index_of(k) % 20 == 0)).await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer, 1);
    let report = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .chunk_size(100)
        .concurrency(3)
        .timer(timer.clone())
        .run(keys("k", 4_000))
        .await
        .unwrap();
    assert_eq!((report.deleted, report.failed.len()), (4_000, 0));
    assert_accounted(&report);
    // 4,200 keys sent: 40 full requests of fresh keys, the 200 left ones in
    // full requests of their own, and at most one short request per slot at
    // the end. Re-sending each chunk's leftovers alone would take 80.
    assert_eq!(report.requests, server.request_count() as u64);
    assert!(report.requests <= 42 + 3, "{} requests", report.requests);
    // No request waited: the only thing the timer could be asked for.
    assert!(timer.sleeps().is_empty(), "{:?}", timer.sleeps());
    let received = keys_received(&server);
    assert_eq!(received.values().sum::<usize>(), 4_200);
    for request in server.requests() {
        let sent = body(&request);
        assert!(sent.len() <= 100);
        assert_eq!(sent.iter().collect::<BTreeSet<_>>().len(), sent.len());
    }
}

#[tokio::test]
async fn a_re_sent_key_is_never_twice_in_one_request() {
    // `a` is repeated in two chunks (sent twice by default) and left both
    // times; the re-sends must not put both occurrences in one request.
    let server = MockServer::with_handler(|request| {
        let sent = body(request);
        let left: Vec<&String> = sent
            .iter()
            .filter(|k| *k == "a" && request.index < 2)
            .collect();
        Reply::success(json!({"unsuccessful_keys": left}))
    })
    .await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer, 1);
    let input: Vec<String> = ["a", "b", "a", "c"].map(String::from).to_vec();
    let report = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .chunk_size(2)
        .concurrency(2)
        .run(input)
        .await
        .unwrap();
    assert_eq!((report.deleted, report.failed.len()), (4, 0));
    assert_accounted(&report);
    for request in server.requests() {
        let sent = body(&request);
        assert_eq!(
            sent.iter().collect::<BTreeSet<_>>().len(),
            sent.len(),
            "{sent:?}"
        );
    }
    assert_eq!(keys_received(&server)["a"], 4);
}

/// Fails every request that carries `key` with a transient fault (a dropped
/// connection, a 503 or a 429, in turn) its first `faults` times, and
/// confirms every other request.
fn faults_for(
    key: &'static str,
    faults: usize,
) -> impl Fn(&RecordedRequest) -> Reply + Send + Sync {
    let seen = AtomicU64::new(0);
    move |request| {
        if !body(request).iter().any(|k| k == key) {
            return deleted_all(request);
        }
        let n = seen.fetch_add(1, Ordering::SeqCst) as usize;
        match (n < faults).then_some(n % 3) {
            Some(0) => Reply::drop_connection(),
            Some(1) => Reply::api_error(503, 10013, "service unavailable"),
            Some(_) => Reply::api_error(429, 10000, "rate limited").with_header("retry-after", "2"),
            None => deleted_all(request),
        }
    }
}

#[tokio::test]
async fn keys_failed_by_transient_faults_are_swept_once_more_at_the_end() {
    // Two attempts per request: `k23`'s chunk meets two faults in a row and
    // fails, though the server would delete it on the next try.
    let server = MockServer::with_handler(faults_for("k23", 2)).await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer, 2);
    let report = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .chunk_size(10)
        .concurrency(2)
        .timer(timer.clone())
        .run(keys("k", 50))
        .await
        .unwrap();
    assert_eq!(
        (report.deleted, report.failed.len()),
        (50, 0),
        "{:#?}",
        report.failed
    );
    assert_accounted(&report);
    // Five chunks, and the sweep's one request for the failed chunk.
    assert_eq!(report.requests, 6);
    let received = keys_received(&server);
    assert_eq!(received["k23"], 3);
    assert_eq!(received["k0"], 1);
}

#[tokio::test]
async fn the_sweep_is_bounded_and_reports_what_still_fails() {
    let server = MockServer::with_handler(faults_for("k23", usize::MAX)).await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer, 2);
    let report = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .chunk_size(10)
        .concurrency(2)
        .timer(timer.clone())
        .run(keys("k", 50))
        .await
        .unwrap();
    assert_accounted(&report);
    assert_eq!(report.deleted, 40);
    let failed: BTreeSet<String> = report.failed.iter().map(|f| f.key.clone()).collect();
    let chunk: BTreeSet<String> = (20..30).map(|i| format!("k{i}")).collect();
    assert_eq!(failed, chunk);
    for failed in &report.failed {
        let error = failed.error.request_error().expect("a request error");
        assert!(error.is_retryable(), "{error}");
        assert_eq!(error.attempts(), 2);
    }
    // Two attempts in the run, two in the one sweep, none after.
    assert_eq!(keys_received(&server)["k23"], 4);
}

#[tokio::test]
async fn a_run_under_heavy_faults_still_deletes_every_key() {
    // One request in six meets a transient fault (dropped, 503 or 429, in
    // turn) and one key in twenty is left the first time; requests 9 to 11
    // fault in a row, so one request fails all of its three attempts. One
    // request at a time keeps the schedule deterministic.
    let keeps = keeps_some_keys_once(|k| index_of(k) % 20 == 7);
    let server = MockServer::with_handler(move |request| match request.index {
        9..=11 => Reply::api_error(502, 10013, "bad gateway"),
        i if i % 6 == 5 => [
            Reply::drop_connection(),
            Reply::api_error(500, 10001, "internal error"),
            Reply::api_error(429, 10000, "rate limited").with_header("retry-after", "1"),
        ][(i / 6) % 3]
            .clone(),
        _ => keeps(request),
    })
    .await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer, 3);
    let report = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .chunk_size(50)
        .concurrency(1)
        .timer(timer.clone())
        .run(keys("k", 1_000))
        .await
        .unwrap();
    assert_eq!(
        (report.deleted, report.failed.len()),
        (1_000, 0),
        "{:#?}",
        report.failed
    );
    assert_accounted(&report);
    assert!(report.is_complete());
}

#[tokio::test]
async fn a_wait_longer_than_the_client_accepts_stops_the_run_cleanly() {
    // Over Cloudflare's limit, every request is refused for minutes; the
    // client accepts waits up to `max_server_wait` (300 s by default).
    let server = MockServer::with_handler(|_| {
        Reply::api_error(429, 10000, "rate limited").with_header("retry-after", "600")
    })
    .await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer, 5);
    let report = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .chunk_size(10)
        .concurrency(1)
        .timer(timer.clone())
        .run(keys("k", 35))
        .await
        .unwrap();
    assert_accounted(&report);
    // One request, not one per chunk, and no sweep of the refused one.
    assert_eq!(server.request_count(), 1);
    assert_eq!(
        (report.requests, report.deleted, report.failed.len()),
        (1, 0, 35)
    );
    let first = &report.failed[0].error;
    assert!(matches!(first, KeyError::Request(_)));
    for failed in &report.failed[10..] {
        let KeyError::NotAttempted {
            reason: StopReason::Error(error),
        } = &failed.error
        else {
            panic!("{}: {:?}", failed.key, failed.error);
        };
        assert!(error.is_wait_too_long(), "{error}");
        assert_eq!(error.kind(), ErrorKind::RateLimited);
        assert_eq!(error.retry_after(), Some(Duration::from_secs(600)));
    }
    assert!(
        report.failed[34]
            .error
            .to_string()
            .starts_with("not sent: ")
    );
    assert!(timer.sleeps().is_empty(), "{:?}", timer.sleeps());
}

#[tokio::test]
async fn stop_lets_the_requests_in_flight_finish_and_accounts_for_every_key_read() {
    let interrupt = Interrupt::new();
    let handle = interrupt.clone();
    // The first request to arrive stops the run; both chunks are in flight
    // by then (the test runtime runs one task at a time).
    let server = MockServer::with_handler(move |request| {
        handle.stop();
        let sent = body(request);
        let left: Vec<&String> = sent.iter().filter(|k| *k == "k5").collect();
        Reply::success(json!({"unsuccessful_keys": left}))
    })
    .await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer, 1);
    let report = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .chunk_size(10)
        .concurrency(2)
        .interrupt(interrupt)
        .run(keys("k", 100))
        .await
        .unwrap();
    assert_accounted(&report);
    assert_eq!(server.request_count(), 2);
    assert_eq!(report.end, RunEnd::Stopped);
    // Only the two chunks in flight were read from the input.
    assert_eq!((report.requested, report.deleted), (20, 19));
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].key, "k5");
    assert!(matches!(
        report.failed[0].error,
        KeyError::NotAttempted {
            reason: StopReason::Interrupted
        }
    ));
    assert_eq!(
        report.failed[0].error.to_string(),
        "not sent: the run was interrupted"
    );
    assert_eq!(report.failed[0].error.kind(), None);
}

#[tokio::test]
async fn a_stop_while_waiting_for_input_reports_the_keys_already_read() {
    let server = MockServer::with_handler(deleted_all).await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer, 1);
    let (sender, receiver) = futures::channel::mpsc::unbounded::<String>();
    // Fifteen keys now, then nothing: a chunk of ten goes out, five wait for
    // more input.
    for key in keys("k", 15) {
        sender.unbounded_send(key).unwrap();
    }
    let interrupt = Interrupt::new();
    let (settled, first_settled) = futures::channel::oneshot::channel();
    let mut settled = Some(settled);
    let run = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .chunk_size(10)
        .interrupt(interrupt.clone())
        .on_progress(move |_| {
            settled.take().map(|s| s.send(()));
        })
        .run_stream(receiver);
    let stop = async {
        first_settled.await.unwrap();
        interrupt.stop();
    };
    let (report, ()) = tokio::join!(run, stop);
    let report = report.unwrap();
    assert_accounted(&report);
    assert_eq!(report.end, RunEnd::Stopped);
    assert_eq!((report.requested, report.deleted), (15, 10));
    let unsent: Vec<&str> = report.failed.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(unsent, ["k10", "k11", "k12", "k13", "k14"]);
    assert_eq!(server.request_count(), 1);
    drop(sender);
}

#[tokio::test]
async fn abort_drops_the_requests_in_flight_and_reports_their_keys_unconfirmed() {
    let interrupt = Interrupt::new();
    let handle = interrupt.clone();
    // The server aborts the run when the first request arrives, and would
    // answer long after the client's timeout.
    let server = MockServer::with_handler(move |request| {
        handle.abort();
        deleted_all(request).with_delay(Duration::from_secs(5))
    })
    .await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer, 1);
    let report = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .chunk_size(10)
        .concurrency(2)
        .timer(timer.clone())
        .interrupt(interrupt)
        .run(keys("k", 100))
        .await
        .unwrap();
    assert_accounted(&report);
    assert_eq!(report.end, RunEnd::Aborted);
    assert_eq!((report.requested, report.deleted), (20, 0));
    assert!(
        report
            .failed
            .iter()
            .all(|f| matches!(f.error, KeyError::Unconfirmed)),
        "{:#?}",
        report.failed
    );
    assert!(
        report.failed[0]
            .error
            .to_string()
            .contains("may or may not be deleted")
    );
    // Dropped, not timed out and retried, and nothing swept.
    assert!(server.request_count() <= 2);
    assert!(timer.sleeps().is_empty(), "{:?}", timer.sleeps());
}

/// A timer that stops the run when asked to sleep: the only sleep of a run
/// is the wait before the sweep.
#[derive(Debug)]
struct StopOnSleep(Interrupt);

impl Timer for StopOnSleep {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn system_time(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep(&self, _: Duration) -> Sleep {
        self.0.stop();
        Box::pin(std::future::ready(()))
    }
}

#[tokio::test]
async fn keys_a_stop_keeps_from_the_sweep_keep_their_last_error() {
    let server = MockServer::with_handler(faults_for("k3", 1)).await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer, 1);
    let interrupt = Interrupt::new();
    let report = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .chunk_size(10)
        .concurrency(1)
        .interrupt(interrupt.clone())
        .timer(StopOnSleep(interrupt))
        .run(keys("k", 20))
        .await
        .unwrap();
    assert_accounted(&report);
    assert_eq!(report.end, RunEnd::Stopped);
    assert_eq!((report.deleted, report.failed.len()), (10, 10));
    // The dropped connection may have deleted them: not "not attempted".
    for failed in &report.failed {
        let KeyError::Request(error) = &failed.error else {
            panic!("{}: {:?}", failed.key, failed.error);
        };
        assert_eq!(error.kind(), ErrorKind::Transport);
    }
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn a_wait_too_long_fails_only_the_requests_already_sent() {
    let server = MockServer::with_handler(|_| {
        Reply::api_error(429, 10000, "rate limited").with_header("retry-after", "600")
    })
    .await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer, 5);
    let report = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .chunk_size(10)
        .concurrency(3)
        .run(keys("k", 95))
        .await
        .unwrap();
    assert_accounted(&report);
    assert_eq!(report.deleted, 0);
    let received = keys_received(&server);
    assert!(server.request_count() <= 3, "{}", server.request_count());
    for failed in &report.failed {
        let error = failed.error.request_error().expect("the request error");
        assert!(error.is_wait_too_long(), "{error}");
        // Keys the server saw failed; every other key was never sent.
        let sent = received.contains_key(&failed.key);
        assert_eq!(
            matches!(failed.error, KeyError::Request(_)),
            sent,
            "{failed:?}"
        );
    }
}

#[tokio::test]
async fn keys_of_requests_ended_before_sending_are_reported_not_attempted() {
    let server = MockServer::with_handler(|_| {
        Reply::api_error(429, 10000, "rate limited").with_header("retry-after", "600")
    })
    .await;
    let timer = ManualTimer::new();
    let client = client(&server, &timer, 5);
    let bulk = || BulkDelete::new(&client, ACCOUNT, NAMESPACE).chunk_size(10);
    let first = bulk().run(keys("k", 5)).await.unwrap();
    assert!(matches!(first.failed[0].error, KeyError::Request(_)));
    // The client still has most of the ten minutes to wait, so a second run
    // on it sends nothing.
    let second = bulk().run(keys("k", 25)).await.unwrap();
    assert_accounted(&second);
    assert_eq!(server.request_count(), 1);
    assert_eq!((second.deleted, second.failed.len()), (0, 25));
    for failed in &second.failed {
        assert!(
            matches!(failed.error, KeyError::NotAttempted { .. }),
            "{failed:?}"
        );
        assert!(failed.error.request_error().unwrap().is_wait_too_long());
    }
    // An id the endpoint refuses before sending: nothing is sent either.
    let refused = BulkDelete::new(&client, ACCOUNT, "")
        .run(keys("k", 3))
        .await
        .unwrap();
    assert_accounted(&refused);
    assert_eq!(server.request_count(), 1);
    for failed in &refused.failed {
        assert!(
            matches!(failed.error, KeyError::NotAttempted { .. }),
            "{failed:?}"
        );
        assert_eq!(failed.error.kind(), Some(ErrorKind::InvalidInput));
    }
}
