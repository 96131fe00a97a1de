//! Shared by the bulk benchmarks: a minimal local bulk-delete server (that
//! can also keep a share of the keys of every answer), the key set, and a
//! raw reqwest loop that sends the same requests as the bulk API, as the
//! baseline.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures::StreamExt;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde::de::IgnoredAny;
use tokio::net::TcpListener;

/// The ids used in every request.
pub const ACCOUNT: &str = "0123456789abcdef0123456789abcdef";
/// The ids used in every request.
pub const NAMESPACE: &str = "fedcba9876543210fedcba9876543210";
/// One million keys per run.
pub const KEYS: usize = 1_000_000;
/// Requests in flight, for both the bulk API and the raw loop.
pub const CONCURRENCY: usize = 4;

/// The share of keys, per thousand, the faulty server lists in
/// `unsuccessful_keys` of every answer: the issue's 5%.
pub const UNSUCCESSFUL_PER_MILLE: u64 = 50;

/// What both benchmarks run on: a runtime with the local servers, the
/// fault-free one's base URL, the bulk API's clients and the raw loop's
/// reqwest client.
pub struct Fixture {
    pub runtime: tokio::runtime::Runtime,
    pub base: String,
    /// A client of the fault-free server.
    pub client: cloudflare_kv::Client,
    /// A client of the server that keeps [`UNSUCCESSFUL_PER_MILLE`] of the
    /// keys of every answer.
    pub unsuccessful: cloudflare_kv::Client,
    pub http: reqwest::Client,
}

impl Fixture {
    /// Starts the servers on a two-thread runtime (the machine's two cores are
    /// shared by client and server) and builds the clients against them.
    pub fn start() -> Fixture {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let base = format!("http://{}", runtime.block_on(start_server(0)));
        let faulty = format!(
            "http://{}",
            runtime.block_on(start_server(UNSUCCESSFUL_PER_MILLE))
        );
        Fixture {
            runtime,
            client: client(&base),
            unsuccessful: client(&faulty),
            base,
            http: reqwest::Client::new(),
        }
    }
}

fn client(base: &str) -> cloudflare_kv::Client {
    cloudflare_kv::Client::builder()
        .api_token("bench-token")
        .base_url(base)
        .build()
        .expect("client")
}

/// The keys, made lazily so neither side holds a million strings up front.
pub fn keys() -> impl Iterator<Item = String> {
    (0..KEYS).map(|i| format!("bench/session/{i:08}"))
}

/// Starts a server on 127.0.0.1 that answers every bulk delete with
/// success, counting the keys of the body as Cloudflare would report them.
/// With `unsuccessful_per_mille` above 0, each key of every answer is listed
/// in `unsuccessful_keys` with that chance, drawn afresh each time.
pub async fn start_server(unsuccessful_per_mille: u64) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local address");
    let draws = Arc::new(AtomicU64::new(0));
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let draws = Arc::clone(&draws);
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    answer(request, unsuccessful_per_mille, Arc::clone(&draws))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

async fn answer(
    request: Request<hyper::body::Incoming>,
    unsuccessful_per_mille: u64,
    draws: Arc<AtomicU64>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = request
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let result = if unsuccessful_per_mille == 0 {
        let count = serde_json::from_slice::<Vec<IgnoredAny>>(&body).map_or(0, |keys| keys.len());
        format!(r#"{{"successful_key_count":{count},"unsuccessful_keys":[]}}"#)
    } else {
        let keys: Vec<String> = serde_json::from_slice(&body).unwrap_or_default();
        let seed = draws.fetch_add(1, Ordering::Relaxed);
        keep_some(&keys, unsuccessful_per_mille, seed)
    };
    let json = format!(r#"{{"success":true,"errors":[],"messages":[],"result":{result}}}"#);
    let mut response = Response::new(Full::new(Bytes::from(json)));
    response.headers_mut().insert(
        "content-type",
        "application/json".parse().expect("header value"),
    );
    Ok(response)
}

/// A `result` listing each key as unsuccessful with a chance of
/// `per_mille`/1000, drawn from a small generator seeded per request.
fn keep_some(keys: &[String], per_mille: u64, seed: u64) -> String {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let kept: Vec<&String> = keys
        .iter()
        .filter(|_| {
            // xorshift64*
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_F491_4F6C_DD1D) % 1000 < per_mille
        })
        .collect();
    let count = keys.len() - kept.len();
    let kept = serde_json::to_string(&kept).expect("encode keys");
    format!(r#"{{"successful_key_count":{count},"unsuccessful_keys":{kept}}}"#)
}

/// What a careful hand-written loop does: chunk, POST with the token, read
/// the answer, check `success` and count `successful_key_count`. Returns the
/// keys the answers counted.
pub async fn raw_loop(http: &reqwest::Client, base: &str) -> u64 {
    let url = format!("{base}/accounts/{ACCOUNT}/storage/kv/namespaces/{NAMESPACE}/bulk/delete");
    // Chunks are cut lazily, as the bulk API does, so memory is comparable.
    let mut keys = keys();
    let chunks = std::iter::from_fn(move || {
        let chunk: Vec<String> = keys.by_ref().take(10_000).collect();
        (!chunk.is_empty()).then_some(chunk)
    });
    futures::stream::iter(chunks)
        .map(|chunk| send_raw(http, &url, chunk))
        .buffer_unordered(CONCURRENCY)
        .fold(0, |total, count| async move { total + count })
        .await
}

async fn send_raw(http: &reqwest::Client, url: &str, chunk: Vec<String>) -> u64 {
    let body = serde_json::to_vec(&chunk).expect("encode keys");
    let response = http
        .post(url)
        .bearer_auth("bench-token")
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(body)
        .send()
        .await
        .expect("send");
    let bytes = response.bytes().await.expect("read answer");
    let value: serde_json::Value = serde_json::from_slice(&bytes).expect("decode answer");
    assert_eq!(value["success"], true);
    value["result"]["successful_key_count"]
        .as_u64()
        .unwrap_or(0)
}
