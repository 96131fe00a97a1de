//! Schedule stage: keeps up to `concurrency` requests in flight, fills them
//! from the input and from keys waiting to be sent again, sweeps transient
//! failures once at the end, obeys the [`Interrupt`], and settles every key
//! into the report.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use cfgen_runtime::{Error, ErrorKind, RetryPolicy, Timer};
use futures::future::{self, BoxFuture, Either};
use futures::stream::FuturesUnordered;
use futures::{FutureExt, StreamExt};

use super::ProgressFn;
use super::answer::Answer;
use super::input::{Batch, Batches, KeySet};
use super::interrupt::Interrupt;
use super::report::{BulkDeleteReport, KeyError, RunEnd, StopReason};
use super::send::{self, Request, Sent, Target};

/// The settings a run reads, checked before it starts.
pub(super) struct Settings<'p> {
    pub(super) chunk_size: usize,
    pub(super) concurrency: usize,
    pub(super) resends: u32,
    pub(super) total: Option<u64>,
    pub(super) timer: Arc<dyn Timer>,
    pub(super) interrupt: Interrupt,
    pub(super) progress: Option<ProgressFn<'p>>,
}

/// A key an answer listed in `unsuccessful_keys`, or one being swept, waiting
/// for a request with room.
struct Resend {
    key: String,
    /// Requests that carried it so far (since the sweep, for swept keys).
    sends: u32,
    /// The transient error of its last request, for a swept key: if a stop
    /// keeps it from going out again, that error is still its last word
    /// (the server may have deleted it), not "not attempted".
    failed: Option<Arc<Error>>,
}

/// What woke the run up.
enum Event {
    Input(Option<Batch>),
    Sent(Sent),
    Stop,
}

type Stopped = Pin<Box<dyn Future<Output = ()> + Send>>;

/// One run: its input, its requests in flight and its keys waiting to be
/// sent again, and the report being added up.
pub(super) struct Run<'p, B> {
    target: Target,
    settings: Settings<'p>,
    policy: RetryPolicy,
    input: B,
    input_ended: bool,
    in_flight: FuturesUnordered<BoxFuture<'static, Sent>>,
    resends: VecDeque<Resend>,
    /// Keys whose request failed with a transient error, with that error,
    /// kept for the sweep.
    transient: Vec<(Vec<String>, Arc<Error>)>,
    swept: bool,
    /// The error that stopped the run, if one did.
    fatal: Option<Arc<Error>>,
    interrupted: bool,
    /// Wakes the run when the interrupt fires; `None` once it has.
    stopped: Option<Stopped>,
    report: BulkDeleteReport,
    /// `done` as last passed to the progress callback.
    reported: u64,
}

impl<'p, B: Batches> Run<'p, B> {
    pub(super) fn new(target: Target, settings: Settings<'p>, input: B) -> Self {
        let policy = target.client.as_runtime().retry_policy().clone();
        let stopped: Stopped = Box::pin(settings.interrupt.stopped());
        Run {
            target,
            settings,
            policy,
            input,
            input_ended: false,
            in_flight: FuturesUnordered::new(),
            resends: VecDeque::new(),
            transient: Vec::new(),
            swept: false,
            fatal: None,
            interrupted: false,
            stopped: Some(stopped),
            report: BulkDeleteReport::default(),
            reported: 0,
        }
    }

    /// Runs until every key read is settled, or an interrupt or a fatal
    /// error ends the sending.
    pub(super) async fn run(mut self) -> BulkDeleteReport {
        loop {
            // A stop may come from the progress callback, between two polls.
            self.interrupted |= self.settings.interrupt.is_stopped();
            self.launch_resends();
            let want_input = self.wants_input();
            if !want_input && self.in_flight.is_empty() {
                if self.sweep().await {
                    continue;
                }
                break;
            }
            match self.next_event(want_input).await {
                Event::Input(Some(batch)) => self.take_batch(batch),
                Event::Input(None) => self.input_ended = true,
                Event::Sent(sent) => self.settle(sent),
                Event::Stop => self.interrupted = true,
            }
            self.call_progress();
        }
        self.finish()
    }

    /// Whether new requests may start.
    fn sending(&self) -> bool {
        self.fatal.is_none() && !self.interrupted
    }

    fn has_room(&self) -> bool {
        self.in_flight.len() < self.settings.concurrency
    }

    /// Whether to read the next batch: to fill a free slot, or, after a
    /// fatal error, to report the rest of the input as not attempted.
    fn wants_input(&self) -> bool {
        !self.input_ended && !self.interrupted && (self.fatal.is_some() || self.has_room())
    }

