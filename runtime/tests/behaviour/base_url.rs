//! The base URL: plain `http` only for loopback hosts, and errors and
//! `Debug` output that never echo credentials or query strings.

use cfgen_runtime::{Client, ClientBuilder, Credentials, ErrorKind};

use crate::common::TOKEN;

fn build_error(base_url: &str) -> cfgen_runtime::Error {
    Client::builder()
        .base_url(base_url)
        .credentials(Credentials::api_token(TOKEN))
        .build()
        .expect_err(base_url)
}

#[test]
fn plain_http_is_refused_for_hosts_that_are_not_loopback() {
    for url in [
        "http://api.cloudflare.com/client/v4",
        "http://10.0.0.1/client/v4",
        "http://localhost.example.com/",
        "http://[2001:db8::1]/",
        "http://128.0.0.1/",
    ] {
        let error = build_error(url);
        assert_eq!(error.kind(), ErrorKind::Config, "{url}");
        let message = error.to_string();
        assert!(
            message.contains("plain http would send the credentials unencrypted"),
            "{url}: {message}"
        );
        assert!(message.contains("use https"), "{url}: {message}");
    }
}

#[test]
fn plain_http_is_allowed_for_loopback_hosts() {
    for url in [
        "http://127.0.0.1:8080/client/v4",
        "http://127.255.0.9/",
        "http://[::1]:9000/",
        "http://localhost:8787/",
        "http://LOCALHOST/",
        "https://api.cloudflare.com/client/v4",
    ] {
        Client::builder()
            .base_url(url)
            .credentials(Credentials::api_token(TOKEN))
            .build()
            .unwrap_or_else(|e| panic!("{url}: {e}"));
    }
}

const SECRET: &str = "hunter2-SECRET";

fn secret_urls() -> Vec<String> {
    vec![
        format!("https://user:{SECRET}@api.cloudflare.com/client/v4"),
        format!("https://{SECRET}@api.cloudflare.com/client/v4"),
        format!("https://api.cloudflare.com/client/v4?token={SECRET}"),
        format!("https://api.cloudflare.com/client/v4#{SECRET}"),
        format!("ftp://user:{SECRET}@example.com/?token={SECRET}"),
        // Not parsable at all (a space in the host), with secrets anyway.
        format!("https://user:{SECRET}@api cloudflare.com/?token={SECRET}"),
        format!("user:{SECRET}@api.cloudflare.com/client/v4"),
        format!("http://user:{SECRET}@example.com\\client?token={SECRET}"),
    ]
}

#[test]
fn base_url_errors_never_echo_user_info_query_or_fragment() {
    for url in secret_urls() {
        let error = build_error(&url);
        for text in [
            error.to_string(),
            format!("{error:?}"),
            format!("{error:#?}"),
        ] {
            assert!(!text.contains(SECRET), "secret leaked: {text}");
        }
        assert_eq!(error.kind(), ErrorKind::Config, "{url}");
    }
}

#[test]
fn base_url_errors_say_what_is_wrong() {
    let message = |url: &str| build_error(url).to_string();
    assert_eq!(
        message(&format!(
            "https://user:{SECRET}@api.cloudflare.com/client/v4"
        )),
        "invalid base url `https://<redacted>@api.cloudflare.com/client/v4`: \
         it must not contain a user name or password (credentials go in Credentials \
         or CLOUDFLARE_API_TOKEN)"
    );
    assert_eq!(
        message(&format!(
            "https://api.cloudflare.com/client/v4?token={SECRET}"
        )),
        "invalid base url `https://api.cloudflare.com/client/v4?<redacted>`: \
         it must not have a query or fragment"
    );
    assert_eq!(
        message("ftp://example.com/"),
        "invalid base url `ftp://example.com/`: it must use https (or http for a loopback host)"
    );
    assert_eq!(
        message("api.cloudflare.com"),
        "invalid base url `api.cloudflare.com`: relative URL without a base"
    );
    assert_eq!(
        message("http://api.example.com/v4"),
        "invalid base url `http://api.example.com/v4`: plain http would send the credentials \
         unencrypted; use https (http is allowed only for loopback hosts: 127.0.0.0/8, ::1, localhost)"
    );
}

#[test]
fn builders_and_clients_do_not_show_url_secrets_in_debug() {
    for url in secret_urls() {
        let builder = Client::builder().base_url(url.clone());
        for text in [format!("{builder:?}"), format!("{builder:#?}")] {
            assert!(!text.contains(SECRET), "secret leaked: {text}");
        }
    }
    let builder = Client::builder().base_url("http://127.0.0.1:1/client/v4");
    assert!(format!("{builder:?}").contains("http://127.0.0.1:1/client/v4"));
}

#[test]
fn an_invalid_base_url_from_the_environment_names_the_variable_not_credentials() {
    let vars = [
        ("CLOUDFLARE_API_TOKEN", TOKEN.to_owned()),
        (
            "CLOUDFLARE_BASE_URL",
            format!("https://user:{SECRET}@api.cloudflare.com/client/v4"),
        ),
    ];
    let lookup = |name: &str| {
        vars.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.clone())
    };
    // Reading the environment succeeds (the credentials are fine); the base
    // URL is checked when the client is built, like every other setting.
    let error = ClientBuilder::from_env_vars(lookup)
        .unwrap()
        .build()
        .unwrap_err();
    let message = error.to_string();
    assert!(!message.contains(SECRET), "{message}");
    assert!(!message.contains("credentials from"), "{message}");
    assert_eq!(
        message,
        "invalid base url `https://<redacted>@api.cloudflare.com/client/v4` (from CLOUDFLARE_BASE_URL): \
         it must not contain a user name or password (credentials go in Credentials \
         or CLOUDFLARE_API_TOKEN)"
    );
}
