//! Behaviour of the clients generated from real historical documents (snapshots made
//! by `codegen/tests/real_spec.rs`): each sends the request of its own era.

use cfgen_runtime::RetryPolicy;
use cfgen_tests::snapshots::{bulk_delete_2023_01_03 as v2023, bulk_delete_2024_08_07 as v2024};
use serde_json::json;
use testkit::{MockServer, Reply};

async fn server_and_client<C: From<cfgen_runtime::Client>>() -> (MockServer, C) {
    let server =
        MockServer::with_replies([Reply::success(json!({"successful_key_count": 1}))]).await;
    let client = cfgen_runtime::ClientBuilder::new()
        .base_url(server.url())
        .api_token("token")
        .retry_policy(RetryPolicy::none())
        .for_client()
        .build()
        .unwrap();
    (server, client)
}

#[tokio::test]
async fn the_2023_client_sends_delete_to_bulk() {
    let (server, client) = server_and_client::<v2023::Client>().await;
    let keys = vec!["k".to_string()];
    let result = client
        .namespace_delete_multiple_key_value_pairs("acc", "ns", &keys)
        .await
        .unwrap();
    let request = server.last_request().unwrap();
    assert_eq!(request.method, "DELETE");
    assert_eq!(
        request.path_only(),
        "/accounts/acc/storage/kv/namespaces/ns/bulk"
    );
    assert_eq!(request.json().unwrap(), json!(["k"]));
    assert!(result.is_some(), "the untyped 2023 result is kept");
}

#[tokio::test]
async fn the_2024_client_sends_post_to_bulk_delete_and_keeps_the_deprecated_twin() {
    let (server, client) = server_and_client::<v2024::Client>().await;
    let keys = vec!["k".to_string()];
    client
        .namespace_delete_multiple_key_value_pairs("acc", "ns", &keys)
        .await
        .unwrap();
    let request = server.last_request().unwrap();
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.path_only(),
        "/accounts/acc/storage/kv/namespaces/ns/bulk/delete"
    );

    server.push(Reply::success(json!({})));
    #[allow(deprecated)]
    client
        .namespace_delete_multiple_key_value_pairs_deprecated("acc", "ns", &keys)
        .await
        .unwrap();
    let request = server.last_request().unwrap();
    assert_eq!(
        (request.method.as_str(), request.path_only()),
        ("DELETE", "/accounts/acc/storage/kv/namespaces/ns/bulk")
    );
}
