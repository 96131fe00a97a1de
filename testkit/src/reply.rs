//! Scripted replies and the Cloudflare envelope helpers.

use std::time::Duration;

use bytes::Bytes;
use serde_json::{Value, json};

use crate::Gate;

/// One scripted answer of the [`MockServer`](crate::MockServer).
#[derive(Debug, Clone)]
pub struct Reply {
    pub(crate) action: Action,
    pub(crate) delay: Duration,
    pub(crate) gate: Option<Gate>,
}

#[derive(Debug, Clone)]
pub(crate) enum Action {
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Bytes,
    },
    DropConnection,
}

impl Reply {
    /// An answer with `status`, no headers and an empty body.
    pub fn status(status: u16) -> Self {
        Reply::bytes(status, None, Bytes::new())
    }

    /// An answer with a JSON body and `content-type: application/json`.
    pub fn json(status: u16, body: Value) -> Self {
        Reply::bytes(status, Some("application/json"), body.to_string())
    }

    /// An answer with a text body of the given content type.
    pub fn text(status: u16, content_type: &str, body: impl Into<String>) -> Self {
        Reply::bytes(status, Some(content_type), body.into())
    }

    /// An HTML answer, like the error pages proxies send.
    pub fn html(status: u16, body: impl Into<String>) -> Self {
        Reply::text(status, "text/html; charset=UTF-8", body)
    }

    /// An answer with raw body bytes and an optional content type.
    pub fn bytes(status: u16, content_type: Option<&str>, body: impl Into<Bytes>) -> Self {
        let headers = content_type
            .map(|ct| vec![("content-type".to_owned(), ct.to_owned())])
            .unwrap_or_default();
        Reply {
            action: Action::Respond {
                status,
                headers,
                body: body.into(),
            },
            delay: Duration::ZERO,
            gate: None,
        }
    }

    /// A 200 Cloudflare envelope: `{"success": true, "errors": [],
    /// "messages": [], "result": result}`.
    pub fn success(result: Value) -> Self {
        Reply::json(
            200,
            json!({"success": true, "errors": [], "messages": [], "result": result}),
        )
    }

    /// A failed Cloudflare envelope with one error item.
    pub fn api_error(status: u16, code: i64, message: &str) -> Self {
        Reply::api_errors(status, [json!({"code": code, "message": message})])
    }

    /// A failed Cloudflare envelope with the given `errors` items (JSON
    /// objects such as `{"code": 10001, "message": "..."}`).
    pub fn api_errors(status: u16, errors: impl IntoIterator<Item = Value>) -> Self {
        let errors: Vec<Value> = errors.into_iter().collect();
        Reply::json(
            status,
            json!({"success": false, "errors": errors, "messages": [], "result": null}),
        )
    }

    /// Closes the connection after reading the request, without answering.
    pub fn drop_connection() -> Self {
        Reply {
            action: Action::DropConnection,
            delay: Duration::ZERO,
            gate: None,
        }
    }

    /// Adds a header to the answer.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        if let Action::Respond { headers, .. } = &mut self.action {
            headers.push((name.to_owned(), value.to_owned()));
        }
        self
    }

    /// Waits `delay` (real time) before answering or dropping.
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Waits until `gate` is open (after any delay) before answering or
    /// dropping. The request is recorded, and a handler has seen it, as
    /// soon as it arrives.
    pub fn held_by(mut self, gate: &Gate) -> Self {
        self.gate = Some(gate.clone());
        self
    }
}
