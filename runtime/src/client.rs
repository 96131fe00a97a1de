//! The client: sends [`Request`]s with authentication, retries, the
//! client-side rate limit and tracing, and turns answers into results.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use backon::Retryable;
use bytes::Bytes;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::builder::ClientBuilder;
use crate::envelope::Envelope;
use crate::error::{ApiError, DecodeError, TransportError, body_start};
use crate::request::Request;
use crate::timer::Timer;
use crate::{Credentials, Error, RateLimit, RetryPolicy, server_wait};

/// A Cloudflare API client. Generated operation functions take `&Client`.
///
/// Cheap to clone: clones share the connection pool and the client-side rate
/// limit.
///
/// ```no_run
/// # async fn run() -> Result<(), cfgen_runtime::Error> {
/// use cfgen_runtime::{Client, Method, Request};
///
/// let client = Client::from_env()?;
/// let ips: serde_json::Value = client.send(Request::new("cloudflare-i-ps-cloudflare-ip-details", Method::GET, "/ips")).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: Url,
    pub(crate) credentials: Option<Credentials>,
    pub(crate) auth_headers: HeaderMap,
    pub(crate) retry_policy: RetryPolicy,
    pub(crate) connect_timeout: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) rate_limit: Option<RateLimit>,
    pub(crate) timer: Arc<dyn Timer>,
}

/// What the caller will do with a successful body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// JSON: a 2xx envelope with `"success": false` is an error.
    Json,
    /// Raw bytes: the body is opaque data, never read as an envelope.
    Bytes,
}

/// A request checked and encoded once, then sent by every attempt.
struct Prepared {
    method: Method,
    url: Url,
    headers: HeaderMap,
    body: Option<Bytes>,
    operation: Cow<'static, str>,
    expect: Expect,
}

/// An attempt or the retry loop, boxed so that `Send` is proven where the
/// future is made.
type AttemptFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Answer, Error>> + Send>>;

/// A successful answer.
struct Answer {
    status: StatusCode,
    body: Bytes,
    attempts: u32,
}

