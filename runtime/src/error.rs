//! Errors: the one [`Error`] type every call returns, and what the server said.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

/// Everything that can go wrong when calling the Cloudflare API.
///
/// Match on [`Error::kind`] to decide what to do; the variants carry the
/// details. Nothing the server said is dropped: API errors keep every
/// `errors[]` and `messages[]` item of the envelope and the start of the body.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument broke a constraint of the API description, so no request
    /// was sent.
    #[error("invalid input `{field}`: {reason}")]
    InvalidInput {
        /// The parameter or field at fault, such as `body[3]`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The client could not be configured (missing or invalid environment
    /// variables, a zero rate limit, ...).
    #[error("invalid configuration: {reason}")]
    Config {
        /// What is wrong.
        reason: String,
    },
    /// The base URL cannot be used: not a URL, not https (plain http is
    /// accepted only for loopback hosts), or holding a user name, password,
    /// query or fragment. Its [`kind`](Error::kind) is [`ErrorKind::Config`].
    #[error(
        "invalid base url `{url}`{}: {reason}",
        .variable.map(|name| format!(" (from {name})")).unwrap_or_default()
    )]
    BaseUrl {
        /// The URL with any user info, query and fragment replaced by
        /// `<redacted>`, so that the error never carries a secret.
        url: String,
        /// The environment variable it came from, if any.
        variable: Option<&'static str>,
        /// What is wrong with it.
        reason: String,
    },
    /// The request did not get an HTTP answer: connecting failed, the
    /// connection dropped, or an attempt timed out.
    #[error(transparent)]
    Transport(Box<TransportError>),
    /// The server answered with an error status, or with `"success": false`.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// A successful answer whose body does not match the expected type.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// The server asked the client to wait longer than
    /// [`RetryPolicy::max_server_wait`](crate::RetryPolicy::max_server_wait)
    /// (a 429 during Cloudflare's five-minute block, say), so the client
    /// gave up instead of waiting. The request that got that answer fails
    /// with it, and so does every request of the client (clones included)
    /// that would start before the wait is over, without being sent
    /// ([`Error::attempts`] is then 0). See [`WaitTooLong`].
    #[error(transparent)]
    WaitTooLong(Box<WaitTooLong>),
    /// Reading a list page by page stopped because the server's answers
    /// cannot be followed: a cursor it sent before, a page it was not asked
    /// for, or pages without end. See [`paginate`](crate::paginate).
    #[error("{operation}: {reason}")]
    Pagination {
        /// The operation id of the list.
        operation: Cow<'static, str>,
        /// What the server did.
        reason: String,
    },
}

/// Broad classes of [`Error`], for callers that branch on what happened
/// without parsing messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An argument broke a constraint; nothing was sent.
    InvalidInput,
    /// The client configuration is missing or invalid.
    Config,
    /// The credentials were refused (401 or 403).
    Auth,
    /// The resource does not exist (404).
    NotFound,
    /// Too many requests (429), including [`Error::WaitTooLong`] after one.
    RateLimited,
    /// The server failed (5xx).
    Server,
    /// Any other 4xx answer, such as a validation error.
    Client,
    /// The API reported a failure on a status that is not an error status,
    /// such as `"success": false` on a 200.
    Api,
    /// Connecting or talking to the server failed.
    Transport,
    /// An attempt took longer than the configured timeout.
    Timeout,
    /// A successful answer could not be decoded into the expected type.
    Decode,
    /// Paging through a list stopped: the server repeated a cursor or
    /// would not stop.
    Pagination,
}

