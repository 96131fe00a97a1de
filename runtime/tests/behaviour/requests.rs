//! What goes on the wire: auth headers, URL joining, parameters, bodies.

use cfgen_runtime::{Client, Credentials, ErrorKind, ManualTimer, Method, Request, encode_path};
use serde_json::{Value, json};
use testkit::{MockServer, Reply};

use crate::common::*;

#[tokio::test]
async fn token_is_sent_as_a_bearer_header_and_nothing_else() {
    let server = MockServer::with_replies([Reply::success(bulk_result())]).await;
    let client = client(&server, &ManualTimer::new());
    let answer: BulkDeleteResponse = client.send(bulk_delete(&keys(&["a", "b"]))).await.unwrap();
    assert_eq!(answer.result.successful_key_count, 2);
    let request = server.last_request().unwrap();
    let bearer = format!("Bearer {TOKEN}");
    assert_eq!(request.header("authorization"), Some(bearer.as_str()));
    assert_eq!(request.header("x-auth-email"), None);
    assert_eq!(request.header("x-auth-key"), None);
    assert_eq!(request.header("accept"), Some("application/json"));
    assert!(
        request
            .header("user-agent")
            .unwrap()
            .starts_with("cfgen-runtime/")
    );
}

#[tokio::test]
async fn email_and_global_key_are_sent_as_x_auth_headers() {
    let server = MockServer::with_replies([Reply::success(bulk_result())]).await;
    let client = Client::builder()
        .base_url(base_url(&server))
        .credentials(Credentials::api_key("ops@example.com", "global-KEY-42"))
        .build()
        .unwrap();
    let _: BulkDeleteResponse = client.send(bulk_delete(&keys(&["a"]))).await.unwrap();
    let request = server.last_request().unwrap();
    assert_eq!(request.header("x-auth-email"), Some("ops@example.com"));
    assert_eq!(request.header("x-auth-key"), Some("global-KEY-42"));
    assert_eq!(request.header("authorization"), None);
}

#[tokio::test]
async fn path_is_appended_to_the_base_url_path() {
    let server = MockServer::with_handler(|_| Reply::success(bulk_result())).await;
    let expected =
        format!("/client/v4/accounts/{ACCOUNT}/storage/kv/namespaces/{NAMESPACE}/bulk/delete");
    for base in [base_url(&server), format!("{}/", base_url(&server))] {
        let client = Client::builder()
            .base_url(base)
            .api_token(TOKEN)
            .build()
            .unwrap();
        let _: Value = client.send(bulk_delete(&keys(&["a"]))).await.unwrap();
        let request = server.last_request().unwrap();
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, expected);
    }
    // A base URL without a path, and a request path without a leading slash.
    let client = Client::builder()
        .base_url(server.url())
        .api_token(TOKEN)
        .build()
        .unwrap();
    let _: Value = client
        .send(Request::new("ips", Method::GET, "ips"))
        .await
        .unwrap();
    assert_eq!(server.last_request().unwrap().path, "/ips");
}

#[tokio::test]
async fn encoded_path_parameters_reach_the_server_as_one_segment() {
    let server = MockServer::with_replies([Reply::bytes(200, None, "v")]).await;
    let client = client(&server, &ManualTimer::new());
    let path = format!("/values/{}", encode_path("dir/key?x=1#frag %"));
    client
        .send_bytes(Request::new("read", Method::GET, path))
        .await
        .unwrap();
    assert_eq!(
        server.last_request().unwrap().path,
        "/client/v4/values/dir%2Fkey%3Fx%3D1%23frag%20%25"
    );
}

#[tokio::test]
async fn paths_that_url_parsing_would_change_are_refused() {
    let server = MockServer::start().await;
    let client = client(&server, &ManualTimer::new());
    for path in ["/values/..", "/values/./x", "/values/a b", "/values/x?y"] {
        let error = client
            .send_empty(Request::new("op", Method::DELETE, path))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "path {path}");
        assert_eq!(error.attempts(), 0);
    }
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn query_and_header_parameters_are_sent() {
    let server = MockServer::with_replies([Reply::success(json!([]))]).await;
    let client = client(&server, &ManualTimer::new());
    let request = Request::new("list", Method::GET, "/keys")
        .query("cursor", "a b&c=d")
        .query("limit", 10)
        .header("x-foo", "bar");
    let _: Value = client.send(request).await.unwrap();
    let recorded = server.last_request().unwrap();
    assert_eq!(recorded.path_only(), "/client/v4/keys");
    assert_eq!(recorded.query(), Some("cursor=a%20b%26c%3Dd&limit=10"));
    assert_eq!(recorded.header("x-foo"), Some("bar"));
}

