//! Bulk delete of any number of keys: chunking, bounded concurrency, re-sends
//! of `unsuccessful_keys` and an exact report, on top of the generated
//! [`Client::namespace_delete_multiple_key_value_pairs`].
//!
//! The stages, one module each: `input` validates, de-duplicates and cuts
//! the keys into chunks; `schedule` keeps requests in flight and decides
//! what each carries; `send` sends one request; `answer` reads its answer;
//! `report` adds the outcomes up; `interrupt` lets another task stop the
//! run. Retries of failed *requests* (429, 5xx, dropped connections,
//! timeouts), backoff, `Retry-After` and the client-side rate limit belong
//! to the [`Client`]; this layer adds only what one request cannot know:
//! which keys are left.
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
//! `requested == deleted + failed.len() + duplicates` always holds, however
//! the run ends:
//!
//! - `deleted`: a 2xx answer confirmed it (see below);
//! - `failed`, with the last error met ([`KeyError`]):
//!   - `Invalid`: it breaks a documented constraint, so it was never sent;
//!   - `Request`: its request failed after the client's retries, and again
//!     in the sweep when the error was transient (see below);
//!   - `Unsuccessful`: answers still listed it in `unsuccessful_keys` when
//!     its re-send budget ran out;
//!   - `NotAttempted`: it was not sent (or not sent again) because the run
//!     stopped sending first: an [`Interrupt`], or a request error every
//!     later request would meet (refused credentials, a missing namespace,
//!     invalid ids, or a server asking to wait longer than the client's
//!     [`RetryPolicy::max_server_wait`](cfgen_runtime::RetryPolicy::max_server_wait),
//!     [`Error::WaitTooLong`](cfgen_runtime::Error::WaitTooLong)); after
//!     such an error the rest of the input is still read, and reported this
//!     way with that error as the reason, so that one refusal does not
//!     spend a request per chunk (or burn every chunk as failed); the keys
//!     of requests that error ended before they were sent are reported this
//!     way too;
//!   - `Unconfirmed`: it was in flight when the run was aborted;
//! - `duplicates`: the same key was already taken earlier in the run (see
//!   [`Dedup`]), so the occurrence was skipped, neither sent nor counted
//!   twice.
//!
//! # Re-sends and the sweep
//!
//! A key an answer lists in `unsuccessful_keys` goes back in a queue and
//! rides with a later request: the queue tops up a chunk that is short, and
//! becomes a request of its own once it fills one, or once the input has
//! ended. No request slot waits for it, so a server that keeps a few keys
//! of every answer costs a few more requests, not a stall. A key is sent
//! again at most [`DEFAULT_RESENDS`] times unless set otherwise (see
//! [`BulkDelete::resends`]).
//!
//! A request that still fails after the client's retries with a transient
//! error (a dropped connection, a timeout, a 429 within the accepted wait,
//! a 5xx) does not fail its keys at once. Once everything else is settled,
//! the run waits one retry base delay of the client and sends those keys
//! once more with a fresh budget (of client attempts and of re-sends): a
//! request that met several faults in a row under heavy load is usually
//! fine a little later. There is exactly one such sweep per run, so a
//! server that keeps failing costs at most twice the attempts; what still
//! fails is reported with its last error.
//!
//! # Interrupting a run
//!
//! An [`Interrupt`] attached with [`BulkDelete::interrupt`] ends a run
//! early, losing no key. After [`Interrupt::stop`] no new request starts and
//! the input is not read further; the requests in flight finish and their
//! answers count as usual. [`Interrupt::abort`] also drops the requests in
//! flight. The run then returns its report as usual, with
//! [`BulkDeleteReport::end`] saying how it ended, and every key it read is in
//! it: deleted, or failed with [`KeyError::NotAttempted`] (never sent, or
//! not sent again) or [`KeyError::Unconfirmed`] (in flight when aborted).
//! Keys the input had not yet yielded are not read: the caller, who owns the
//! input, accounts for them (`cfkv` writes them to its `--failed-out` file).
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
mod interrupt;
mod report;
mod schedule;
mod send;

use std::sync::Arc;

use cfgen_runtime::{Timer, TokioTimer};

// `super::super`, not `crate`: `tests/lib.rs` compiles this layer beside the clients
// generated from older documents too.
use super::Client;

pub(crate) use answer::KeyOutcome;
use futures::{Stream, StreamExt};