impl Error {
    /// Builds an [`Error::InvalidInput`]; generated code uses this for
    /// constraints the [`validate`](crate::validate) helpers do not cover.
    pub fn invalid_input(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn pagination(
        operation: impl Into<Cow<'static, str>>,
        reason: impl Into<String>,
    ) -> Self {
        Error::Pagination {
            operation: operation.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn config(reason: impl Into<String>) -> Self {
        Error::Config {
            reason: reason.into(),
        }
    }

    /// The class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidInput { .. } => ErrorKind::InvalidInput,
            Error::Config { .. } | Error::BaseUrl { .. } => ErrorKind::Config,
            Error::WaitTooLong(e) => kind_of_status(e.status),
            Error::Transport(e) if e.source.is_timeout() => ErrorKind::Timeout,
            Error::Transport(_) => ErrorKind::Transport,
            Error::Api(e) => kind_of_status(e.status),
            Error::Decode(_) => ErrorKind::Decode,
            Error::Pagination { .. } => ErrorKind::Pagination,
        }
    }

    /// The HTTP status of the answer this request got, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            Error::WaitTooLong(e) => e.answer.as_ref().map(|answer| answer.status),
            _ => None,
        }
    }

    /// How long the server asked the client to wait before trying again
    /// (`Retry-After`, or a `RateLimit` header with nothing remaining).
    /// [`Duration::MAX`] stands for a `Retry-After` that could not be read.
    /// For [`Error::WaitTooLong`], the part of the wait still ahead when the
    /// error was made.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api(e) => e.retry_after,
            Error::WaitTooLong(e) => Some(e.wait),
            _ => None,
        }
    }

    /// Whether this is [`Error::WaitTooLong`]: the server asked for a longer
    /// wait than the client accepts, so this request and every one that
    /// would start before the wait is over fail without waiting (and those
    /// never sent have [`attempts`](Error::attempts) 0).
    pub fn is_wait_too_long(&self) -> bool {
        matches!(self, Error::WaitTooLong(_))
    }

    /// Whether trying the same request again later may succeed: transport
    /// failures, timeouts, 429 and 5xx answers, and [`Error::WaitTooLong`]
    /// (once the wait is over).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport(e) => !e.source.is_builder(),
            Error::Api(e) => {
                e.status == StatusCode::TOO_MANY_REQUESTS || e.status.is_server_error()
            }
            Error::WaitTooLong(_) => true,
            _ => false,
        }
    }

    /// The operation id of the request, when one was sent.
    pub fn operation(&self) -> Option<&str> {
        match self {
            Error::Transport(e) => Some(&e.operation),
            Error::Api(e) => Some(&e.operation),
            Error::Decode(e) => Some(&e.operation),
            Error::WaitTooLong(e) => Some(&e.operation),
            Error::Pagination { operation, .. } => Some(operation),
            _ => None,
        }
    }

    /// How many attempts were made before giving up (0 when nothing was sent).
    pub fn attempts(&self) -> u32 {
        match self {
            Error::Transport(e) => e.attempts,
            Error::Api(e) => e.attempts,
            Error::Decode(e) => e.attempts,
            Error::WaitTooLong(e) => e.attempts,
            _ => 0,
        }
    }

    /// The API error, when the server answered this request with one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            Error::WaitTooLong(e) => e.answer.as_ref(),
            _ => None,
        }
    }
}

fn kind_of_status(status: StatusCode) -> ErrorKind {
    match status.as_u16() {
        401 | 403 => ErrorKind::Auth,
        404 => ErrorKind::NotFound,
        429 => ErrorKind::RateLimited,
        500..=599 => ErrorKind::Server,
        400..=499 => ErrorKind::Client,
        _ => ErrorKind::Api,
    }
}

/// The request got no HTTP answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub struct TransportError {
    /// The operation id of the request.
    pub operation: Cow<'static, str>,
    /// How many attempts were made, this one included.
    pub attempts: u32,
    /// The underlying HTTP client error.
    #[source]
    pub source: reqwest::Error,
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = describe_transport(&self.source);
        write!(f, "{}: {what}", self.operation)?;
        write_attempts(f, self.attempts)
    }
}

fn describe_transport(source: &reqwest::Error) -> &'static str {
    if source.is_timeout() {
        "the request timed out"
    } else if source.is_connect() {
        "could not connect to the server"
    } else if source.is_body() || source.is_decode() {
        "reading the response failed"
    } else if source.is_builder() {
        "the request could not be built"
    } else {
        "the connection failed"
    }
}

