//! Bulk delete of any number of keys: chunking, bounded concurrency, re-sends
//! of `unsuccessful_keys` and an exact report, on top of the generated
//! [`Client::namespace_delete_multiple_key_value_pairs`].
//!
//! The stages, one module each: `input` validates, de-duplicates and cuts
//! the keys into chunks; `send` deletes one chunk, re-sending the keys the
//! answer lists as unsuccessful; `answer` reads that answer; `report` adds
//! the outcomes up. Retries of failed *requests* (429, 5xx, dropped
//! connections, timeouts), backoff, `Retry-After` and the client-side rate
//! limit belong to the [`Client`]; this layer adds only what one request
//! cannot know: which keys are left.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use cloudflare_kv::bulk::BulkDelete;
//!
//! let client = cloudflare_kv::Client::from_env()?;
//! let keys = (0..25_000).map(|i| format!("session:{i}"));
//! let report = BulkDelete::new(&client, "account-id", "namespace-id")
//!     .concurrency(4)
//!     .on_progress(|p| eprintln!("{} of {:?} keys done", p.done, p.total))
//!     .run(keys)
//!     .await?;
//! println!("deleted {} of {} keys", report.deleted, report.distinct());
//! for failed in &report.failed {
//!     eprintln!("{}: {}", failed.key, failed.error);
//! }
//! # Ok(()) }
//! ```
//!
//! # Accounting
//!
//! Every key read from the input ends in exactly one of three places, so
//! `requested == deleted + failed.len() + duplicates` always holds:
//!
//! - `deleted`: a 2xx answer confirmed it (see below);
//! - `failed`: it broke a documented constraint and was never sent, its
//!   request failed (after the client's retries), it was still listed in
//!   `unsuccessful_keys` when the re-send budget ran out, or it was not sent
//!   because an earlier request met an error every request would meet
//!   (authentication, missing namespace); each failure keeps its last error;
//! - `duplicates`: the same key was already taken earlier in the run (see
//!   [`Dedup`]), so the occurrence was skipped, neither sent nor counted
//!   twice.
//!
//! # What a successful answer confirms
//!
//! A key sent in a request whose answer is 2xx with `"success": true` is
//! confirmed unless the answer's `result.unsuccessful_keys` lists it. Older
//! shapes of the answer (`result` missing, `null`, or without those fields)
//! therefore confirm the whole chunk. `result.successful_key_count` names no
//! keys, so it cannot change which keys are confirmed; when it disagrees with
//! the number confirmed, or `unsuccessful_keys` lists keys that were not
//! sent, the report records a [`CountMismatch`] so the disagreement is
//! visible rather than papered over.

mod answer;
mod input;
mod report;
mod send;

use std::pin::pin;
use std::sync::{Arc, OnceLock};

use cfgen_runtime::{Timer, TokioTimer};

// `super::super`, not `crate`: `tests/lib.rs` compiles this layer beside the clients
// generated from older documents too.
use super::Client;

pub(crate) use answer::KeyOutcome;
use futures::{Stream, StreamExt};

pub use input::Dedup;
pub use report::{BulkDeleteReport, CountMismatch, FailedKey, KeyError, Plan, Progress};

/// The most keys one bulk-delete request may carry.
///
/// This is Cloudflare's limit, stated in the operation's description in the
/// OpenAPI document ("an array of up to 10,000 keys"); `spec/overlay.yaml`
/// turns it into the `maxItems: 10000` the generated method checks.
pub const MAX_KEYS_PER_REQUEST: usize = 10_000;

/// The longest key name, in bytes (UTF-8), that Workers KV stores.
///
/// From the spec's key schema: "The name may be at most 512 bytes." The
/// schema's `maxLength: 512` counts characters, which lets a longer key of
/// multi-byte characters through, so this layer checks bytes: a longer key
/// cannot exist in a namespace.
pub const MAX_KEY_BYTES: usize = 512;

/// How many chunks are in flight at once unless set.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// How many times keys listed in `unsuccessful_keys` are re-sent unless set.
pub const DEFAULT_RESENDS: u32 = 3;

/// A bulk-delete settings value is out of range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BulkError {
    /// The chunk size is zero or above [`MAX_KEYS_PER_REQUEST`].
    #[error("bulk delete: chunk size must be between 1 and {MAX_KEYS_PER_REQUEST}, got {0}")]
    ChunkSize(usize),
    /// The concurrency is zero.
    #[error("bulk delete: concurrency must be at least 1, got 0")]
    Concurrency,
}

type ProgressFn<'a> = Box<dyn FnMut(Progress) + Send + 'a>;

/// Deletes any number of keys from one namespace; see the [module docs](self).
///
/// Memory stays bounded by the work in flight: at most `concurrency` chunks
/// being sent plus the one being filled, whatever the length of the input
/// (plus the failed keys, which the report must list, and the seen-key set
/// under [`Dedup::WholeRun`]).
pub struct BulkDelete<'a> {
    client: &'a Client,
    account_id: &'a str,
    namespace_id: &'a str,
    chunk_size: usize,
    concurrency: usize,
    resends: u32,
    dedup: Dedup,
    total: Option<u64>,
    timer: Arc<dyn Timer>,
    progress: Option<ProgressFn<'a>>,
}

impl<'a> BulkDelete<'a> {
    /// A bulk delete with chunks of [`MAX_KEYS_PER_REQUEST`],
    /// [`DEFAULT_CONCURRENCY`], [`DEFAULT_RESENDS`] and [`Dedup::WithinChunk`].
    pub fn new(client: &'a Client, account_id: &'a str, namespace_id: &'a str) -> Self {
        BulkDelete {
            client,
            account_id,
            namespace_id,
            chunk_size: MAX_KEYS_PER_REQUEST,
            concurrency: DEFAULT_CONCURRENCY,
            resends: DEFAULT_RESENDS,
            dedup: Dedup::default(),
            total: None,
            timer: Arc::new(TokioTimer),
            progress: None,
        }
    }

