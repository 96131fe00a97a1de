//! How answers become errors: every envelope item kept, non-JSON bodies
//! kept, decode errors, `success: false` on a 2xx.

use cfgen_runtime::{
    ApiMessage, ApiMessageSource, BODY_START_LIMIT, Error, ErrorKind, ManualTimer, RetryPolicy,
    StatusCode,
};
use serde_json::{Value, json};
use testkit::{MockServer, Reply};

use crate::common::*;

async fn first_error(reply: Reply) -> (Error, MockServer) {
    let server = MockServer::with_replies([reply, Reply::success(bulk_result())]).await;
    let client = client(&server, &ManualTimer::new());
    let error = client
        .send::<BulkDeleteResponse>(bulk_delete(&keys(&["a"])))
        .await
        .expect_err("the first answer is an error");
    (error, server)
}

#[tokio::test]
async fn client_errors_keep_every_envelope_item() {
    let body = json!({
        "success": false,
        "errors": [
            {"code": 10001, "message": "key too long", "documentation_url": "https://developers.cloudflare.com/kv", "source": {"pointer": "/3"}},
            {"code": 10002, "message": "key empty", "source": {"pointer": "/7"}}
        ],
        "messages": [{"code": 1000, "message": "partial batch rejected"}],
        "result": null
    });
    let (error, server) = first_error(Reply::json(400, body)).await;
    assert_eq!(server.request_count(), 1, "a 400 is never retried");
    assert_eq!(error.kind(), ErrorKind::Client);
    assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(error.operation(), Some(OPERATION));
    assert!(!error.is_retryable());
    let api = error.api_error().unwrap();
    assert_eq!(
        api.errors,
        [
            ApiMessage {
                code: 10001,
                message: "key too long".into(),
                documentation_url: Some("https://developers.cloudflare.com/kv".into()),
                source: Some(ApiMessageSource {
                    pointer: Some("/3".into())
                }),
            },
            ApiMessage {
                code: 10002,
                message: "key empty".into(),
                documentation_url: None,
                source: Some(ApiMessageSource {
                    pointer: Some("/7".into())
                }),
            },
        ]
    );
    assert_eq!(api.messages.len(), 1);
    assert_eq!(api.messages[0].message, "partial batch rejected");
    assert_eq!(
        error.to_string(),
        format!(
            "{OPERATION} failed with status 400 Bad Request: [10001] key too long (at /3); [10002] key empty (at /7)"
        )
    );
}

#[tokio::test]
async fn auth_and_not_found_errors_are_classified_and_not_retried() {
    for (status, kind) in [
        (400, ErrorKind::Client),
        (401, ErrorKind::Auth),
        (403, ErrorKind::Auth),
        (404, ErrorKind::NotFound),
        (422, ErrorKind::Client),
    ] {
        let (error, server) = first_error(Reply::api_error(status, 10000, "nope")).await;
        assert_eq!(error.kind(), kind, "status {status}");
        assert_eq!(
            server.request_count(),
            1,
            "status {status} must not be retried"
        );
        assert_eq!(error.attempts(), 1);
    }
}

#[tokio::test]
async fn html_from_a_proxy_keeps_status_and_start_of_body() {
    let page = format!(
        "<html><head><title>502 Bad Gateway</title></head><body>{}</body></html>",
        "x".repeat(2000)
    );
    let server = MockServer::with_replies([Reply::html(502, page.clone())]).await;
    let client = builder(&server, &ManualTimer::new())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client
        .send::<Value>(bulk_delete(&keys(&["a"])))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Server);
    assert_eq!(error.status(), Some(StatusCode::BAD_GATEWAY));
    assert!(error.is_retryable());
    let api = error.api_error().unwrap();
    assert!(api.errors.is_empty());
    assert_eq!(api.body, page[..BODY_START_LIMIT]);
    assert!(error.to_string().contains(
        "failed with status 502 Bad Gateway, body starts with \"<html><head><title>502 Bad Gateway"
    ));
}

#[tokio::test]
async fn a_2xx_that_does_not_match_the_type_is_a_decode_error() {
    let missing_fields = json!({"success": true, "errors": [], "messages": [], "result": {"successful_key_count": 1}});
    let (error, server) = first_error(Reply::json(200, missing_fields)).await;
    assert_eq!(server.request_count(), 1, "decode errors are not retried");
    assert_eq!(error.kind(), ErrorKind::Decode);
    assert_eq!(error.status(), Some(StatusCode::OK));
    let Error::Decode(decode) = &error else {
        panic!("expected a decode error, got {error:?}")
    };
    assert!(decode.body.starts_with(r#"{"success":true"#));
    assert!(
        error
            .to_string()
            .contains("missing field `unsuccessful_keys`"),
        "{error}"
    );
}

#[tokio::test]
async fn a_2xx_that_is_not_json_is_a_decode_error() {
    let (error, _) = first_error(Reply::html(200, "<html>maintenance</html>")).await;
    assert_eq!(error.kind(), ErrorKind::Decode);
    let Error::Decode(decode) = &error else {
        panic!("expected a decode error")
    };
    assert_eq!(decode.body, "<html>maintenance</html>");
}

#[tokio::test]
async fn success_false_on_a_200_is_an_api_error() {
    let body = json!({"success": false, "errors": [{"code": 10013, "message": "quota exceeded"}], "messages": [], "result": null});
    let (error, server) = first_error(Reply::json(200, body)).await;
    assert_eq!(server.request_count(), 1);
    assert_eq!(error.kind(), ErrorKind::Api);
    assert_eq!(error.status(), Some(StatusCode::OK));
    assert_eq!(error.api_error().unwrap().errors[0].code, 10013);
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let reply = Reply::status(302).with_header("location", "https://elsewhere.example/");
    let (error, server) = first_error(reply).await;
    assert_eq!(server.request_count(), 1);
    assert_eq!(error.status(), Some(StatusCode::FOUND));
    assert_eq!(error.kind(), ErrorKind::Api);
}
