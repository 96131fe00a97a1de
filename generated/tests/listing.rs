//! The bulk layer fed by a listing: `BulkDelete::run_listing` takes the generated list
//! request's `stream()` as it is, deletes what it lists while the listing goes on, and
//! keeps the error that ends a listing.
//! Runs against the mock Workers KV namespace of `testkit`.

use cfgen_runtime::{ErrorKind, ManualTimer, RetryPolicy};
use cloudflare_kv::Client;
use cloudflare_kv::bulk::BulkDelete;
use testkit::{KvNamespace, MockServer, Route};

const ACCOUNT: &str = "0123456789abcdef0123456789abcdef";
const NAMESPACE: &str = "fedcba9876543210fedcba9876543210";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_token("test-token")
        .base_url(server.url())
        .retry_policy(RetryPolicy::default().with_max_attempts(3))
        .timer(ManualTimer::new())
        .build()
        .expect("test client")
}

/// Every key under `session:`, as the generated list request streams it.
fn listing(client: &Client) -> cloudflare_kv::paginate::CursorStream<'_, cloudflare_kv::Key> {
    client
        .namespace_list_a_namespace_s_keys(ACCOUNT, NAMESPACE)
        .prefix("session:")
        .stream()
}

fn namespace() -> (KvNamespace, Vec<String>) {
    let matching: Vec<String> = (0..25_000).map(|i| format!("session:{i:05}")).collect();
    let others = [
        "session",
        "Session:1",
        "sessión:1",
        "xsession:1",
        "session :1",
    ];
    let kv = KvNamespace::new(ACCOUNT, NAMESPACE)
        .with_keys(matching.clone())
        .with_keys(others);
    let mut others = others.map(String::from).to_vec();
    others.sort();
    (kv, others)
}

#[tokio::test]
async fn deletes_what_the_listing_yields_while_it_is_still_listing() {
    let (kv, others) = namespace();
    kv.fail_every(Route::BulkDelete, 2, 500);
    kv.keep_unsuccessful(97, 1);
    let server = kv.serve().await;
    let client = client(&server);
    let report = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .run_listing(listing(&client))
        .await
        .unwrap();
    assert!(report.is_complete(), "{report:#?}");
    assert_eq!((report.requested, report.deleted), (25_000, 25_000));
    assert_eq!(kv.names(), others);
    // Overlap: a delete went out before the last page was listed.
    let requests = server.requests();
    let first_delete = requests.iter().position(|r| r.method == "POST").unwrap();
    let last_list = requests.iter().rposition(|r| r.method == "GET").unwrap();
    assert!(
        first_delete < last_list,
        "deletes waited for the whole listing"
    );
}

#[tokio::test]
async fn a_listing_error_ends_the_input_and_is_reported() {
    let (kv, _) = namespace();
    kv.repeat_cursor(12);
    let server = kv.serve().await;
    let client = client(&server);
    let report = BulkDelete::new(&client, ACCOUNT, NAMESPACE)
        .run_listing(listing(&client))
        .await
        .unwrap();
    let error = report
        .input_error
        .as_deref()
        .expect("the listing error is kept");
    assert_eq!(error.kind(), ErrorKind::Pagination);
    assert!(!report.is_complete());
    // Thirteen pages of 1,000 keys were listed before the repeated cursor.
    assert_eq!((report.requested, report.deleted), (13_000, 13_000));
    assert_eq!(kv.len(), 25_000 - 13_000 + 5);
}
