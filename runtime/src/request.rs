//! Requests: what generated code hands to the client for one operation.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use percent_encoding::utf8_percent_encode;
use reqwest::Method;
use serde::Serialize;

use crate::Error;
use crate::path::SEGMENT;

/// One API call: operation id, method, path, query, headers and body.
///
/// The body is serialized once, so retries resend the same bytes.
///
/// ```
/// use cfgen_runtime::{Method, Request, encode_path};
///
/// let keys = vec!["a".to_owned(), "b".to_owned()];
/// let request = Request::new(
///     "workers-kv-namespace-delete-multiple-key-value-pairs",
///     Method::POST,
///     format!("/accounts/{}/storage/kv/namespaces/{}/bulk/delete", encode_path("acc"), encode_path("ns")),
/// )
/// .json(&keys)?;
/// assert_eq!(request.body(), Some(&b"[\"a\",\"b\"]"[..]));
/// # Ok::<(), cfgen_runtime::Error>(())
/// ```
#[derive(Clone)]
pub struct Request {
    operation: Cow<'static, str>,
    method: Method,
    path: String,
    query: Vec<(Cow<'static, str>, String)>,
    headers: Vec<(Cow<'static, str>, String)>,
    body: Option<Body>,
}

#[derive(Clone)]
pub(crate) struct Body {
    pub(crate) content_type: Cow<'static, str>,
    pub(crate) bytes: Bytes,
}

impl Request {
    /// A request for `operation` (the OpenAPI operation id, used in tracing
    /// and errors) to `path`, which is appended to the client's base URL and
    /// must already be percent-encoded (see [`encode_path`](crate::encode_path)).
    pub fn new(
        operation: impl Into<Cow<'static, str>>,
        method: Method,
        path: impl Into<String>,
    ) -> Self {
        Request {
            operation: operation.into(),
            method,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// Adds a query parameter; repeat the call for repeated parameters.
    ///
    /// The value is sent exactly: every character but letters, digits and
    /// `-._~` is percent-encoded, a space as `%20` and `+` as `%2B`, so a
    /// server reads the same text whether it decodes the query as a URL
    /// (RFC 3986) or as a form (where a bare `+` would be a space). Opaque
    /// values such as pagination cursors depend on this.
    pub fn query(mut self, name: impl Into<Cow<'static, str>>, value: impl ToString) -> Self {
        self.query.push((name.into(), value.to_string()));
        self
    }

    /// Adds a header. An invalid name or value is reported as
    /// [`Error::InvalidInput`] when the request is sent. The client's
    /// authentication headers replace any header of the same name.
    pub fn header(mut self, name: impl Into<Cow<'static, str>>, value: impl ToString) -> Self {
        self.headers.push((name.into(), value.to_string()));
        self
    }

    /// Serializes `body` as the JSON body.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| {
            Error::invalid_input("body", format!("cannot be serialized as JSON: {e}"))
        })?;
        self.body = Some(Body {
            content_type: Cow::Borrowed("application/json"),
            bytes: Bytes::from(bytes),
        });
        Ok(self)
    }

    /// Sets a non-JSON body with its content type.
    pub fn body_bytes(
        mut self,
        content_type: impl Into<Cow<'static, str>>,
        bytes: impl Into<Bytes>,
    ) -> Self {
        self.body = Some(Body {
            content_type: content_type.into(),
            bytes: bytes.into(),
        });
        self
    }

    /// The operation id.
    pub fn operation(&self) -> &str {
        &self.operation
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The encoded path, relative to the base URL.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query parameters, in the order they were added.
    pub fn query_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.query.iter().map(|(k, v)| (k.as_ref(), v.as_str()))
    }

    /// The body bytes, if any.
    pub fn body(&self) -> Option<&[u8]> {
        self.body.as_ref().map(|b| b.bytes.as_ref())
    }

    /// The encoded query string, without the `?`, or `None` when there are
    /// no parameters.
    pub(crate) fn query_string(&self) -> Option<String> {
        let mut pairs = self.query.iter().map(|(name, value)| {
            format!(
                "{}={}",
                utf8_percent_encode(name, SEGMENT),
                utf8_percent_encode(value, SEGMENT)
            )
        });
        let first = pairs.next()?;
        Some(pairs.fold(first, |query, pair| query + "&" + &pair))
    }

    pub(crate) fn operation_cow(&self) -> Cow<'static, str> {
        self.operation.clone()
    }

    pub(crate) fn headers(&self) -> &[(Cow<'static, str>, String)] {
        &self.headers
    }

    pub(crate) fn body_parts(&self) -> Option<&Body> {
        self.body.as_ref()
    }
}

/// Shows the body's length and content type only: bodies can be large and
/// hold user data.
impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = self
            .body
            .as_ref()
            .map(|b| format!("{} bytes of {}", b.bytes.len(), b.content_type));
        f.debug_struct("Request")
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &self.headers)
            .field("body", &body)
            .finish()
    }
}