/// The server answered with an error status, or with `"success": false`.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub struct ApiError {
    /// The operation id of the request.
    pub operation: Cow<'static, str>,
    /// The HTTP status of the answer.
    pub status: StatusCode,
    /// Every item of the envelope's `errors` array, in order.
    pub errors: Vec<ApiMessage>,
    /// Every item of the envelope's `messages` array, in order.
    pub messages: Vec<ApiMessage>,
    /// The start of the body (up to [`BODY_START_LIMIT`] bytes, decoded as
    /// lossy UTF-8 and cut on a character boundary), kept whether or not it
    /// was a JSON envelope, so answers from proxies are not lost.
    pub body: String,
    /// How long the server asked the client to wait, from `Retry-After` or
    /// the `RateLimit` headers.
    pub retry_after: Option<Duration>,
    /// How many attempts were made, this one included.
    pub attempts: u32,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed with status {}", self.operation, self.status)?;
        if self.errors.is_empty() {
            write!(f, ", body starts with {:?}", self.body)?;
        } else {
            f.write_str(": ")?;
            write_messages(f, &self.errors)?;
        }
        if let Some(wait) = self.retry_after {
            write!(f, " (server asked to retry after {})", Wait(wait))?;
        }
        write_attempts(f, self.attempts)
    }
}

/// The server asked for a longer wait than the client accepts; see
/// [`Error::WaitTooLong`].
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub struct WaitTooLong {
    /// The operation id of this request.
    pub operation: Cow<'static, str>,
    /// The part of the server's wait still ahead when this error was made
    /// ([`Duration::MAX`] when the `Retry-After` could not be read).
    pub wait: Duration,
    /// The longest wait the client accepts
    /// ([`RetryPolicy::max_server_wait`](crate::RetryPolicy::max_server_wait)).
    pub max_server_wait: Duration,
    /// The status of the answer that asked for the wait, which may have
    /// been another request's (429 for Cloudflare's rate-limit block).
    pub status: StatusCode,
    /// How many times this request was sent (0: never, because another
    /// request's answer had already asked for the wait).
    pub attempts: u32,
    /// The answer this request got, when it was the one asking for the
    /// wait.
    pub answer: Option<ApiError>,
}

impl fmt::Display for WaitTooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let max = Wait(self.max_server_wait);
        match &self.answer {
            Some(answer) => write!(
                f,
                "{answer}; not retried: that is longer than the {max} this client waits"
            ),
            None => write!(
                f,
                "{} not sent: the server ({}) asked this client to wait {}, longer than the {max} it waits",
                self.operation,
                self.status,
                Wait(self.wait)
            ),
        }
    }
}

/// Shows a wait rounded up to whole seconds when it is that long, and names
/// the stand-in for an unreadable `Retry-After`.
struct Wait(Duration);

impl fmt::Display for Wait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Wait(wait) = *self;
        if wait == Duration::MAX {
            return f.write_str("an unreadable time");
        }
        let whole = Duration::from_secs(wait.as_secs());
        match wait {
            wait if wait < Duration::from_secs(1) => write!(f, "{wait:?}"),
            wait if wait == whole => write!(f, "{wait:?}"),
            _ => write!(f, "{:?}", whole + Duration::from_secs(1)),
        }
    }
}

