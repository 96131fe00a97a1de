//! Cursor pagination against the mock Workers KV namespace: every key once,
//! in order, whatever the names, the page size and the faults.

use cfgen_runtime::paginate::{CursorPage, CursorStream, Position, cursor_at};
use cfgen_runtime::{Client, Error, ErrorKind, ManualTimer, Method, Request, encode_path};
use futures::{StreamExt, TryStreamExt};
use serde::Deserialize;
use serde_json::Value;
use testkit::{KvNamespace, Route};

use crate::common::*;

const LIST: &str = "workers-kv-namespace-list-a-namespace'-s-keys";

/// The list answer, as generated code types it.
#[derive(Debug, Deserialize)]
struct ListAnswer {
    result: Vec<Key>,
    result_info: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct Key {
    name: String,
}

/// What a generated `..._stream` method does: one request per page, the
/// cursor sent as received.
fn list_keys(client: &Client, prefix: Option<&str>, limit: u32) -> CursorStream<'static, String> {
    let (client, prefix) = (client.clone(), prefix.map(str::to_owned));
    CursorStream::new(LIST, move |cursor: Option<String>| {
        let path = format!(
            "/accounts/{}/storage/kv/namespaces/{}/keys",
            encode_path(ACCOUNT),
            encode_path(NAMESPACE)
        );
        let mut request = Request::new(LIST, Method::GET, path).query("limit", limit);
        if let Some(prefix) = &prefix {
            request = request.query("prefix", prefix);
        }
        if let Some(cursor) = cursor {
            request = request.query("cursor", cursor);
        }
        let client = client.clone();
        async move {
            let answer: ListAnswer = client.send(request).await?;
            let cursor = cursor_at(LIST, answer.result_info.as_ref(), "/cursor")?;
            let names = answer.result.into_iter().map(|key| key.name).collect();
            Ok(CursorPage::new(names, cursor))
        }
    })
}

/// Names that break clients which do not encode query values, and
/// multi-byte characters that sort after ASCII.
fn awkward_names() -> Vec<String> {
    let awkward = [
        "a b", "a+b", "a/b", "a%b", "a%2Fb", "a#b", "a?b", "a&b=c", "usér", "キー", "🔑",
    ];
    (0..4321)
        .map(|i| format!("{}:{i:05}", awkward[i % awkward.len()]))
        .collect()
}

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}

async fn serve(kv: &KvNamespace) -> (testkit::MockServer, Client) {
    let server = kv.serve().await;
    let client = client(&server, &ManualTimer::new());
    (server, client)
}

#[tokio::test]
async fn lists_thousands_of_awkward_keys_once_each_in_order() {
    let names = awkward_names();
    let kv = KvNamespace::new(ACCOUNT, NAMESPACE).with_keys(names.clone());
    let (_server, client) = serve(&kv).await;
    // 4,321 keys at 100 a page: 44 pages, the last one short.
    let listed: Vec<String> = list_keys(&client, None, 100).try_collect().await.unwrap();
    assert_eq!(listed, sorted(names));
    assert_eq!(kv.stats().list_requests, 44);
}

#[tokio::test]
async fn a_prefix_of_awkward_characters_selects_exactly_its_keys() {
    let names = awkward_names();
    let kv = KvNamespace::new(ACCOUNT, NAMESPACE).with_keys(names.clone());
    let (_server, client) = serve(&kv).await;
    for prefix in [
        "a b",
        "a+b",
        "a%2F",
        "a#",
        "a?b:",
        "usér",
        "🔑",
        "a&b=c:0000",
    ] {
        let listed: Vec<String> = list_keys(&client, Some(prefix), 37)
            .try_collect()
            .await
            .unwrap();
        let expected: Vec<String> = sorted(
            names
                .iter()
                .filter(|n| n.starts_with(prefix))
                .cloned()
                .collect(),
        );
        assert!(!expected.is_empty(), "{prefix:?}");
        assert_eq!(listed, expected, "prefix {prefix:?}");
    }
}

#[tokio::test]
async fn an_empty_namespace_is_one_request_and_no_items() {
    let kv = KvNamespace::new(ACCOUNT, NAMESPACE);
    let (_server, client) = serve(&kv).await;
    let mut stream = list_keys(&client, None, 1000);
    assert!(stream.next().await.is_none());
    assert_eq!(stream.position(), Position::Finished);
    assert_eq!(kv.stats().list_requests, 1);
}

#[tokio::test]
async fn an_empty_cursor_ends_the_listing_and_resuming_from_one_starts_over() {
    let kv = KvNamespace::new(ACCOUNT, NAMESPACE).with_keys((0..25).map(|i| format!("k{i:02}")));
    let (server, client) = serve(&kv).await;
    // The mock, like Cloudflare, ends with `"cursor": ""`: nothing follows.
    let listed: Vec<String> = list_keys(&client, None, 10)
        .resume_from("")
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 25);
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(!requests[0].path.contains("cursor"), "{}", requests[0].path);
}

#[tokio::test]
async fn a_repeated_cursor_ends_the_stream_with_an_error() {
    let kv = KvNamespace::new(ACCOUNT, NAMESPACE).with_keys((0..100).map(|i| format!("k{i:03}")));
    kv.repeat_cursor(3);
    let (_server, client) = serve(&kv).await;
    let mut stream = list_keys(&client, None, 10);
    let mut listed = Vec::new();
    let error: Error = loop {
        match stream.next().await.expect("the stream ends with an error") {
            Ok(name) => listed.push(name),
            Err(error) => break error,
        }
    };
    assert_eq!(error.kind(), ErrorKind::Pagination);
    assert!(error.to_string().contains("again after 4 pages"), "{error}");
    assert_eq!(listed.len(), 40);
    assert!(stream.next().await.is_none());
    assert_eq!(kv.stats().list_requests, 4);
}

#[tokio::test]
async fn a_page_that_fails_once_is_retried_by_the_client() {
    let names: Vec<String> = (0..2500).map(|i| format!("session:{i}")).collect();
    let kv = KvNamespace::new(ACCOUNT, NAMESPACE).with_keys(names.clone());
    kv.fail_request(Route::ListKeys, 2, 500);
    let timer = ManualTimer::new();
    let server = kv.serve().await;
    let client = client(&server, &timer);
    let listed: Vec<String> = list_keys(&client, Some("session:"), 1000)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed, sorted(names));
    assert_eq!(kv.stats().list_requests, 4, "three pages and one retry");
    assert_eq!(timer.sleeps().len(), 1, "one retry delay");
    let requests = server.requests();
    assert_eq!(
        requests[2].path, requests[3].path,
        "the retry resends the same cursor"
    );
}

#[tokio::test]
async fn a_saved_position_resumes_without_missing_a_key() {
    let names: Vec<String> = (0..95).map(|i| format!("k{i:02}")).collect();
    let kv = KvNamespace::new(ACCOUNT, NAMESPACE).with_keys(names.clone());
    let (_server, client) = serve(&kv).await;
    let mut stream = list_keys(&client, None, 10);
    let mut first = Vec::new();
    for _ in 0..37 {
        first.push(stream.try_next().await.unwrap().unwrap());
    }
    let Position::Cursor(saved) = stream.position() else {
        panic!("mid-listing position is a cursor");
    };
    let saved = saved.to_owned();
    drop(stream);
    let rest: Vec<String> = list_keys(&client, None, 10)
        .resume_from(saved)
        .try_collect()
        .await
        .unwrap();
    // The page part-way read comes again from its start, then the rest.
    assert_eq!(first, names[..37]);
    assert_eq!(rest, names[30..]);
}