    /// Starts requests of keys to send again while slots are free and they
    /// fill a request, or the input has ended so nothing else will.
    fn launch_resends(&mut self) {
        while self.sending() && self.has_room() && !self.resends.is_empty() {
            if !self.input_ended && self.resends.len() < self.settings.chunk_size {
                break;
            }
            let mut request = Request::default();
            self.top_up(&mut request);
            self.launch(request);
        }
    }

    /// Waits for the interrupt, an answer or the next batch, in that order
    /// of priority.
    async fn next_event(&mut self, want_input: bool) -> Event {
        future::poll_fn(|cx| {
            if let Some(stopped) = self.stopped.as_mut() {
                if stopped.poll_unpin(cx).is_ready() {
                    self.stopped = None;
                    return Poll::Ready(Event::Stop);
                }
            }
            if let Poll::Ready(Some(sent)) = self.in_flight.poll_next_unpin(cx) {
                return Poll::Ready(Event::Sent(sent));
            }
            if want_input {
                if let Poll::Ready(batch) = self.input.poll_batch(cx) {
                    return Poll::Ready(Event::Input(batch));
                }
            }
            Poll::Pending
        })
        .await
    }

    /// Counts a batch read from the input and sends its keys, topped up with
    /// keys to send again when the batch is short; after a fatal error the
    /// keys are reported as not attempted instead.
    fn take_batch(&mut self, batch: Batch) {
        let keys = self.report.read(batch);
        if self.sending() {
            let mut request = Request::fresh(keys);
            self.top_up(&mut request);
            self.launch(request);
        } else {
            let reason = self.stop_reason();
            self.report
                .fail_all(keys, KeyError::NotAttempted { reason });
        }
    }

    /// Moves keys waiting to be sent again into `request`, up to the chunk
    /// size. A request names each key once (otherwise `unsuccessful_keys`
    /// could not say which occurrence failed), so a key the request already
    /// carries waits for a later one, keeping its place in the queue.
    fn top_up(&mut self, request: &mut Request) {
        let room = self.settings.chunk_size.saturating_sub(request.len());
        if room == 0 || self.resends.is_empty() {
            return;
        }
        let chosen = choose(&request.keys, &self.resends, room);
        let scanned: Vec<Resend> = self.resends.drain(..chosen.len()).collect();
        let mut waiting = Vec::new();
        for (resend, take) in scanned.into_iter().zip(chosen) {
            if take {
                request.push(resend.key, resend.sends);
            } else {
                waiting.push(resend);
            }
        }
        for resend in waiting.into_iter().rev() {
            self.resends.push_front(resend);
        }
    }

    fn launch(&mut self, request: Request) {
        if request.len() == 0 {
            return;
        }
        self.report.requests += 1;
        let aborted = self.settings.interrupt.aborted();
        let sent = send::send(self.target.clone(), request, aborted);
        self.in_flight.push(sent.boxed());
    }

    /// Settles the keys of a request that has ended.
    fn settle(&mut self, Sent { request, answer }: Sent) {
        match answer {
            None => self.report.fail_all(request.keys, KeyError::Unconfirmed),
            Some(Ok(answer)) => self.confirm(request, &answer),
            Some(Err(error)) => self.fail_request(request, error),
        }
    }

    /// Counts the keys `answer` confirms and queues the ones it lists as
    /// unsuccessful to go out again with a later request, unless their
    /// re-send budget is spent.
    fn confirm(&mut self, request: Request, answer: &Answer) {
        let verdict = answer.judge(request);
        self.report.deleted += verdict.confirmed;
        self.report.count_mismatches.extend(verdict.mismatch);
        for (key, sends) in verdict.unsuccessful {
            if sends > self.settings.resends {
                let error = KeyError::Unsuccessful { attempts: sends };
                self.report.fail_all(vec![key], error);
            } else {
                self.resends.push_back(Resend {
                    key,
                    sends,
                    failed: None,
                });
            }
        }
    }

    /// Fails the keys of a request whose error every later request would
    /// meet (and stops the run), or keeps them for the sweep when the error
    /// was transient and the sweep is still to come. Checked in that order:
    /// a wait too long counts as retryable, but not for this run.
    fn fail_request(&mut self, request: Request, error: Error) {
        let error = Arc::new(error);
        if stops_the_run(&error) {
            self.fatal.get_or_insert_with(|| Arc::clone(&error));
        } else if error.is_retryable() && !self.swept {
            self.transient.push((request.keys, error));
            return;
        }
        // An error can end a request before it is sent (an invalid id, or
        // a wait another request's answer asked for): its keys were never
        // attempted.
        let failure = if error.attempts() == 0 {
            let reason = StopReason::Error(error);
            KeyError::NotAttempted { reason }
        } else {
            KeyError::Request(error)
        };
        self.report.fail_all(request.keys, failure);
    }

