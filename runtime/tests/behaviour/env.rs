//! Configuration from environment lookups (never the real process
//! environment) and configuration errors.

use std::time::Duration;

use cfgen_runtime::{Client, ClientBuilder, ErrorKind, RetryPolicy};
use serde_json::Value;
use testkit::{MockServer, Reply};

use crate::common::*;

fn lookup(pairs: Vec<(&'static str, String)>) -> impl Fn(&str) -> Option<String> {
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    }
}

#[tokio::test]
async fn token_and_base_url_from_the_environment() {
    let server = MockServer::with_replies([Reply::success(bulk_result())]).await;
    let vars = vec![
        ("CLOUDFLARE_API_TOKEN", "env-token".to_owned()),
        ("CLOUDFLARE_BASE_URL", base_url(&server)),
    ];
    let client = ClientBuilder::from_env_vars(lookup(vars))
        .unwrap()
        .build()
        .unwrap();
    let _: Value = client.send(bulk_delete(&keys(&["a"]))).await.unwrap();
    let request = server.last_request().unwrap();
    assert_eq!(request.header("authorization"), Some("Bearer env-token"));
    assert!(request.path.starts_with("/client/v4/accounts/"));
}

#[tokio::test]
async fn email_and_key_from_the_environment() {
    let server = MockServer::with_replies([Reply::success(bulk_result())]).await;
    let vars = vec![
        ("CLOUDFLARE_EMAIL", "ops@example.com".to_owned()),
        ("CLOUDFLARE_API_KEY", "env-key".to_owned()),
        ("CLOUDFLARE_BASE_URL", base_url(&server)),
    ];
    let client = ClientBuilder::from_env_vars(lookup(vars))
        .unwrap()
        .build()
        .unwrap();
    let _: Value = client.send(bulk_delete(&keys(&["a"]))).await.unwrap();
    let request = server.last_request().unwrap();
    assert_eq!(request.header("x-auth-email"), Some("ops@example.com"));
    assert_eq!(request.header("x-auth-key"), Some("env-key"));
}

#[test]
fn the_default_base_url_is_cloudflares() {
    let vars = vec![("CLOUDFLARE_API_TOKEN", "t".to_owned())];
    let client = ClientBuilder::from_env_vars(lookup(vars))
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(client.base_url(), "https://api.cloudflare.com/client/v4");
}

#[test]
fn missing_credentials_name_the_variables() {
    let error = ClientBuilder::from_env_vars(lookup(vec![])).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
    assert_eq!(
        error.to_string(),
        "invalid configuration: no Cloudflare credentials: set CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY"
    );
}

#[test]
fn an_invalid_base_url_names_the_variable() {
    let vars = vec![
        ("CLOUDFLARE_API_TOKEN", "t".to_owned()),
        ("CLOUDFLARE_BASE_URL", "api.cloudflare.com".to_owned()),
    ];
    let error = ClientBuilder::from_env_vars(lookup(vars))
        .unwrap()
        .build()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
    assert_eq!(
        error.to_string(),
        "invalid base url `api.cloudflare.com` (from CLOUDFLARE_BASE_URL): relative URL without a base"
    );
}

#[test]
fn invalid_settings_fail_at_build() {
    let cases = [
        (
            Client::builder().retry_policy(RetryPolicy::none().with_max_attempts(0)),
            "invalid configuration: retry policy must allow at least 1 attempt, got 0",
        ),
        (
            Client::builder().request_timeout(Duration::ZERO),
            "invalid configuration: request timeout must not be zero",
        ),
        (
            Client::builder().connect_timeout(Duration::ZERO),
            "invalid configuration: connect timeout must not be zero",
        ),
        (
            Client::builder().base_url("ftp://example.com"),
            "invalid base url `ftp://example.com`: it must use https (or http for a loopback host)",
        ),
    ];
    for (builder, expected) in cases {
        assert_eq!(builder.build().unwrap_err().to_string(), expected);
    }
}
