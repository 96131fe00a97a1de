//! Tracing output: one span per request with operation, method and path, an
//! event per retry, and never credentials or bodies.
//!
//! A separate test binary because it installs a (thread-local) subscriber.

use std::fmt::{self, Write as _};
use std::sync::{Arc, Mutex};

use cfgen_runtime::{Client, ManualTimer, Method, Request};
use testkit::{MockServer, Reply};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

const TOKEN: &str = "tok-SECRET-tracing";
const BODY_MARKER: &str = "key-BODY-MARKER";

/// Records the name and fields of every span and event as text.
#[derive(Clone, Default)]
struct Capture {
    lines: Arc<Mutex<Vec<String>>>,
    next_id: Arc<Mutex<u64>>,
}

struct Line<'a>(&'a mut String);

impl Visit for Line<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut line = format!("span {}", span.metadata().name());
        span.record(&mut Line(&mut line));
        self.lines.lock().unwrap().push(line);
        let mut next = self.next_id.lock().unwrap();
        *next += 1;
        Id::from_u64(*next)
    }

    fn record(&self, _: &Id, values: &Record<'_>) {
        let mut line = "record".to_owned();
        values.record(&mut Line(&mut line));
        self.lines.lock().unwrap().push(line);
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut line = format!("event {}", event.metadata().level());
        event.record(&mut Line(&mut line));
        self.lines.lock().unwrap().push(line);
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

#[tokio::test]
async fn spans_and_events_name_the_operation_but_never_secrets() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let server = MockServer::with_replies([
        Reply::api_error(429, 10000, "slow down").with_header("retry-after", "3"),
        Reply::success(serde_json::json!({})),
    ])
    .await;
    let client = Client::builder()
        .base_url(server.url())
        .api_token(TOKEN)
        .timer(ManualTimer::new())
        .build()
        .unwrap();
    let request = Request::new("kv-bulk-delete", Method::POST, "/accounts/acc/bulk/delete")
        .json(&[BODY_MARKER])
        .unwrap();
    let _: serde_json::Value = client.send(request).await.unwrap();

    let lines = capture.lines.lock().unwrap().join("\n");
    assert!(
        lines.contains(
            "span cloudflare_request operation=kv-bulk-delete method=POST path=/accounts/acc/bulk/delete"
        ),
        "{lines}"
    );
    assert!(lines.contains("attempt=1 delay_ms=3000"), "{lines}");
    // Everyone waits for that answer's deadline, and the pause is logged.
    assert!(
        lines.contains(
            "event INFO message=pausing all requests delay_ms=3000 reason=the server asked to wait (429 Too Many Requests)"
        ),
        "{lines}"
    );
    assert!(lines.contains("attempt=2 status=200"), "{lines}");
    assert!(!lines.contains(TOKEN), "token in tracing output:\n{lines}");
    assert!(
        !lines.contains("SECRET"),
        "secret in tracing output:\n{lines}"
    );
    assert!(
        !lines.contains(BODY_MARKER),
        "body in tracing output:\n{lines}"
    );
}
