//! The generated `stream()` of every pagination style (`snapshots/pagination.rs`)
//! against a mock that pages like Cloudflare: the position parameter each style sends,
//! where each reads the next position, and where each stops.

use std::collections::HashMap;

use cfgen_runtime::{ErrorKind, RetryPolicy};
use cfgen_tests::snapshots::pagination::Client;
use futures::TryStreamExt;
use serde_json::{Value, json};
use testkit::{MockServer, RecordedRequest, Reply};

/// Items `0..23` behind every route, 5 a page.
const TOTAL: usize = 23;
const PER_PAGE: usize = 5;

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.url())
        .api_token("token")
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

fn query(request: &RecordedRequest) -> HashMap<String, String> {
    form_urlencoded::parse(request.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// The items from `start`, at most one page, as objects or as strings.
fn page_of(start: usize, objects: bool) -> Vec<Value> {
    (start..TOTAL.min(start + PER_PAGE))
        .map(|i| {
            if objects {
                json!({"id": i.to_string()})
            } else {
                json!(i.to_string())
            }
        })
        .collect()
}

fn envelope(result: Vec<Value>, result_info: Value) -> Reply {
    Reply::json(
        200,
        json!({"success": true, "errors": [], "messages": [], "result": result, "result_info": result_info}),
    )
}

/// Page numbers under `param`, as Cloudflare's collections answer them.
fn numbered(request: &RecordedRequest, param: &str) -> Reply {
    let page: usize = query(request).get(param).map_or(1, |p| p.parse().unwrap());
    let info = json!({"page": page, "per_page": PER_PAGE, "count": 0,
        "total_count": TOTAL, "total_pages": TOTAL.div_ceil(PER_PAGE)});
    envelope(page_of((page - 1) * PER_PAGE, true), info)
}

/// Cursors that are the decimal offset of the next item, under `param`, read back at
/// `result_info.cursors.after` or `result_info.next`.
fn cursored(request: &RecordedRequest, param: &str, after: bool) -> Reply {
    let start: usize = query(request).get(param).map_or(0, |c| c.parse().unwrap());
    let next = (start + PER_PAGE < TOTAL).then(|| (start + PER_PAGE).to_string());
    let info = match after {
        true => json!({"cursors": {"after": next, "before": "x"}}),
        false => json!({"next": next}),
    };
    envelope(page_of(start, false), info)
}

async fn server() -> MockServer {
    MockServer::with_handler(|request| match request.path_only() {
        "/zones" | "/accounts" | "/cookies" => numbered(request, "page"),
        "/routes" => numbered(request, "page_number"),
        "/lists/items" => cursored(request, "cursor", true),
        "/events" => cursored(request, "after", false),
        other => Reply::api_error(404, 7003, &format!("no route {other}")),
    })
    .await
}

fn ids(items: Vec<impl Into<Value>>) -> Vec<String> {
    items
        .into_iter()
        .map(|item| match item.into() {
            Value::Object(map) => map["id"].as_str().unwrap().to_owned(),
            Value::String(text) => text,
            other => panic!("{other}"),
        })
        .collect()
}

fn all_ids() -> Vec<String> {
    (0..TOTAL).map(|i| i.to_string()).collect()
}

/// The position parameter each request sent, in order.
fn sent(server: &MockServer, param: &str) -> Vec<Option<String>> {
    server
        .requests()
        .iter()
        .map(|r| query(r).remove(param))
        .collect()
}

#[tokio::test]
async fn page_numbers_of_every_type_stop_at_the_last_page() {
    let server = server().await;
    let client = client(&server);
    let zones: Vec<_> = client
        .list_zones()
        .per_page(5.0)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let accounts: Vec<_> = client.list_accounts().stream().try_collect().await.unwrap();
    let cookies: Vec<_> = client.list_cookies().stream().try_collect().await.unwrap();
    let routes: Vec<_> = client.list_routes().stream().try_collect().await.unwrap();
    for items in [zones, accounts, cookies, routes] {
        let items: Vec<Value> = items
            .into_iter()
            .map(|i| serde_json::to_value(i).unwrap())
            .collect();
        assert_eq!(ids(items), all_ids());
    }
    let pages: Vec<_> = ["1", "2", "3", "4", "5"].map(|p| Some(p.to_owned())).into();
    for (route, param) in [
        ("/zones", "page"),
        ("/cookies", "page"),
        ("/routes", "page_number"),
    ] {
        let requests: Vec<_> = server
            .requests()
            .into_iter()
            .filter(|r| r.path_only() == route)
            .collect();
        let numbers: Vec<_> = requests.iter().map(|r| query(r).remove(param)).collect();
        assert_eq!(numbers, pages, "{route}");
    }
}

#[tokio::test]
async fn a_page_set_on_the_request_is_where_the_stream_starts() {
    let server = server().await;
    let client = client(&server);
    let items: Vec<_> = client
        .list_accounts()
        .page(4)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let items: Vec<Value> = items
        .into_iter()
        .map(|i| serde_json::to_value(i).unwrap())
        .collect();
    assert_eq!(ids(items), all_ids()[15..]);
    assert_eq!(sent(&server, "page"), [Some("4".into()), Some("5".into())]);
}

#[tokio::test]
async fn cursors_are_read_where_the_document_or_the_extension_says() {
    let server = server().await;
    let client = client(&server);
    let items: Vec<String> = client.list_items().stream().try_collect().await.unwrap();
    assert_eq!(items, all_ids());
    let events: Vec<String> = client.list_events().stream().try_collect().await.unwrap();
    assert_eq!(events, all_ids());
    let cursors: Vec<_> = ["5", "10", "15", "20"].map(|c| Some(c.to_owned())).into();
    let mut expected = vec![None];
    expected.extend(cursors);
    let requests = server.requests();
    let (items, events): (Vec<_>, Vec<_>) = requests
        .iter()
        .partition(|r| r.path_only() == "/lists/items");
    assert_eq!(
        items
            .iter()
            .map(|r| query(r).remove("cursor"))
            .collect::<Vec<_>>(),
        expected
    );
    assert_eq!(
        events
            .iter()
            .map(|r| query(r).remove("after"))
            .collect::<Vec<_>>(),
        expected
    );
}

#[tokio::test]
async fn a_server_that_ignores_the_page_number_is_an_error_not_a_loop() {
    let server = MockServer::with_handler(|_| {
        let info = json!({"page": 1, "per_page": PER_PAGE, "total_pages": 9});
        envelope(page_of(0, true), info)
    })
    .await;
    let error = client(&server)
        .list_zones()
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Pagination);
    assert_eq!(
        error.to_string(),
        "list-zones: asked for page 2, the server answered page 1"
    );
    assert_eq!(server.request_count(), 2);
}
