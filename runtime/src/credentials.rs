//! Credentials: how requests authenticate, and where they come from.

use std::fmt;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::Error;

/// The environment variable holding an API token.
pub const API_TOKEN_VAR: &str = "CLOUDFLARE_API_TOKEN";
/// The environment variable holding the account email for a global API key.
pub const EMAIL_VAR: &str = "CLOUDFLARE_EMAIL";
/// The environment variable holding a global API key.
pub const API_KEY_VAR: &str = "CLOUDFLARE_API_KEY";
/// The environment variable overriding the API base URL.
pub const BASE_URL_VAR: &str = "CLOUDFLARE_BASE_URL";

const X_AUTH_EMAIL: HeaderName = HeaderName::from_static("x-auth-email");
const X_AUTH_KEY: HeaderName = HeaderName::from_static("x-auth-key");
const X_AUTH_USER_SERVICE_KEY: HeaderName = HeaderName::from_static("x-auth-user-service-key");

/// How requests authenticate to the Cloudflare API.
///
/// Secrets are held in [`SecretString`]s, never shown by `Debug`, and sent in
/// header values marked sensitive.
///
/// ```
/// use cfgen_runtime::Credentials;
///
/// let token = Credentials::api_token("my-token");
/// assert_eq!(format!("{token:?}"), "Credentials::ApiToken(<redacted>)");
/// ```
#[derive(Clone)]
pub struct Credentials(Kind);

#[derive(Clone)]
enum Kind {
    ApiToken(SecretString),
    ApiKey { email: String, key: SecretString },
    UserServiceKey(SecretString),
}

impl Credentials {
    /// An API token, sent as `Authorization: Bearer <token>` (recommended).
    pub fn api_token(token: impl Into<String>) -> Self {
        Credentials(Kind::ApiToken(SecretString::from(token.into())))
    }

    /// An account email and global API key, sent as `X-Auth-Email` and
    /// `X-Auth-Key` (legacy).
    pub fn api_key(email: impl Into<String>, key: impl Into<String>) -> Self {
        Credentials(Kind::ApiKey {
            email: email.into(),
            key: SecretString::from(key.into()),
        })
    }

    /// An Origin CA service key, sent as `X-Auth-User-Service-Key` (only a
    /// few certificate endpoints accept it).
    pub fn user_service_key(key: impl Into<String>) -> Self {
        Credentials(Kind::UserServiceKey(SecretString::from(key.into())))
    }

    /// Reads credentials from the process environment; see
    /// [`Credentials::from_env_vars`].
    pub fn from_env() -> Result<Self, Error> {
        Self::from_env_vars(|name| std::env::var(name).ok())
    }

