//! The generated key listing: one page with `send`, every page with `stream`, against
//! the mock Workers KV namespace of `testkit`.

use cfgen_runtime::ManualTimer;
use cloudflare_kv::paginate::Position;
use cloudflare_kv::{Client, Credentials, ErrorKind, RetryPolicy};
use futures::{StreamExt, TryStreamExt};
use testkit::{KvNamespace, MockServer, Route};

const ACCOUNT: &str = "023e105f4ecef8ad9ca31a8372d0c353";
const NAMESPACE: &str = "0f2ac74b498b48028cb68387c421e279";

fn connect(server: &MockServer) -> Client {
    Client::builder()
        .base_url(format!("{}/client/v4", server.url()))
        .credentials(Credentials::api_token("token"))
        .retry_policy(RetryPolicy::default().with_max_attempts(3))
        .timer(ManualTimer::new())
        .build()
        .expect("client builds")
}

/// Names that break clients which do not encode query values.
fn awkward(count: usize) -> Vec<String> {
    let stems = ["a b", "a+b", "a/b", "a%b", "a#b", "a?b", "usér", "🔑"];
    let mut names: Vec<String> = (0..count)
        .map(|i| format!("{}:{i:05}", stems[i % stems.len()]))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn send_returns_one_page_and_stream_returns_every_page() {
    let names = awkward(2345);
    let kv = KvNamespace::new(ACCOUNT, NAMESPACE).with_keys(names.clone());
    let server = kv.serve().await;
    let client = connect(&server);
    let list = || client.namespace_list_a_namespace_s_keys(ACCOUNT, NAMESPACE);
    let page = list().limit(100).send().await.unwrap().unwrap_or_default();
    assert_eq!(page.len(), 100);
    let streamed: Vec<String> = list()
        .limit(100)
        .stream()
        .map_ok(|key| key.name)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed, names);
    assert_eq!(kv.stats().list_requests, 1 + 24);
}

#[tokio::test]
async fn a_prefix_lists_exactly_its_keys_and_a_failed_page_is_retried() {
    let names = awkward(1000);
    let kv = KvNamespace::new(ACCOUNT, NAMESPACE).with_keys(names.clone());
    kv.fail_request(Route::ListKeys, 1, 502);
    let server = kv.serve().await;
    let client = connect(&server);
    for prefix in ["a+b", "a/b", "a%b", "a#b", "a?b", "a b", "usér", "🔑"] {
        let streamed: Vec<String> = client
            .namespace_list_a_namespace_s_keys(ACCOUNT, NAMESPACE)
            .prefix(prefix)
            .limit(10)
            .stream()
            .map_ok(|key| key.name)
            .try_collect()
            .await
            .unwrap();
        let expected: Vec<&String> = names.iter().filter(|n| n.starts_with(prefix)).collect();
        assert_eq!(streamed.iter().collect::<Vec<_>>(), expected, "{prefix}");
    }
    assert_eq!(kv.stats().injected_failures, 1);
}

#[tokio::test]
async fn a_stream_resumes_from_the_cursor_set_on_the_request() {
    let names = awkward(50);
    let kv = KvNamespace::new(ACCOUNT, NAMESPACE).with_keys(names.clone());
    let server = kv.serve().await;
    let client = connect(&server);
    let list = || {
        client
            .namespace_list_a_namespace_s_keys(ACCOUNT, NAMESPACE)
            .limit(10)
    };
    let mut stream = list().stream();
    for _ in 0..15 {
        stream.try_next().await.unwrap();
    }
    let Position::Cursor(saved) = stream.position() else {
        panic!("a cursor mid-listing");
    };
    let saved = saved.to_owned();
    let rest: Vec<String> = list()
        .cursor(&saved)
        .stream()
        .map_ok(|key| key.name)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rest, names[10..]);
}

#[tokio::test]
async fn an_empty_namespace_and_a_repeated_cursor() {
    let kv = KvNamespace::new(ACCOUNT, NAMESPACE).with_keys(awkward(40));
    kv.repeat_cursor(1);
    let server = kv.serve().await;
    let client = connect(&server);
    let mut stream = client
        .namespace_list_a_namespace_s_keys(ACCOUNT, NAMESPACE)
        .limit(10)
        .stream();
    let mut listed = 0;
    let error = loop {
        match stream.next().await.expect("ends with an error") {
            Ok(_) => listed += 1,
            Err(error) => break error,
        }
    };
    assert_eq!(error.kind(), ErrorKind::Pagination);
    assert_eq!(listed, 20);

    let empty = KvNamespace::new(ACCOUNT, NAMESPACE);
    let server = empty.serve().await;
    let keys: Vec<_> = connect(&server)
        .namespace_list_a_namespace_s_keys(ACCOUNT, NAMESPACE)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(keys.is_empty());
    assert_eq!(empty.stats().list_requests, 1);
}
