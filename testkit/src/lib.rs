//! A scriptable mock Cloudflare API server for behaviour tests.
//!
//! [`MockServer`] listens on `127.0.0.1` (a free port), records every request
//! it receives (method, path with query, headers, body) and answers from a
//! script: queued [`Reply`]s first, in order, then an optional handler
//! closure. A reply can be any status, headers and body, can wait before
//! answering (for timeout tests), can be held until the test opens a
//! [`Gate`], or can drop the connection without answering. When nothing is
//! scripted the server answers 500 with a body saying so, which makes a
//! forgotten reply fail loudly. The server stops when dropped.
//! [`WindowLimit`] turns a handler into a server that rate limits like
//! Cloudflare (a quota per window, then a block of a whole window, with the
//! `Ratelimit` headers on every answer).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use testkit::{MockServer, Reply};
//!
//! let server = MockServer::start().await;
//! server.push(Reply::api_error(429, 10000, "rate limited").with_header("retry-after", "30"));
//! server.push(Reply::success(serde_json::json!({"successful_key_count": 2})));
//! // Point the client under test at `server.url()`, run it, then:
//! assert_eq!(server.request_count(), 0);
//! # }
//! ```
//!
//! [`KvNamespace`] is a ready-made handler: a Workers KV namespace that lists
//! and bulk-deletes keys held in memory, with faults on demand.
#![deny(missing_docs)]

mod gate;
pub mod kv;
mod limit;
mod reply;
mod server;

pub use gate::Gate;
pub use kv::{KvKey, KvNamespace, KvStats, Route};
pub use limit::WindowLimit;
pub use reply::Reply;
pub use server::{MockServer, RecordedRequest};