    /// Reads credentials through `lookup`: [`API_TOKEN_VAR`] when set,
    /// otherwise [`EMAIL_VAR`] and [`API_KEY_VAR`] together. Empty values
    /// count as unset and surrounding whitespace is trimmed.
    pub fn from_env_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let var = |name: &str| {
            lookup(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        if let Some(token) = var(API_TOKEN_VAR) {
            return Ok(Self::api_token(token));
        }
        match (var(EMAIL_VAR), var(API_KEY_VAR)) {
            (Some(email), Some(key)) => Ok(Self::api_key(email, key)),
            (Some(_), None) => Err(Error::config(format!(
                "{EMAIL_VAR} is set but {API_KEY_VAR} is not"
            ))),
            (None, Some(_)) => Err(Error::config(format!(
                "{API_KEY_VAR} is set but {EMAIL_VAR} is not"
            ))),
            (None, None) => Err(Error::config(format!(
                "no Cloudflare credentials: set {API_TOKEN_VAR}, or {EMAIL_VAR} and {API_KEY_VAR}"
            ))),
        }
    }

    /// The authentication headers, values marked sensitive.
    pub(crate) fn headers(&self) -> Result<HeaderMap, Error> {
        let mut headers = HeaderMap::new();
        match &self.0 {
            Kind::ApiToken(token) => {
                let value = format!("Bearer {}", token.expose_secret());
                headers.insert(AUTHORIZATION, sensitive(&value, "the API token")?);
            }
            Kind::ApiKey { email, key } => {
                headers.insert(X_AUTH_EMAIL, sensitive(email, "the account email")?);
                headers.insert(X_AUTH_KEY, sensitive(key.expose_secret(), "the API key")?);
            }
            Kind::UserServiceKey(key) => {
                headers.insert(
                    X_AUTH_USER_SERVICE_KEY,
                    sensitive(key.expose_secret(), "the service key")?,
                );
            }
        }
        Ok(headers)
    }
}

/// A header value marked sensitive, so that `Debug` of the header map and
/// HTTP/2 header compression leave it alone. The error never includes the
/// value.
fn sensitive(value: &str, what: &str) -> Result<HeaderValue, Error> {
    let mut header = HeaderValue::from_str(value).map_err(|_| {
        Error::config(format!(
            "{what} contains characters not allowed in an HTTP header"
        ))
    })?;
    header.set_sensitive(true);
    Ok(header)
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::ApiToken(_) => f.write_str("Credentials::ApiToken(<redacted>)"),
            Kind::ApiKey { email, .. } => write!(
                f,
                "Credentials::ApiKey {{ email: {email:?}, key: <redacted> }}"
            ),
            Kind::UserServiceKey(_) => f.write_str("Credentials::UserServiceKey(<redacted>)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    fn header(credentials: &Credentials, name: &str) -> Option<String> {
        let headers = credentials.headers().unwrap();
        headers.get(name).map(|v| v.to_str().unwrap().to_owned())
    }

    #[test]
    fn token_wins_over_email_and_key() {
        let lookup = env(&[
            (API_TOKEN_VAR, " tok-123\n"),
            (EMAIL_VAR, "a@b.c"),
            (API_KEY_VAR, "k"),
        ]);
        let credentials = Credentials::from_env_vars(lookup).unwrap();
        assert_eq!(
            header(&credentials, "authorization").as_deref(),
            Some("Bearer tok-123")
        );
        assert_eq!(header(&credentials, "x-auth-key"), None);
    }

    #[test]
    fn email_and_key_together() {
        let lookup = env(&[
            (API_TOKEN_VAR, ""),
            (EMAIL_VAR, "a@b.c"),
            (API_KEY_VAR, "key-456"),
        ]);
        let credentials = Credentials::from_env_vars(lookup).unwrap();
        assert_eq!(
            header(&credentials, "x-auth-email").as_deref(),
            Some("a@b.c")
        );
        assert_eq!(
            header(&credentials, "x-auth-key").as_deref(),
            Some("key-456")
        );
        assert_eq!(header(&credentials, "authorization"), None);
    }

    #[test]
    fn missing_variables_are_named() {
        let message = |pairs| {
            Credentials::from_env_vars(env(pairs))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            message(&[]),
            "invalid configuration: no Cloudflare credentials: set CLOUDFLARE_API_TOKEN, \
             or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY"
        );
        assert_eq!(
            message(&[(EMAIL_VAR, "a@b.c")]),
            "invalid configuration: CLOUDFLARE_EMAIL is set but CLOUDFLARE_API_KEY is not"
        );
        assert_eq!(
            message(&[(API_KEY_VAR, "k")]),
            "invalid configuration: CLOUDFLARE_API_KEY is set but CLOUDFLARE_EMAIL is not"
        );
    }

    #[test]
    fn header_values_are_sensitive() {
        let headers = Credentials::api_key("a@b.c", "key").headers().unwrap();
        assert!(headers.values().all(HeaderValue::is_sensitive));
        let headers = Credentials::api_token("tok").headers().unwrap();
        assert!(headers.values().all(HeaderValue::is_sensitive));
    }

    #[test]
    fn invalid_header_characters_do_not_leak_the_secret() {
        let error = Credentials::api_token("sec\u{7f}ret")
            .headers()
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "invalid configuration: the API token contains characters not allowed in an HTTP header"
        );
    }
}
