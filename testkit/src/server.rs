//! The mock server: accepts connections, records requests, plays the script.

use std::collections::VecDeque;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use crate::reply::{Action, Reply};

type Handler = Box<dyn Fn(&RecordedRequest) -> Reply + Send + Sync>;

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// Its position among all requests the server received, from 0.
    pub index: usize,
    /// The method, such as `POST`.
    pub method: String,
    /// The path with the query string, exactly as sent (still encoded).
    pub path: String,
    /// Every header.
    pub headers: HeaderMap,
    /// The body bytes.
    pub body: Bytes,
}

impl RecordedRequest {
    /// The value of header `name` (case-insensitive) as text, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The path without the query string.
    pub fn path_only(&self) -> &str {
        self.path
            .split_once('?')
            .map_or(&self.path, |(path, _)| path)
    }

    /// The raw query string, if any.
    pub fn query(&self) -> Option<&str> {
        self.path.split_once('?').map(|(_, query)| query)
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::from_slice(&self.body)
    }
}

/// A mock Cloudflare API on `127.0.0.1`; see the [crate docs](crate).
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

struct Shared {
    requests: Mutex<Vec<RecordedRequest>>,
    queue: Mutex<VecDeque<Reply>>,
    handler: Option<Handler>,
}

impl MockServer {
    /// Starts a server with an empty script; add replies with
    /// [`MockServer::push`].
    pub async fn start() -> Self {
        Self::spawn(None).await
    }

    /// Starts a server that plays `replies` in order.
    pub async fn with_replies(replies: impl IntoIterator<Item = Reply>) -> Self {
        let server = Self::start().await;
        replies.into_iter().for_each(|reply| server.push(reply));
        server
    }

    /// Starts a server that asks `handler` for every reply (after any queued
    /// ones). [`RecordedRequest::index`] tells the handler which request
    /// this is.
    pub async fn with_handler(
        handler: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static,
    ) -> Self {
        Self::spawn(Some(Box::new(handler))).await
    }

    async fn spawn(handler: Option<Handler>) -> Self {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("testkit: cannot bind a port on 127.0.0.1");
        let addr = listener
            .local_addr()
            .expect("testkit: bound listener has an address");
        let shared = Arc::new(Shared {
            requests: Mutex::new(Vec::new()),
            queue: Mutex::new(VecDeque::new()),
            handler,
        });
        let accept = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        MockServer {
            addr,
            shared,
            accept,
        }
    }

    /// Queues a reply; queued replies are used in order, before the handler.
    pub fn push(&self, reply: Reply) {
        lock(&self.shared.queue).push_back(reply);
    }

    /// The server's root URL, such as `http://127.0.0.1:41234` (no
    /// trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The server's socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// How many requests have been received.
    pub fn request_count(&self) -> usize {
        lock(&self.shared.requests).len()
    }

    /// The most recent request, if any.
    pub fn last_request(&self) -> Option<RecordedRequest> {
        lock(&self.shared.requests).last().cloned()
    }
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .field("requests", &self.request_count())
            .finish_non_exhaustive()
    }
}

/// Stopping the accept task drops its `JoinSet`, which aborts every
/// connection task, including ones sleeping in a delayed reply.
impl Drop for MockServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl Shared {
    fn record_and_reply(&self, mut request: RecordedRequest) -> Reply {
        {
            let mut requests = lock(&self.requests);
            request.index = requests.len();
            requests.push(request.clone());
        }
        if let Some(reply) = lock(&self.queue).pop_front() {
            return reply;
        }
        match &self.handler {
            Some(handler) => handler(&request),
            None => Reply::text(
                500,
                "text/plain",
                format!(
                    "testkit: no reply scripted for request {} ({} {})",
                    request.index, request.method, request.path
                ),
            ),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        if let Ok((stream, _)) = listener.accept().await {
            connections.spawn(serve_connection(stream, Arc::clone(&shared)));
        }
        // Reap finished connections so the set does not grow without bound.
        while connections.try_join_next().is_some() {}
    }
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let service = service_fn(move |request| answer(request, Arc::clone(&shared)));
    // A dropped connection ends here with an error, which is the point.
    let _ = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// Returned by the service to make hyper close the connection unanswered.
#[derive(Debug)]
struct DropConnection;

impl fmt::Display for DropConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("testkit: scripted connection drop")
    }
}

impl std::error::Error for DropConnection {}

async fn answer(
    request: hyper::Request<Incoming>,
    shared: Arc<Shared>,
) -> Result<Response<Full<Bytes>>, DropConnection> {
    let recorded = record(request).await;
    let reply = shared.record_and_reply(recorded);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    if let Some(gate) = &reply.gate {
        gate.passed().await;
    }
    match reply.action {
        Action::DropConnection => Err(DropConnection),
        Action::Respond {
            status,
            headers,
            body,
        } => Ok(response(status, &headers, body)),
    }
}

async fn record(request: hyper::Request<Incoming>) -> RecordedRequest {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned());
    RecordedRequest {
        index: 0,
        method: parts.method.to_string(),
        path,
        headers: parts.headers,
        body,
    }
}

fn response(status: u16, headers: &[(String, String)], body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() =
        StatusCode::from_u16(status).expect("testkit: reply status must be 100..=999");
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .expect("testkit: reply header name must be valid");
        let value =
            HeaderValue::from_str(value).expect("testkit: reply header value must be valid");
        response.headers_mut().append(name, value);
    }
    response
}
