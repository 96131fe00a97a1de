//! Secrets never show up in `Debug`, `Display` or errors.

use cfgen_runtime::{Client, Credentials, ManualTimer, RetryPolicy};
use testkit::{MockServer, Reply};

use crate::common::*;

const KEY: &str = "global-KEY-SECRET-987";

fn assert_no_secret(text: &str) {
    assert!(!text.contains(TOKEN), "token leaked: {text}");
    assert!(!text.contains(KEY), "key leaked: {text}");
    assert!(!text.contains("SECRET"), "secret leaked: {text}");
}

#[test]
fn credentials_builders_and_clients_redact_secrets() {
    let token = Credentials::api_token(TOKEN);
    let key = Credentials::api_key("ops@example.com", KEY);
    let service = Credentials::user_service_key(KEY);
    let builder = Client::builder().credentials(key.clone());
    let client = Client::builder()
        .credentials(token.clone())
        .build()
        .unwrap();
    for text in [
        format!("{token:?}"),
        format!("{key:?}"),
        format!("{service:?}"),
        format!("{builder:?}"),
        format!("{builder:#?}"),
        format!("{client:?}"),
        format!("{client:#?}"),
    ] {
        assert_no_secret(&text);
    }
    assert_eq!(format!("{token:?}"), "Credentials::ApiToken(<redacted>)");
    assert_eq!(
        format!("{key:?}"),
        "Credentials::ApiKey { email: \"ops@example.com\", key: <redacted> }"
    );
    assert!(format!("{client:?}").contains("Credentials::ApiToken(<redacted>)"));
}

#[tokio::test]
async fn errors_do_not_carry_secrets() {
    let server = MockServer::with_replies([
        Reply::api_error(401, 10000, "Authentication error"),
        Reply::drop_connection(),
    ])
    .await;
    let client = builder(&server, &ManualTimer::new())
        .credentials(Credentials::api_key("ops@example.com", KEY))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let auth = client
        .send_empty(bulk_delete(&keys(&["a"])))
        .await
        .unwrap_err();
    let transport = client
        .send_empty(bulk_delete(&keys(&["a"])))
        .await
        .unwrap_err();
    for error in [auth, transport] {
        assert_no_secret(&format!("{error}"));
        assert_no_secret(&format!("{error:?}"));
        assert_no_secret(&format!("{error:#?}"));
    }
    // The secret did go on the wire, so the checks above are meaningful.
    assert_eq!(server.requests()[0].header("x-auth-key"), Some(KEY));
}
