//! Behaviour layer: the generated bulk-delete client against a mock Cloudflare API on
//! 127.0.0.1. Each test checks what went over the wire or what came back.

use cloudflare_kv::{Client, Credentials, ErrorKind, RetryPolicy};
use serde_json::json;
use testkit::{MockServer, Reply};

const ACCOUNT: &str = "023e105f4ecef8ad9ca31a8372d0c353";
const NAMESPACE: &str = "0f2ac74b498b48028cb68387c421e279";
const TOKEN: &str = "Sn3lZJTBX6kkg7OdcBUAxOO963GEIyGQqnFTOFYY";

fn client(server: &MockServer, credentials: Credentials) -> Client {
    Client::builder()
        .base_url(format!("{}/client/v4", server.url()))
        .credentials(credentials)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client builds")
}

fn keys(names: &[&str]) -> Vec<String> {
    names.iter().map(|k| k.to_string()).collect()
}

#[tokio::test]
async fn sends_post_to_the_bulk_delete_path_with_token_and_json_body() {
    let server = MockServer::with_replies([Reply::success(
        json!({"successful_key_count": 2, "unsuccessful_keys": []}),
    )])
    .await;
    let client = client(&server, Credentials::api_token(TOKEN));
    let result = client
        .namespace_delete_multiple_key_value_pairs(ACCOUNT, NAMESPACE, &keys(&["My-Key", "a/b c"]))
        .await
        .expect("success");

    let request = server.last_request().expect("one request");
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.path_only(),
        format!("/client/v4/accounts/{ACCOUNT}/storage/kv/namespaces/{NAMESPACE}/bulk/delete")
    );
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(request.header("x-auth-key"), None);
    assert!(
        request
            .header("content-type")
            .is_some_and(|c| c.starts_with("application/json"))
    );
    assert_eq!(request.json().unwrap(), json!(["My-Key", "a/b c"]));

    let result = result.expect("result present");
    assert_eq!(result.successful_key_count, Some(2));
    assert_eq!(result.unsuccessful_keys, Some(vec![]));
}

#[tokio::test]
async fn sends_email_and_global_key_headers() {
    let server =
        MockServer::with_replies([Reply::success(json!({"successful_key_count": 1}))]).await;
    let client = client(
        &server,
        Credentials::api_key("user@example.com", "144c9defac04969c7bfad8efaa8ea194"),
    );
    client
        .namespace_delete_multiple_key_value_pairs(ACCOUNT, NAMESPACE, &keys(&["k"]))
        .await
        .expect("success");
    let request = server.last_request().unwrap();
    assert_eq!(request.header("x-auth-email"), Some("user@example.com"));
    assert_eq!(
        request.header("x-auth-key"),
        Some("144c9defac04969c7bfad8efaa8ea194")
    );
    assert_eq!(request.header("authorization"), None);
}

#[tokio::test]
async fn path_parameters_are_percent_encoded() {
    let server = MockServer::with_replies([Reply::success(json!({}))]).await;
    let client = client(&server, Credentials::api_token(TOKEN));
    client
        .namespace_delete_multiple_key_value_pairs("a/b?c", "n s", &keys(&["k"]))
        .await
        .expect("success");
    let path = server.last_request().unwrap().path_only().to_string();
    assert!(
        path.starts_with("/client/v4/accounts/a%2Fb%3Fc/storage/kv/namespaces/n%20s/bulk"),
        "{path}"
    );
}

