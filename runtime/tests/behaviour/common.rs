//! Shared fixtures.

use cfgen_runtime::{
    Client, ClientBuilder, Credentials, ManualTimer, Method, Request, encode_path,
};
use serde::Deserialize;
use testkit::MockServer;

pub const TOKEN: &str = "tok-SECRET-0123456789";
pub const OPERATION: &str = "workers-kv-namespace-delete-multiple-key-value-pairs";
pub const ACCOUNT: &str = "023e105f4ecef8ad9ca31a8372d0c353";
pub const NAMESPACE: &str = "0f2ac74b498b48028cb68387c421e279";

/// The envelope of the bulk delete answer, as generated code would type it.
#[derive(Debug, Deserialize, PartialEq)]
pub struct BulkDeleteResponse {
    pub success: bool,
    pub result: BulkResult,
}

#[derive(Debug, Deserialize, PartialEq)]
pub struct BulkResult {
    pub successful_key_count: u64,
    pub unsuccessful_keys: Vec<String>,
}

pub fn base_url(server: &MockServer) -> String {
    format!("{}/client/v4", server.url())
}

/// A builder pointed at `server` with a token and `timer`.
pub fn builder(server: &MockServer, timer: &ManualTimer) -> ClientBuilder {
    Client::builder()
        .base_url(base_url(server))
        .credentials(Credentials::api_token(TOKEN))
        .timer(timer.clone())
}

pub fn client(server: &MockServer, timer: &ManualTimer) -> Client {
    builder(server, timer).build().expect("test client builds")
}

pub fn bulk_delete(keys: &[String]) -> Request {
    let path = format!(
        "/accounts/{}/storage/kv/namespaces/{}/bulk/delete",
        encode_path(ACCOUNT),
        encode_path(NAMESPACE)
    );
    Request::new(OPERATION, Method::POST, path)
        .json(keys)
        .expect("keys serialize")
}

pub fn keys(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

/// Checks a wait the client asked its timer for: at least `expected`, plus
/// at most the jitter added on resumption (1/50 of the wait, at most 1 s).
pub fn assert_wait(actual: std::time::Duration, expected: std::time::Duration) {
    let jitter = (expected / 50).min(std::time::Duration::from_secs(1));
    assert!(
        actual >= expected && actual <= expected + jitter,
        "waited {actual:?}, expected {expected:?} plus at most {jitter:?} of jitter"
    );
}

pub fn bulk_result() -> serde_json::Value {
    serde_json::json!({"successful_key_count": 2, "unsuccessful_keys": []})
}