fn write_messages(f: &mut fmt::Formatter<'_>, items: &[ApiMessage]) -> fmt::Result {
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            f.write_str("; ")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

fn write_attempts(f: &mut fmt::Formatter<'_>, attempts: u32) -> fmt::Result {
    if attempts > 1 {
        write!(f, " (after {attempts} attempts)")?;
    }
    Ok(())
}

/// A successful answer whose body does not match the expected type.
#[derive(Debug, thiserror::Error)]
#[error("{operation}: cannot decode the {status} answer: {source}; body starts with {body:?}")]
#[non_exhaustive]
pub struct DecodeError {
    /// The operation id of the request.
    pub operation: Cow<'static, str>,
    /// The HTTP status of the answer.
    pub status: StatusCode,
    /// The start of the body, as in [`ApiError::body`].
    pub body: String,
    /// How many attempts were made, this one included.
    pub attempts: u32,
    /// What serde reported.
    #[source]
    pub source: serde_json::Error,
}

/// One item of the envelope's `errors` or `messages` arrays.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ApiMessage {
    /// Cloudflare's numeric error or message code.
    #[serde(default)]
    pub code: i64,
    /// The human-readable text.
    #[serde(default)]
    pub message: String,
    /// A link to documentation about this error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_url: Option<String>,
    /// Where in the request the problem is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ApiMessageSource>,
}

impl fmt::Display for ApiMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.code, self.message)?;
        if let Some(pointer) = self.source.as_ref().and_then(|s| s.pointer.as_deref()) {
            write!(f, " (at {pointer})")?;
        }
        Ok(())
    }
}

/// Where in the request an [`ApiMessage`] points.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ApiMessageSource {
    /// A JSON pointer into the request body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
}

/// How many bytes of a body [`ApiError::body`] and [`DecodeError::body`] keep.
pub const BODY_START_LIMIT: usize = 512;

/// The first [`BODY_START_LIMIT`] bytes of `body` as text, cut on a UTF-8
/// character boundary so that a multi-byte character is never split.
pub(crate) fn body_start(body: &[u8]) -> String {
    let mut end = body.len().min(BODY_START_LIMIT);
    // Step back over continuation bytes (10xxxxxx) to the start of the
    // character that straddles the limit.
    while end < body.len() && end > 0 && body[end] & 0xC0 == 0x80 {
        end -= 1;
    }
    String::from_utf8_lossy(&body[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_start_keeps_short_bodies_whole() {
        assert_eq!(
            body_start(b"<html>bad gateway</html>"),
            "<html>bad gateway</html>"
        );
    }

    #[test]
    fn body_start_cuts_on_a_char_boundary() {
        // 511 ASCII bytes then a 3-byte character straddling the limit.
        let mut body = vec![b'a'; 511];
        body.extend_from_slice("€uro".as_bytes());
        let start = body_start(&body);
        assert_eq!(start.len(), 511);
        assert!(start.chars().all(|c| c == 'a'));
    }

    #[test]
    fn body_start_is_lossy_on_invalid_utf8() {
        assert_eq!(body_start(&[b'o', b'k', 0xFF]), "ok\u{FFFD}");
    }

    #[test]
    fn status_kinds() {
        let kinds: Vec<_> = [401, 403, 404, 429, 500, 503, 400, 422, 200, 302]
            .into_iter()
            .map(|s| kind_of_status(StatusCode::from_u16(s).unwrap()))
            .collect();
        use ErrorKind::*;
        assert_eq!(
            kinds,
            [
                Auth,
                Auth,
                NotFound,
                RateLimited,
                Server,
                Server,
                Client,
                Client,
                Api,
                Api
            ]
        );
    }

    #[test]
    fn waits_are_shown_rounded_up_to_seconds() {
        let shown = |wait| Wait(wait).to_string();
        assert_eq!(shown(Duration::from_secs(300)), "300s");
        assert_eq!(shown(Duration::from_millis(299_001)), "300s");
        assert_eq!(shown(Duration::from_millis(250)), "250ms");
        assert_eq!(shown(Duration::MAX), "an unreadable time");
    }

    #[test]
    fn api_message_display_includes_pointer() {
        let message = ApiMessage {
            code: 10001,
            message: "bad key".into(),
            documentation_url: None,
            source: Some(ApiMessageSource {
                pointer: Some("/0".into()),
            }),
        };
        assert_eq!(message.to_string(), "[10001] bad key (at /0)");
    }
}
