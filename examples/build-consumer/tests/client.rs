//! The client that build.rs generated, called against the mock server on 127.0.0.1.

use build_consumer::cloudflare::Client;
use cfgen_runtime::{ErrorKind, RetryPolicy};
use serde_json::json;
use testkit::{MockServer, Reply};

const ACCOUNT: &str = "023e105f4ecef8ad9ca31a8372d0c353";
const NAMESPACE: &str = "0f2ac74b498b48028cb68387c421e279";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.url())
        .api_token("test-token")
        .retry_policy(RetryPolicy::default().with_max_attempts(1))
        .build()
        .expect("a client for the mock server")
}

#[tokio::test]
async fn bulk_delete_sends_the_keys_and_parses_the_result() {
    let server = MockServer::start().await;
    server.push(Reply::success(
        json!({"successful_key_count": 2, "unsuccessful_keys": ["b/2"]}),
    ));
    let keys = ["a 1".to_owned(), "b/2".to_owned()];

    let result = client(&server)
        .namespace_delete_multiple_key_value_pairs(ACCOUNT, NAMESPACE, &keys)
        .await
        .expect("the mock answers 200");

    let request = server.last_request().expect("one request");
    assert_eq!(server.request_count(), 1);
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.path,
        format!("/accounts/{ACCOUNT}/storage/kv/namespaces/{NAMESPACE}/bulk/delete")
    );
    assert_eq!(request.header("authorization"), Some("Bearer test-token"));
    assert_eq!(request.json().expect("a JSON body"), json!(["a 1", "b/2"]));
    let result = result.expect("a result");
    assert_eq!(result.successful_key_count, Some(2));
    assert_eq!(result.unsuccessful_keys, Some(vec!["b/2".to_owned()]));
}

#[tokio::test]
async fn a_refused_token_is_a_typed_auth_error() {
    let server =
        MockServer::with_replies([Reply::api_error(403, 10000, "Authentication error")]).await;

    let err = client(&server)
        .namespace_delete_multiple_key_value_pairs(ACCOUNT, NAMESPACE, &["k"])
        .await
        .expect_err("the mock answers 403");

    assert_eq!(err.kind(), ErrorKind::Auth);
    let api = err.api_error().expect("the envelope is kept");
    assert_eq!(api.errors[0].code, 10000);
    assert_eq!(api.errors[0].message, "Authentication error");
}

#[tokio::test]
async fn the_overlay_limits_are_checked_before_sending() {
    let server = MockServer::start().await;

    let no_keys: [String; 0] = [];
    let err = client(&server)
        .namespace_delete_multiple_key_value_pairs(ACCOUNT, NAMESPACE, &no_keys)
        .await
        .expect_err("an empty list is refused");

    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(server.request_count(), 0);
}