#[tokio::test]
async fn a_4xx_envelope_keeps_status_and_every_error() {
    let server = MockServer::with_replies([Reply::api_errors(
        400,
        [
            json!({"code": 10001, "message": "bad key"}),
            json!({"code": 10002, "message": "too long", "source": {"pointer": "/0"}}),
        ],
    )])
    .await;
    let client = client(&server, Credentials::api_token(TOKEN));
    let err = client
        .namespace_delete_multiple_key_value_pairs(ACCOUNT, NAMESPACE, &keys(&["k"]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Client);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    let api = err.api_error().expect("api error");
    let codes: Vec<i64> = api.errors.iter().map(|e| e.code).collect();
    assert_eq!(codes, [10001, 10002]);
    assert_eq!(
        api.errors[1]
            .source
            .as_ref()
            .and_then(|s| s.pointer.as_deref()),
        Some("/0")
    );
    assert!(!err.to_string().contains(TOKEN));
}

#[tokio::test]
async fn a_non_json_502_keeps_status_and_body_start() {
    let server =
        MockServer::with_replies([Reply::html(502, "<html><body>Bad gateway</body></html>")]).await;
    let client = client(&server, Credentials::api_token(TOKEN));
    let err = client
        .namespace_delete_multiple_key_value_pairs(ACCOUNT, NAMESPACE, &keys(&["k"]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502));
    assert!(
        format!("{err}").contains("Bad gateway")
            || err
                .api_error()
                .is_some_and(|a| a.body.contains("Bad gateway")),
        "{err}"
    );
}

#[tokio::test]
async fn a_success_without_result_parses_as_none() {
    let envelope =
        json!({"success": true, "errors": [], "messages": [{"code": 1000, "message": "queued"}]});
    let server = MockServer::with_replies([Reply::json(200, envelope)]).await;
    let client = client(&server, Credentials::api_token(TOKEN));
    let response = client
        .namespace_delete_multiple_key_value_pairs_with_response(ACCOUNT, NAMESPACE, &keys(&["k"]))
        .await
        .expect("success");
    assert_eq!(response.result, None);
    assert_eq!(response.messages[0].message, "queued");
}

#[tokio::test]
async fn invalid_input_sends_no_request() {
    let server = MockServer::start().await;
    let client = client(&server, Credentials::api_token(TOKEN));
    let too_many: Vec<String> = (0..10_001).map(|i| format!("k{i}")).collect();
    let long_key = vec!["x".repeat(513)];
    let cases: [(&str, &str, &[String], &str); 5] = [
        ("", NAMESPACE, &keys(&["k"]), "account_id"),
        (&"a".repeat(33), NAMESPACE, &keys(&["k"]), "account_id"),
        (ACCOUNT, "", &keys(&["k"]), "namespace_id"),
        (ACCOUNT, NAMESPACE, &[], "body"),
        (ACCOUNT, NAMESPACE, &too_many, "body"),
    ];
    for (account, namespace, body, field) in cases {
        let err = client
            .namespace_delete_multiple_key_value_pairs(account, namespace, body)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert!(err.to_string().contains(field), "{err}");
    }
    let err = client
        .namespace_delete_multiple_key_value_pairs(ACCOUNT, NAMESPACE, &long_key)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("body[0]"), "{err}");
    assert_eq!(
        server.request_count(),
        0,
        "invalid input reached the server"
    );
}

/// The contract: owned and borrowed key lists, the `result` unwrapped, the count
/// an integer even when the wire says `3.0`.
#[tokio::test]
async fn owned_and_borrowed_keys_return_the_typed_result() {
    let server = MockServer::with_replies([
        Reply::success(json!({"successful_key_count": 2, "unsuccessful_keys": []})),
        Reply::success(json!({"successful_key_count": 3.0, "unsuccessful_keys": ["d"]})),
    ])
    .await;
    let client = client(&server, Credentials::api_token(TOKEN));
    let owned: Vec<String> = vec!["a".into(), "b".into()];
    let result = client
        .namespace_delete_multiple_key_value_pairs(ACCOUNT, NAMESPACE, &owned)
        .await
        .unwrap()
        .unwrap();
    let count: Option<u64> = result.successful_key_count;
    assert_eq!(count, Some(2));
    let borrowed = ["c", "d"];
    let result = client
        .namespace_delete_multiple_key_value_pairs(ACCOUNT, NAMESPACE, &borrowed)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(result.successful_key_count, Some(3));
    assert_eq!(result.unsuccessful_keys, Some(vec!["d".to_owned()]));
    assert_eq!(
        server.last_request().unwrap().json().unwrap(),
        json!(["c", "d"])
    );
}

#[tokio::test]
async fn a_count_with_a_fraction_is_a_decode_error() {
    let server =
        MockServer::with_replies([Reply::success(json!({"successful_key_count": 3.5}))]).await;
    let client = client(&server, Credentials::api_token(TOKEN));
    let err = client
        .namespace_delete_multiple_key_value_pairs(ACCOUNT, NAMESPACE, &["k"])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    assert!(
        format!("{err:?}").contains("expected an integer, got 3.5"),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_response_form_keeps_status_and_headers() {
    let reply = Reply::success(json!({"successful_key_count": 1})).with_header("cf-ray", "ray-1");
    let server = MockServer::with_replies([reply]).await;
    let client = client(&server, Credentials::api_token(TOKEN));
    let response = client
        .namespace_delete_multiple_key_value_pairs_with_response(ACCOUNT, NAMESPACE, &["k"])
        .await
        .unwrap();
    assert_eq!(response.status.as_u16(), 200);
    assert_eq!(response.cf_ray(), Some("ray-1"));
    assert_eq!(response.result.unwrap().successful_key_count, Some(1));
}

#[test]
fn client_debug_hides_credentials() {
    let client = Client::builder().api_token(TOKEN).build().unwrap();
    assert!(!format!("{client:?}").contains(TOKEN));
}
