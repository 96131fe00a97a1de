//! The two forms of a call: the envelope's `result`, and [`ApiResponse`] with the
//! status, headers, `messages` and `result_info` around it.

use cfgen_runtime::{ApiResponse, ClientBuilder, ErrorKind, ManualTimer};
use serde_json::json;
use testkit::{MockServer, Reply};

use crate::common::*;

#[tokio::test]
async fn the_result_is_unwrapped_and_the_rest_kept_beside_it() {
    let envelope = json!({
        "success": true,
        "errors": [],
        "messages": [{"code": 1, "message": "queued"}],
        "result": {"successful_key_count": 2, "unsuccessful_keys": []},
        "result_info": {"count": 1, "cursor": "abc"}
    });
    let reply = Reply::json(200, envelope).with_header("cf-ray", "8a1b2c3d4e5f-AMS");
    let server = MockServer::with_replies([reply]).await;
    let client = client(&server, &ManualTimer::new());
    let response: ApiResponse<BulkResult> = client
        .send_result(bulk_delete(&keys(&["a", "b"])))
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.cf_ray(), Some("8a1b2c3d4e5f-AMS"));
    assert_eq!(response.messages[0].message, "queued");
    assert_eq!(
        response.result_info,
        Some(json!({"count": 1, "cursor": "abc"}))
    );
    assert_eq!(response.into_result().successful_key_count, 2);
}

#[tokio::test]
async fn a_null_or_absent_result_is_none_where_optional_and_an_error_where_required() {
    for body in [
        json!({"success": true, "errors": [], "messages": [], "result": null}),
        json!({"success": true, "errors": [], "messages": []}),
    ] {
        let server = MockServer::with_replies([Reply::json(200, body.clone())]).await;
        let client = client(&server, &ManualTimer::new());
        let optional = client
            .send_result::<Option<BulkResult>>(bulk_delete(&keys(&["a"])))
            .await
            .unwrap();
        assert_eq!(optional.result, None, "{body}");

        server.push(Reply::json(200, body.clone()));
        let err = client
            .send_result::<BulkResult>(bulk_delete(&keys(&["a"])))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{body}: {err}");
    }
}

#[tokio::test]
async fn a_failed_envelope_is_still_a_typed_error() {
    let server = MockServer::with_replies([Reply::api_error(400, 10001, "bad key")]).await;
    let client = client(&server, &ManualTimer::new());
    let err = client
        .send_result::<Option<BulkResult>>(bulk_delete(&keys(&["a"])))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Client, "{err}");
}

#[tokio::test]
async fn empty_and_plain_answers_keep_status_and_headers() {
    let server = MockServer::with_replies([Reply::json(
        200,
        json!({"success": true, "errors": [], "messages": [{"code": 7, "message": "ok"}], "result": {}}),
    )])
    .await;
    let client = client(&server, &ManualTimer::new());
    let empty = client
        .send_empty_response(bulk_delete(&keys(&["a"])))
        .await
        .unwrap();
    assert_eq!(empty.messages[0].code, 7);

    server.push(Reply::json(200, json!([1, 2, 3])));
    let plain = client
        .send_json_response::<Vec<u8>>(bulk_delete(&keys(&["a"])))
        .await
        .unwrap();
    assert_eq!(plain.result, [1, 2, 3]);
    assert!(plain.messages.is_empty() && plain.result_info.is_none());
}

/// A generated client wraps the runtime's; the builder builds either.
#[derive(Debug, Clone)]
struct Wrapper(#[allow(dead_code)] cfgen_runtime::Client);

impl From<cfgen_runtime::Client> for Wrapper {
    fn from(client: cfgen_runtime::Client) -> Self {
        Wrapper(client)
    }
}

#[test]
fn the_builder_builds_a_wrapping_client_type() {
    let wrapper: Wrapper = ClientBuilder::new()
        .api_token("SECRET-token-value")
        .for_client::<Wrapper>()
        .build()
        .unwrap();
    let shown = format!("{wrapper:?}");
    assert!(!shown.contains("SECRET-token-value"), "{shown}");
}