/// Pagination cursors are opaque (Cloudflare's are base64, with `+`, `/`
/// and `=`) and key prefixes are any text: a query value must reach the
/// server unchanged whether it decodes the query as a URL (RFC 3986, where
/// `+` is a plus) or as a form (where `+` is a space).
#[tokio::test]
async fn query_values_reach_the_server_exactly_under_both_decodings() {
    let values = [
        "AAAAANuhUsQ+/Gz3w==",
        "a b",
        "a+b",
        "dir/key",
        "100%",
        "%2B",
        "frag#ment",
        "what?",
        "k=v&x=y",
        "usér:ключ:鍵:🔑",
        "tab\tnew\nline",
        "",
    ];
    let server = MockServer::with_handler(|_| Reply::success(json!([]))).await;
    let client = client(&server, &ManualTimer::new());
    for value in values {
        let request = Request::new("list", Method::GET, "/keys").query("cursor", value);
        let _: Value = client.send(request).await.unwrap();
        let query = server.last_request().unwrap().query().unwrap().to_owned();
        let raw_value = query.strip_prefix("cursor=").unwrap();
        assert!(
            raw_value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)),
            "{value:?} was sent as {raw_value:?}"
        );
        let as_url = percent_encoding::percent_decode_str(raw_value)
            .decode_utf8()
            .unwrap();
        assert_eq!(as_url, value, "RFC 3986 decoding of {query:?}");
        let as_form: Vec<_> = form_urlencoded::parse(query.as_bytes()).collect();
        assert_eq!(as_form.len(), 1, "{query:?}");
        assert_eq!(as_form[0].1, value, "form decoding of {query:?}");
    }
}

#[tokio::test]
async fn invalid_header_values_fail_before_sending() {
    let server = MockServer::start().await;
    let client = client(&server, &ManualTimer::new());
    let request = Request::new("op", Method::GET, "/x").header("x-foo", "line\nbreak");
    let error = client.send_empty(request).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid input `x-foo`: contains characters not allowed in an HTTP header"
    );
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn json_and_raw_bodies_are_sent_byte_for_byte() {
    let server = MockServer::with_handler(|_| Reply::success(Value::Null)).await;
    let client = client(&server, &ManualTimer::new());
    let _: Value = client
        .send(bulk_delete(&keys(&["a", "b\"c"])))
        .await
        .unwrap();
    let recorded = server.last_request().unwrap();
    assert_eq!(&recorded.body[..], br#"["a","b\"c"]"#);
    assert_eq!(recorded.header("content-type"), Some("application/json"));

    let raw = vec![0u8, 159, 146, 150];
    let request = Request::new("write", Method::PUT, "/values/k")
        .body_bytes("application/octet-stream", raw.clone());
    client.send_empty(request).await.unwrap();
    let recorded = server.last_request().unwrap();
    assert_eq!(recorded.body.to_vec(), raw);
    assert_eq!(
        recorded.header("content-type"),
        Some("application/octet-stream")
    );
}

#[tokio::test]
async fn raw_answers_are_never_read_as_envelopes() {
    // A stored KV value that happens to look like a failed envelope.
    let stored = r#"{"success":false,"errors":[]}"#;
    let server =
        MockServer::with_replies([Reply::text(200, "application/octet-stream", stored)]).await;
    let client = client(&server, &ManualTimer::new());
    let bytes = client
        .send_bytes(Request::new("read", Method::GET, "/values/k"))
        .await
        .unwrap();
    assert_eq!(&bytes[..], stored.as_bytes());
    assert_ne!(
        server.last_request().unwrap().header("accept"),
        Some("application/json")
    );
}

#[tokio::test]
async fn send_empty_accepts_empty_and_envelope_answers() {
    let server = MockServer::with_replies([Reply::status(204), Reply::success(Value::Null)]).await;
    let client = client(&server, &ManualTimer::new());
    client
        .send_empty(Request::new("a", Method::DELETE, "/x"))
        .await
        .unwrap();
    client
        .send_empty(Request::new("b", Method::DELETE, "/x"))
        .await
        .unwrap();
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn futures_are_send_and_clients_are_shareable() {
    fn assert_send<T: Send>(_: &T) {}
    fn assert_sync<T: Send + Sync + Clone>() {}
    assert_sync::<Client>();
    let server = MockServer::with_replies([Reply::success(bulk_result())]).await;
    let client = client(&server, &ManualTimer::new());
    let future = client.send::<BulkDeleteResponse>(bulk_delete(&keys(&["a"])));
    assert_send(&future);
    assert_eq!(future.await.unwrap().result.successful_key_count, 2);
}