    /// Once everything else is settled, gives the keys that failed with a
    /// transient error one more round with a fresh budget, after one retry
    /// base delay of the client. Returns whether there is a round to run.
    async fn sweep(&mut self) -> bool {
        if self.swept || self.transient.is_empty() || !self.sending() {
            return false;
        }
        self.swept = true;
        if !self.pause(self.policy.base_delay()).await {
            return false;
        }
        for (keys, error) in std::mem::take(&mut self.transient) {
            let resends = keys.into_iter().map(|key| Resend {
                key,
                sends: 0,
                failed: Some(Arc::clone(&error)),
            });
            self.resends.extend(resends);
        }
        true
    }

    /// Sleeps on the run's timer; returns `false` when interrupted first.
    async fn pause(&mut self, delay: Duration) -> bool {
        let sleep = self.settings.timer.sleep(delay);
        let Some(stopped) = self.stopped.as_mut() else {
            return false;
        };
        match future::select(sleep, stopped).await {
            Either::Left(_) => true,
            Either::Right(_) => {
                self.stopped = None;
                self.interrupted = true;
                false
            }
        }
    }

    /// Settles what a stop left behind and says how the run ended.
    fn finish(mut self) -> BulkDeleteReport {
        if let Some(batch) = self.input.flush() {
            let keys = self.report.read(batch);
            self.not_attempted(keys);
        }
        for resend in std::mem::take(&mut self.resends) {
            match resend.failed {
                Some(error) => self
                    .report
                    .fail_all(vec![resend.key], KeyError::Request(error)),
                None => self.not_attempted(vec![resend.key]),
            }
        }
        for (keys, error) in std::mem::take(&mut self.transient) {
            self.report.fail_all(keys, KeyError::Request(error));
        }
        self.report.end = match (self.interrupted, self.settings.interrupt.is_aborted()) {
            (false, _) => RunEnd::InputEnded,
            (true, false) => RunEnd::Stopped,
            (true, true) => RunEnd::Aborted,
        };
        self.call_progress();
        self.report
    }

    fn not_attempted(&mut self, keys: Vec<String>) {
        if !keys.is_empty() {
            let reason = self.stop_reason();
            self.report
                .fail_all(keys, KeyError::NotAttempted { reason });
        }
    }

    fn stop_reason(&self) -> StopReason {
        match &self.fatal {
            Some(error) => StopReason::Error(Arc::clone(error)),
            None => StopReason::Interrupted,
        }
    }

    /// Calls the progress callback when more keys have settled.
    fn call_progress(&mut self) {
        let progress = self.report.progress(self.settings.total);
        if progress.done == self.reported {
            return;
        }
        self.reported = progress.done;
        if let Some(callback) = self.settings.progress.as_mut() {
            callback(progress);
        }
    }
}

/// Which of the first `resends` go into a request that already names
/// `names`, up to `room` of them: one flag per key scanned.
fn choose(names: &[String], resends: &VecDeque<Resend>, room: usize) -> Vec<bool> {
    let mut taken: KeySet<&str> = names.iter().map(String::as_str).collect();
    let mut count = 0;
    resends
        .iter()
        .map_while(|resend| {
            (count < room).then(|| {
                let fresh = taken.insert(resend.key.as_str());
                count += usize::from(fresh);
                fresh
            })
        })
        .collect()
}

/// Whether every later request of the run would fail the same way: refused
/// credentials, a namespace that does not exist, ids the endpoint refuses
/// before sending, or a server asking to wait longer than the client's
/// retry policy accepts ([`Error::WaitTooLong`]: Cloudflare blocks a user
/// over its rate limit for minutes, and the client then fails every request
/// at once until the wait is over). Sending the remaining keys would only
/// spend the rate limit or burn them as failures, so the run stops sending
/// and reports them as not attempted.
fn stops_the_run(error: &Error) -> bool {
    error.is_wait_too_long()
        || matches!(
            error.kind(),
            ErrorKind::Auth | ErrorKind::NotFound | ErrorKind::Config | ErrorKind::InvalidInput
        )
}