pub use input::Dedup;
pub use interrupt::Interrupt;
pub use report::{
    BulkDeleteReport, CountMismatch, FailedKey, KeyError, Plan, Progress, RunEnd, StopReason,
};

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

pub(crate) type ProgressFn<'a> = Box<dyn FnMut(Progress) + Send + 'a>;

/// Deletes any number of keys from one namespace; see the [module docs](self).
///
/// Memory stays bounded by the work in flight: at most `concurrency` chunks
/// being sent, the one being filled and less than one chunk of keys waiting
/// to be sent again, whatever the length of the input (plus the failed
/// keys, which the report must list, and the seen-key set under
/// [`Dedup::WholeRun`]). The input is read only when a request slot is free.
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
    interrupt: Interrupt,
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
            interrupt: Interrupt::default(),
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
    /// (0 reports them as failed at once). Re-sent keys ride with later
    /// requests; see the [module docs](self#re-sends-and-the-sweep).
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

    /// Sets the timer of the wait before the end-of-run sweep (a
    /// [`ManualTimer`](cfgen_runtime::ManualTimer) in tests).
    pub fn timer(mut self, timer: impl Timer) -> Self {
        self.timer = Arc::new(timer);
        self
    }

    /// Lets `interrupt` stop the run; see [`Interrupt`].
    pub fn interrupt(mut self, interrupt: Interrupt) -> Self {
        self.interrupt = interrupt;
        self
    }

    /// Calls `progress` whenever keys settle, with the running totals.
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
        Ok(self.send(batches, total).await)
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

    /// Deletes the keys of a listing as it is read: the stream a list
    /// request's `stream()` returns, or any stream of keys that may fail.
    ///
    /// Listing and deleting overlap: the first request goes out as soon as a
    /// chunk is listed, and the listing is read only as fast as chunks are
    /// sent, so memory stays bounded whatever the namespace holds. An error
    /// from the listing ends the input there: the keys listed before it are
    /// deleted as usual, and the report keeps the error in
    /// [`BulkDeleteReport::input_error`] (so it is not
    /// [complete](BulkDeleteReport::is_complete)); listing again deletes
    /// the rest.
    ///
    /// ```no_run
    /// # async fn run(client: &cloudflare_kv::Client, keys: impl futures::Stream<Item = Result<String, cloudflare_kv::Error>>) -> Result<(), Box<dyn std::error::Error>> {
    /// use cloudflare_kv::bulk::BulkDelete;
    ///
    /// let report = BulkDelete::new(client, "account-id", "namespace-id")
    ///     .run_listing(keys)
    ///     .await?;
    /// if let Some(error) = &report.input_error {
    ///     eprintln!("listing stopped early: {error}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn run_listing<S, K>(self, keys: S) -> Result<BulkDeleteReport, BulkError>
    where
        S: Stream<Item = Result<K, cfgen_runtime::Error>>,
        K: Into<String>,
    {
        let mut input_error = None;
        let keys = keys.scan(&mut input_error, |failed, key| {
            futures::future::ready(match key {
                Ok(key) => Some(key.into()),
                Err(error) => {
                    **failed = Some(Arc::new(error));
                    None
                }
            })
        });
        let mut report = self.run_stream(keys).await?;
        report.input_error = input_error;
        Ok(report)
    }

    /// Validates and chunks the keys of an iterator exactly as
    /// [`BulkDelete::run`] would, sending nothing.
    pub async fn plan<I>(self, keys: I) -> Result<Plan, BulkError>
    where
        I: IntoIterator<Item = String>,
    {
        self.check()?;
        let batches = input::batches_of_iter(keys.into_iter(), self.chunk_size, self.dedup);
        Ok(Iterator::fold(batches, Plan::default(), Plan::with))
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

    /// Sends the batches, `concurrency` requests at a time, and adds up the
    /// outcomes.
    async fn send(self, batches: impl input::Batches, total: Option<u64>) -> BulkDeleteReport {
        let target = send::Target {
            client: self.client.clone(),
            account_id: self.account_id.into(),
            namespace_id: self.namespace_id.into(),
        };
        let settings = schedule::Settings {
            chunk_size: self.chunk_size,
            concurrency: self.concurrency,
            resends: self.resends,
            total: self.total.or(total),
            timer: self.timer,
            interrupt: self.interrupt,
            progress: self.progress,
        };
        schedule::Run::new(target, settings, batches).run().await
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