impl Client {
    /// A builder with the defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client configured from `CLOUDFLARE_API_TOKEN` (or `CLOUDFLARE_EMAIL`
    /// and `CLOUDFLARE_API_KEY`) and optionally `CLOUDFLARE_BASE_URL`.
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env()?.build()
    }

    pub(crate) fn from_inner(inner: Inner) -> Client {
        Client {
            inner: Arc::new(inner),
        }
    }

    /// The base URL request paths are appended to.
    pub fn base_url(&self) -> &str {
        self.inner.base_url.as_str().trim_end_matches('/')
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry_policy
    }

    /// Sends `request` and decodes the whole JSON body as `T` (for Cloudflare
    /// operations, usually a type that includes the envelope).
    ///
    /// A 2xx answer whose envelope says `"success": false` is an
    /// [`Error::Api`]; a body that does not match `T` is an
    /// [`Error::Decode`].
    pub async fn send<T: DeserializeOwned>(&self, request: Request) -> Result<T, Error> {
        let operation = request.operation_cow();
        let answer = self.execute(request, Expect::Json).await?;
        serde_json::from_slice(&answer.body).map_err(|source| {
            Error::Decode(Box::new(DecodeError {
                operation,
                status: answer.status,
                body: body_start(&answer.body),
                attempts: answer.attempts,
                source,
            }))
        })
    }

    /// Sends `request` and returns the raw body of a 2xx answer, which is
    /// never interpreted as an envelope (it may be a stored value).
    pub async fn send_bytes(&self, request: Request) -> Result<Bytes, Error> {
        Ok(self.execute(request, Expect::Bytes).await?.body)
    }

    /// Sends `request` when no answer body is expected. A 2xx JSON envelope
    /// with `"success": false` is still an [`Error::Api`].
    pub async fn send_empty(&self, request: Request) -> Result<(), Error> {
        self.execute(request, Expect::Json).await.map(drop)
    }

    /// Checks and encodes the request, then sends it inside its span. The
    /// request is taken by value so the future borrows nothing but `self`.
    async fn execute(&self, request: Request, expect: Expect) -> Result<Answer, Error> {
        let span = tracing::info_span!(
            "cloudflare_request",
            operation = %request.operation(),
            method = %request.method(),
            path = %request.path(),
        );
        let prepared = self.prepare(&request, expect)?;
        drop(request);
        self.send_with_retries(prepared).instrument(span).await
    }

    /// Runs the attempts. The closures own their captures, and each attempt
    /// and the retry loop are boxed as `Send` futures: without that, rustc
    /// cannot prove the `send` future `Send` (auto traits over higher-ranked
    /// lifetimes held across an await), and callers need `Send` for
    /// `tokio::spawn`. A test in `tests/behaviour/requests.rs` pins this. Two
    /// allocations per request are nothing next to an HTTP round trip.
    async fn send_with_retries(&self, prepared: Prepared) -> Result<Answer, Error> {
        let prepared = Arc::new(prepared);
        let attempts = Arc::new(AtomicU32::new(0));
        let attempt = {
            let (client, attempts) = (self.clone(), Arc::clone(&attempts));
            move || {
                let number = attempts.fetch_add(1, Ordering::Relaxed) + 1;
                let (client, prepared) = (client.clone(), Arc::clone(&prepared));
                let future: AttemptFuture =
                    Box::pin(async move { client.attempt(&prepared, number).await });
                future
            }
        };
        let policy = self.inner.retry_policy.clone();
        let timer = Arc::clone(&self.inner.timer);
        let notify_attempts = Arc::clone(&attempts);
        let retrying: AttemptFuture = Box::pin(
            attempt
                .retry(policy.backoff())
                .sleep(move |delay| timer.sleep(delay))
                .when(Error::is_retryable)
                .adjust(move |error: &Error, backoff| policy.next_delay(error, backoff))
                .notify(move |error: &Error, delay: Duration| {
                    tracing::info!(
                        attempt = notify_attempts.load(Ordering::Relaxed),
                        delay_ms = delay.as_millis() as u64,
                        %error,
                        "retrying",
                    );
                }),
        );
        let result = retrying.await;
        if let Err(error) = &result {
            tracing::debug!(attempts = attempts.load(Ordering::Relaxed), %error, "request failed");
        }
        result
    }

    async fn attempt(&self, prepared: &Prepared, number: u32) -> Result<Answer, Error> {
        if let Some(rate_limit) = &self.inner.rate_limit {
            rate_limit.acquire(self.inner.timer.as_ref()).await;
        }
        let transport = |source| {
            Error::Transport(Box::new(TransportError {
                operation: prepared.operation.clone(),
                attempts: number,
                source,
            }))
        };
        let mut builder = self
            .inner
            .http
            .request(prepared.method.clone(), prepared.url.clone())
            .headers(prepared.headers.clone())
            .timeout(self.inner.request_timeout);
        if let Some(body) = &prepared.body {
            builder = builder.body(body.clone());
        }
        let response = builder.send().await.map_err(transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(transport)?;
        tracing::debug!(
            attempt = number,
            status = status.as_u16(),
            bytes = body.len(),
            "answer received"
        );
        self.check_answer(prepared, number, status, &headers, body)
    }

    fn check_answer(
        &self,
        prepared: &Prepared,
        number: u32,
        status: StatusCode,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Result<Answer, Error> {
        let failed_envelope = || {
            prepared.expect == Expect::Json
                && Envelope::parse(&body).is_some_and(|envelope| envelope.success == Some(false))
        };
        if !status.is_success() || failed_envelope() {
            let retry_after = server_wait::requested_wait(headers, self.inner.timer.system_time());
            return Err(api_error(prepared, number, status, retry_after, &body));
        }
        Ok(Answer {
            status,
            body,
            attempts: number,
        })
    }

    fn prepare(&self, request: &Request, expect: Expect) -> Result<Prepared, Error> {
        let url = self.url_for(request)?;
        let mut headers = HeaderMap::new();
        for (name, value) in request.headers() {
            let (name, value) = header(name, value)?;
            headers.append(name, value);
        }
        if let Some(body) = request.body_parts() {
            let content_type = HeaderValue::from_str(&body.content_type).map_err(|_| {
                Error::invalid_input("content type", "is not a valid HTTP header value")
            })?;
            headers.insert(CONTENT_TYPE, content_type);
        }
        if expect == Expect::Json {
            headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        }
        for (name, value) in &self.inner.auth_headers {
            headers.insert(name, value.clone());
        }
        Ok(Prepared {
            method: request.method().clone(),
            url,
            headers,
            body: request.body_parts().map(|b| b.bytes.clone()),
            operation: request.operation_cow(),
            expect,
        })
    }

    /// Appends the request path to the base URL path and adds the query. A
    /// path that URL parsing would change (dot segments, unencoded
    /// characters) is refused rather than sent to another endpoint.
    fn url_for(&self, request: &Request) -> Result<Url, Error> {
        let path = request.path();
        let separator = if path.starts_with('/') { "" } else { "/" };
        let base_path = self.inner.base_url.path().trim_end_matches('/');
        let joined = format!("{base_path}{separator}{path}");
        let mut url = self.inner.base_url.clone();
        url.set_path(&joined);
        if url.path() != joined {
            return Err(Error::invalid_input(
                "path",
                format!("`{path}` is not a normalised, percent-encoded URL path"),
            ));
        }
        url.set_query(request.query_string().as_deref());
        Ok(url)
    }
}

fn header(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), Error> {
    let header_name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| Error::invalid_input(name, "is not a valid HTTP header name"))?;
    let header_value = HeaderValue::from_str(value).map_err(|_| {
        Error::invalid_input(name, "contains characters not allowed in an HTTP header")
    })?;
    Ok((header_name, header_value))
}

fn api_error(
    prepared: &Prepared,
    attempts: u32,
    status: StatusCode,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Error {
    let envelope = Envelope::parse(body).unwrap_or_default();
    Error::Api(Box::new(ApiError {
        operation: prepared.operation.clone(),
        status,
        errors: envelope.errors,
        messages: envelope.messages,
        body: body_start(body),
        retry_after,
        attempts,
    }))
}

/// Shows the configuration; credentials are redacted.
impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Client")
            .field("base_url", &self.base_url())
            .field("credentials", &inner.credentials)
            .field("retry_policy", &inner.retry_policy)
            .field("connect_timeout", &inner.connect_timeout)
            .field("request_timeout", &inner.request_timeout)
            .field("rate_limit", &inner.rate_limit)
            .field("timer", &inner.timer)
            .finish_non_exhaustive()
    }
}