    /// Sets how many keys each request carries, 1 to [`MAX_KEYS_PER_REQUEST`]
    /// (checked when the run starts).
    pub fn chunk_size(mut self, chunk_size: usize) -> Self {
        self.chunk_size = chunk_size;
        self
    }

    /// Sets how many requests may be in flight at once (at least 1).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// Sets how many times keys listed in `unsuccessful_keys` are sent again
    /// (0 reports them as failed at once). Each re-send waits the client's
    /// retry base delay, doubled every round up to its maximum delay.
    pub fn resends(mut self, resends: u32) -> Self {
        self.resends = resends;
        self
    }

    /// Sets how repeated keys are detected; see [`Dedup`].
    pub fn dedup(mut self, dedup: Dedup) -> Self {
        self.dedup = dedup;
        self
    }

    /// Tells the progress callback how many keys the input holds, when the
    /// input's size hint does not say.
    pub fn expected_total(mut self, total: u64) -> Self {
        self.total = Some(total);
        self
    }

    /// Sets the timer the waits between re-sends use (a
    /// [`ManualTimer`](cfgen_runtime::ManualTimer) in tests).
    pub fn timer(mut self, timer: impl Timer) -> Self {
        self.timer = Arc::new(timer);
        self
    }

    /// Calls `progress` after each chunk settles, with the running totals.
    pub fn on_progress(mut self, progress: impl FnMut(Progress) + Send + 'a) -> Self {
        self.progress = Some(Box::new(progress));
        self
    }

    /// Deletes the keys of an iterator, reading it only as fast as chunks
    /// are sent.
    pub async fn run<I>(self, keys: I) -> Result<BulkDeleteReport, BulkError>
    where
        I: IntoIterator<Item = String>,
    {
        self.check()?;
        let keys = keys.into_iter();
        let total = exact(keys.size_hint());
        let batches = input::batches_of_iter(keys, self.chunk_size, self.dedup);
        Ok(self.send(futures::stream::iter(batches), total).await)
    }

    /// Deletes the keys of a stream, reading it only as fast as chunks are
    /// sent.
    pub async fn run_stream<S>(self, keys: S) -> Result<BulkDeleteReport, BulkError>
    where
        S: Stream<Item = String>,
    {
        self.check()?;
        let total = exact(keys.size_hint());
        let batches = input::batches(keys, self.chunk_size, self.dedup);
        Ok(self.send(batches, total).await)
    }

    /// Validates and chunks the keys of an iterator exactly as
    /// [`BulkDelete::run`] would, sending nothing.
    pub async fn plan<I>(self, keys: I) -> Result<Plan, BulkError>
    where
        I: IntoIterator<Item = String>,
    {
        self.check()?;
        let batches = input::batches_of_iter(keys.into_iter(), self.chunk_size, self.dedup);
        Ok(batches.fold(Plan::default(), Plan::with))
    }

    /// Validates and chunks the keys of a stream exactly as
    /// [`BulkDelete::run_stream`] would, sending nothing.
    pub async fn plan_stream<S>(self, keys: S) -> Result<Plan, BulkError>
    where
        S: Stream<Item = String>,
    {
        self.check()?;
        let batches = input::batches(keys, self.chunk_size, self.dedup);
        Ok(batches
            .fold(
                Plan::default(),
                |plan, batch| async move { plan.with(batch) },
            )
            .await)
    }

    /// Sends the batches, `concurrency` at a time, and adds up the outcomes.
    async fn send(
        mut self,
        batches: impl Stream<Item = input::Batch>,
        total: Option<u64>,
    ) -> BulkDeleteReport {
        let total = self.total.or(total);
        let mut progress = self.progress.take();
        let target = self.target();
        let mut outcomes = pin!(
            batches
                .map(move |batch| send::settle(target.clone(), batch))
                .buffer_unordered(self.concurrency)
        );
        let mut report = BulkDeleteReport::default();
        while let Some(outcome) = outcomes.next().await {
            report.absorb(outcome);
            if let Some(progress) = progress.as_mut() {
                progress(report.progress(total));
            }
        }
        report
    }

    fn check(&self) -> Result<(), BulkError> {
        if !(1..=MAX_KEYS_PER_REQUEST).contains(&self.chunk_size) {
            return Err(BulkError::ChunkSize(self.chunk_size));
        }
        if self.concurrency == 0 {
            return Err(BulkError::Concurrency);
        }
        Ok(())
    }

    fn target(&self) -> send::Target {
        send::Target {
            client: self.client.clone(),
            account_id: self.account_id.into(),
            namespace_id: self.namespace_id.into(),
            resends: self.resends,
            timer: Arc::clone(&self.timer),
            stop: Arc::new(OnceLock::new()),
        }
    }
}

impl std::fmt::Debug for BulkDelete<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkDelete")
            .field("account_id", &self.account_id)
            .field("namespace_id", &self.namespace_id)
            .field("chunk_size", &self.chunk_size)
            .field("concurrency", &self.concurrency)
            .field("resends", &self.resends)
            .field("dedup", &self.dedup)
            .finish_non_exhaustive()
    }
}

/// The length a size hint promises, when it promises one.
fn exact((lower, upper): (usize, Option<usize>)) -> Option<u64> {
    (upper == Some(lower)).then_some(lower as u64)
}
