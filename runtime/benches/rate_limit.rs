//! Rate-limit benchmark: against a local server that limits like Cloudflare
//! (a quota per fixed window, then a block of a whole window answering 429,
//! with `Ratelimit` / `Ratelimit-Policy` headers on every answer), how much
//! of the allowed rate does a client achieve, and how many 429s does it
//! trigger? Each configuration runs in turn in the same process, so the
//! baselines (no pacing, a fixed client-side limit) share the machine's
//! conditions with header pacing.
//!
//! The window is scaled down from Cloudflare's 1,200 requests per 300 s to
//! 200 requests per 2 s, so one run takes seconds; the server's headers
//! carry milliseconds to keep the relative precision whole seconds give a
//! 300 s window. The server answers after a modelled round trip (15 ms by
//! default) so that spending a window's quota takes a realistic share of
//! the window: 8 tasks at 15 ms send 200 requests in about 0.4 s, a fifth
//! of the window, as 4 tasks at 200 ms spend 1,200 requests in a fifth of
//! Cloudflare's 300 s. Without it, a local server answers a whole window's
//! quota in milliseconds and a block costs next to nothing.
//!
//! ```sh
//! cargo bench -p cfgen-runtime --bench rate_limit
//! BENCH_WINDOWS=30 BENCH_LATENCY_MS=0 cargo bench -p cfgen-runtime --bench rate_limit
//! ```
//!
//! Not a criterion benchmark: what it measures is a share and a count, not
//! the time of an operation.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cfgen_runtime::{Client, Method, RateLimit, Request};
use testkit::{MockServer, Reply, WindowLimit};
use tokio::task::JoinSet;

/// The server's quota per window.
const QUOTA: u32 = 200;
/// The server's window.
const WINDOW: Duration = Duration::from_secs(2);
/// Tasks sending requests, in all clients together.
const TASKS: usize = 8;
/// Windows per run, unless `BENCH_WINDOWS` says otherwise.
const DEFAULT_WINDOWS: u32 = 10;
/// The modelled round trip, unless `BENCH_LATENCY_MS` says otherwise.
const DEFAULT_LATENCY: Duration = Duration::from_millis(15);

/// One client configuration under test.
struct Scenario {
    name: &'static str,
    server_pacing: bool,
    client_limit: Option<RateLimit>,
    /// Independent clients sharing the server's budget (other tools of the
    /// same user), the tasks split between them.
    clients: usize,
}

/// What one run measured.
struct Outcome {
    /// Requests the server accepted during the run's windows.
    accepted: usize,
    /// Requests the server accepted at most in that time.
    allowed: usize,
    /// Answers 429.
    refused: u64,
    /// Calls that returned an error to the caller.
    failed: usize,
    /// Pauses reported to the observer.
    pauses: usize,
}

fn scenarios() -> Vec<Scenario> {
    let matching_limit = || Some(RateLimit::per_window(QUOTA, WINDOW));
    vec![
        Scenario {
            name: "no pacing (server-requested waits only)",
            server_pacing: false,
            client_limit: None,
            clients: 1,
        },
        Scenario {
            name: "fixed client-side limit 200/2s only",
            server_pacing: false,
            client_limit: matching_limit(),
            clients: 1,
        },
        Scenario {
            name: "header pacing",
            server_pacing: true,
            client_limit: None,
            clients: 1,
        },
        Scenario {
            name: "header pacing + client-side limit 200/2s",
            server_pacing: true,
            client_limit: matching_limit(),
            clients: 1,
        },
        Scenario {
            name: "header pacing, two clients sharing the budget",
            server_pacing: true,
            client_limit: None,
            clients: 2,
        },
    ]
}

fn client(server: &MockServer, scenario: &Scenario, pauses: &Arc<AtomicUsize>) -> Client {
    let pauses = Arc::clone(pauses);
    let mut builder = Client::builder()
        .base_url(server.url())
        .api_token("bench-token")
        .server_pacing(scenario.server_pacing)
        .on_pause(move |_| {
            pauses.fetch_add(1, Ordering::Relaxed);
        });
    if let Some(limit) = &scenario.client_limit {
        builder = builder.rate_limit(limit.clone());
    }
    builder.build().expect("bench client")
}

/// Keeps sending until `end`; returns how many calls failed.
async fn keep_sending(client: Client, end: Instant) -> usize {
    let mut failed = 0;
    while Instant::now() < end {
        let request = Request::new("bench-ping", Method::GET, "/ping");
        if client.send_empty(request).await.is_err() {
            failed += 1;
        }
    }
    failed
}

async fn run(scenario: &Scenario, windows: u32, latency: Duration) -> Outcome {
    let limit = WindowLimit::new(QUOTA, WINDOW);
    // The server counts a request when it arrives and answers a round trip
    // later, so the headers are that much older when the client reads them.
    let server = MockServer::with_handler({
        let limit = limit.clone();
        move |_| {
            let ok = Reply::success(serde_json::json!({}));
            limit.answer(Instant::now(), ok).with_delay(latency)
        }
    })
    .await;
    let pauses = Arc::new(AtomicUsize::new(0));
    let clients: Vec<Client> = (0..scenario.clients)
        .map(|_| client(&server, scenario, &pauses))
        .collect();
    let span = WINDOW * windows;
    let end = Instant::now() + span;
    let mut tasks = JoinSet::new();
    for task in 0..TASKS {
        let client = clients[task % clients.len()].clone();
        tasks.spawn(keep_sending(client, end));
    }
    let mut failed = 0;
    while let Some(result) = tasks.join_next().await {
        failed += result.expect("sending task");
    }
    // The server's windows start with its first request, so the run's
    // windows hold at most `windows × QUOTA` accepted requests.
    let accepted = limit.accepted();
    let first = accepted.first().copied().unwrap_or_else(Instant::now);
    Outcome {
        accepted: accepted.iter().filter(|&&at| at < first + span).count(),
        allowed: (QUOTA * windows) as usize,
        refused: limit.refused(),
        failed,
        pauses: pauses.load(Ordering::Relaxed),
    }
}

fn env_number(name: &str) -> Option<u32> {
    std::env::var(name).ok()?.parse().ok()
}

fn main() {
    let windows = env_number("BENCH_WINDOWS").unwrap_or(DEFAULT_WINDOWS);
    let latency = env_number("BENCH_LATENCY_MS")
        .map_or(DEFAULT_LATENCY, |ms| Duration::from_millis(ms.into()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    println!(
        "server: {QUOTA} requests per {WINDOW:?}, then a {WINDOW:?} block of 429s, \
         answering after {latency:?}; {TASKS} tasks; {windows} windows per run"
    );
    println!(
        "{:<46} {:>8} {:>8} {:>7} {:>6} {:>7} {:>7}",
        "client", "accepted", "allowed", "share", "429s", "failed", "pauses"
    );
    for scenario in scenarios() {
        let outcome = runtime.block_on(run(&scenario, windows, latency));
        println!(
            "{:<46} {:>8} {:>8} {:>6.1}% {:>6} {:>7} {:>7}",
            scenario.name,
            outcome.accepted,
            outcome.allowed,
            100.0 * outcome.accepted as f64 / outcome.allowed as f64,
            outcome.refused,
            outcome.failed,
            outcome.pauses,
        );
    }
}
