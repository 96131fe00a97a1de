//! Responses: the envelope's `result` for the plain form of a call, and
//! [`ApiResponse`] for the `_with_response` form that also keeps the status,
//! the headers, `messages` and `result_info`.
//!
//! Generated methods come in two forms. `client.op(..)` returns what the
//! operation answers with: for Cloudflare's envelope
//! (`{success, errors, messages, result}`) that is `result`, because on
//! success `success` is `true` and `errors` is empty, so they carry nothing.
//! `client.op_with_response(..)` (or `.send_with_response()` on a request
//! builder) returns an [`ApiResponse`] around the same value. Failures are
//! the same [`Error`] in both forms.

use std::borrow::Cow;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::value::UnitDeserializer;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::client::{Answer, Expect};
use crate::envelope::lenient_messages;
use crate::error::{DecodeError, body_start};
use crate::{ApiMessage, Client, Error, Request};

/// A successful answer with everything around its value: what the
/// `_with_response` form of a generated call returns.
///
/// ```no_run
/// # async fn run(response: cfgen_runtime::ApiResponse<Option<u64>>) {
/// // The `cf-ray` header identifies the request in a support ticket.
/// println!("status {}, ray {:?}", response.status, response.cf_ray());
/// for message in &response.messages {
///     println!("cloudflare says: {}", message.message);
/// }
/// let result: Option<u64> = response.into_result();
/// # let _ = result; }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiResponse<T> {
    /// The HTTP status (2xx).
    pub status: StatusCode,
    /// The answer's headers, such as `cf-ray` and the `RateLimit` budget.
    pub headers: HeaderMap,
    /// The envelope's `messages`; empty when the answer is not an envelope.
    pub messages: Vec<ApiMessage>,
    /// The envelope's `result_info` (paging: `count`, `cursor`, `page`,
    /// `total_count`…), as sent; `None` when absent.
    pub result_info: Option<Value>,
    /// The value the plain form of the call returns: the envelope's
    /// `result`, or the whole body for operations that answer without an
    /// envelope.
    pub result: T,
}

impl<T> ApiResponse<T> {
    /// The value the plain form of the call returns.
    pub fn into_result(self) -> T {
        self.result
    }

    /// The `cf-ray` header: Cloudflare's id of this request, asked for in
    /// support tickets.
    pub fn cf_ray(&self) -> Option<&str> {
        self.headers.get("cf-ray").and_then(|v| v.to_str().ok())
    }

    /// Applies `f` to the value, keeping everything else.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> ApiResponse<U> {
        ApiResponse {
            status: self.status,
            headers: self.headers,
            messages: self.messages,
            result_info: self.result_info,
            result: f(self.result),
        }
    }
}

/// The parts of an envelope a successful call keeps. `result` is `None`
/// when the field is absent.
#[derive(Deserialize)]
#[serde(bound = "T: Deserialize<'de>")]
struct Envelope<T> {
    #[serde(default, deserialize_with = "present")]
    result: Option<T>,
    #[serde(default)]
    result_info: Option<Value>,
    #[serde(default, deserialize_with = "lenient_messages")]
    messages: Vec<ApiMessage>,
}

/// Marks a field that is present, whatever its value (`null` included), so
/// that `T` decides what `null` means.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

impl Client {
    /// Sends `request` and decodes the envelope's `result` as `T`. An absent
    /// `result` is read as if it were `null`, so `T = Option<_>` accepts both
    /// and a required `T` reports a [`Error::Decode`].
    pub async fn send_result<T: DeserializeOwned>(
        &self,
        request: Request,
    ) -> Result<ApiResponse<T>, Error> {
        let operation = request.operation_cow();
        let answer = self.execute(request, Expect::Json).await?;
        let decoded = serde_json::from_slice::<Envelope<T>>(&answer.body).and_then(|envelope| {
            let result = match envelope.result {
                Some(result) => result,
                None => T::deserialize(UnitDeserializer::<serde_json::Error>::new())
                    .map_err(|_| serde::de::Error::missing_field("result"))?,
            };
            Ok((result, envelope.messages, envelope.result_info))
        });
        match decoded {
            Ok((result, messages, result_info)) => Ok(ApiResponse {
                status: answer.status,
                headers: answer.headers,
                messages,
                result_info,
                result,
            }),
            Err(source) => Err(decode_error(operation, &answer, source)),
        }
    }

    /// Sends `request` and decodes the whole body as `T`, for operations that
    /// answer without an envelope.
    pub async fn send_json_response<T: DeserializeOwned>(
        &self,
        request: Request,
    ) -> Result<ApiResponse<T>, Error> {
        let operation = request.operation_cow();
        let answer = self.execute(request, Expect::Json).await?;
        match serde_json::from_slice(&answer.body) {
            Ok(result) => Ok(plain(answer, result)),
            Err(source) => Err(decode_error(operation, &answer, source)),
        }
    }

    /// Sends `request` when no value is expected back. When the body is an
    /// envelope, its `messages` and `result_info` are kept; any `result` is
    /// ignored.
    pub async fn send_empty_response(&self, request: Request) -> Result<ApiResponse<()>, Error> {
        let answer = self.execute(request, Expect::Json).await?;
        let envelope = serde_json::from_slice::<Envelope<IgnoredAny>>(&answer.body).ok();
        let (messages, result_info) =
            envelope.map_or_else(Default::default, |e| (e.messages, e.result_info));
        Ok(ApiResponse {
            messages,
            result_info,
            ..plain(answer, ())
        })
    }

    /// Sends `request` and returns the raw body of a 2xx answer, never read
    /// as an envelope (it may be a stored value).
    pub async fn send_bytes_response(&self, request: Request) -> Result<ApiResponse<Bytes>, Error> {
        let answer = self.execute(request, Expect::Bytes).await?;
        let body = answer.body.clone();
        Ok(plain(answer, body))
    }
}

fn plain<T>(answer: Answer, result: T) -> ApiResponse<T> {
    ApiResponse {
        status: answer.status,
        headers: answer.headers,
        messages: Vec::new(),
        result_info: None,
        result,
    }
}

/// The [`Error::Decode`] of an answer whose body does not match the expected type.
pub(crate) fn decode_error(
    operation: Cow<'static, str>,
    answer: &Answer,
    source: serde_json::Error,
) -> Error {
    Error::Decode(Box::new(DecodeError {
        operation,
        status: answer.status,
        body: body_start(&answer.body),
        attempts: answer.attempts,
        source,
    }))
}
