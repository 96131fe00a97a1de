//! The client: sends [`Request`]s with authentication, retries, client-wide
//! pacing ([`throttle`](crate::throttle)) and tracing, and turns answers into
//! results.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::builder::ClientBuilder;
use crate::envelope::Envelope;
use crate::error::WaitTooLong;
use crate::error::{ApiError, TransportError, body_start};
use crate::request::Request;
use crate::throttle::{PauseInfo, Throttle, Ticket};
use crate::timer::Timer;
use crate::{Credentials, Error, RateLimit, RetryPolicy, server_wait};

/// A Cloudflare API client. A generated client wraps one and sends every
/// operation through it.
///
/// Cheap to clone: clones share the connection pool, the client-side rate
/// limit and the client-wide pacing: when an answer asks for a wait, every
/// clone waits (see [`RetryPolicy`] and [`Client::pause`]).
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
    pub(crate) server_pacing: bool,
    pub(crate) timer: Arc<dyn Timer>,
    pub(crate) throttle: Arc<Throttle>,
}

/// What the caller will do with a successful body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expect {
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

/// A successful answer.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) attempts: u32,
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

    /// The client-wide pause in force now, if any: no request of this
    /// client (or its clones) starts before [`PauseInfo::until`]. A
    /// progress display can poll it; [`ClientBuilder::on_pause`] reports
    /// pauses as they begin.
    pub fn pause(&self) -> Option<PauseInfo> {
        self.inner.throttle.current_pause()
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
        serde_json::from_slice(&answer.body)
            .map_err(|source| crate::response::decode_error(operation, &answer, source))
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
    pub(crate) async fn execute(&self, request: Request, expect: Expect) -> Result<Answer, Error> {
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

    /// Runs the attempts: each passes the client-wide throttle, and each
    /// failure decides the wait before the next (see [`RetryPolicy`]).
    async fn send_with_retries(&self, prepared: Prepared) -> Result<Answer, Error> {
        let mut sent = 0;
        loop {
            let ticket = self
                .inner
                .throttle
                .admit(prepared.operation.clone(), sent)
                .await?;
            sent += 1;
            let error = match self.attempt(&prepared, sent, &ticket).await {
                Ok(answer) => return Ok(answer),
                Err(error) => error,
            };
            let plan = self.plan_retry(error, sent);
            // Leaving the flight wakes waiting requests: only once the pause
            // this answer asked for is in place.
            drop(ticket);
            match plan {
                Err(error) => {
                    tracing::debug!(attempts = sent, %error, "request failed");
                    return Err(error);
                }
                Ok(Some(backoff)) => self.inner.timer.sleep(backoff).await,
                // The client pauses: the throttle holds the next attempt.
                Ok(None) => {}
            }
        }
    }

    /// What to do after attempt `sent` failed: `Err` to stop, or retry
    /// after this request's own backoff (`Some`) or after the client-wide
    /// pause (`None`). A wait the server asked for (or any 429) pauses the
    /// whole client, even when this request has no attempts left, so that
    /// the others hold off too.
    fn plan_retry(&self, error: Error, sent: u32) -> Result<Option<Duration>, Error> {
        if !error.is_retryable() {
            return Err(error);
        }
        let policy = &self.inner.retry_policy;
        let last = sent >= policy.max_attempts();
        let requested = match (error.retry_after(), error.status()) {
            (Some(wait), Some(status)) => Some((wait, status)),
            (None, Some(StatusCode::TOO_MANY_REQUESTS)) => {
                Some((Duration::ZERO, StatusCode::TOO_MANY_REQUESTS))
            }
            _ => None,
        };
        let Some((requested, status)) = requested else {
            if last {
                return Err(error);
            }
            return Ok(Some(log_retry(sent, policy.backoff(sent), error)));
        };
        let Some(wait) = policy.server_wait(requested, sent) else {
            return Err(self.wait_too_long(error, requested, status, sent));
        };
        self.inner.throttle.pause(wait, status);
        if last {
            return Err(error);
        }
        log_retry(sent, wait, error);
        Ok(None)
    }

    /// Starts refusing requests and turns `error` into the
    /// [`Error::WaitTooLong`] this request returns.
    fn wait_too_long(
        &self,
        error: Error,
        requested: Duration,
        status: StatusCode,
        sent: u32,
    ) -> Error {
        let max_server_wait = self.inner.retry_policy.max_server_wait();
        self.inner
            .throttle
            .refuse(requested, status, max_server_wait);
        let Error::Api(answer) = error else {
            return error;
        };
        Error::WaitTooLong(Box::new(WaitTooLong {
            operation: answer.operation.clone(),
            wait: requested,
            max_server_wait,
            status,
            attempts: sent,
            answer: Some(*answer),
        }))
    }

    async fn attempt(
        &self,
        prepared: &Prepared,
        number: u32,
        ticket: &Ticket,
    ) -> Result<Answer, Error> {
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
        if status.is_success() {
            ticket.record_budget(server_wait::budget(
                &headers,
                self.inner.timer.system_time(),
            ));
        }
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
            headers: headers.clone(),
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

/// Logs a retry and passes the delay through.
fn log_retry(attempt: u32, delay: Duration, error: Error) -> Duration {
    tracing::info!(
        attempt,
        delay_ms = delay.as_millis() as u64,
        %error,
        "retrying",
    );
    delay
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
            .field("server_pacing", &inner.server_pacing)
            .field("timer", &inner.timer)
            .finish_non_exhaustive()
    }
}
