//! Report stage: what happened to every key, added up chunk by chunk.

use std::sync::Arc;

use cfgen_runtime::{Error, ErrorKind};

use super::input::Batch;

/// The result of a bulk delete; see the [module docs](super) for the rules.
///
/// `requested == deleted + failed.len() + duplicates` always holds.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct BulkDeleteReport {
    /// Keys read from the input, repeats and invalid keys included.
    pub requested: u64,
    /// Keys a successful answer confirmed deleted.
    pub deleted: u64,
    /// Every key that was not deleted, with its last error, in the order
    /// chunks settled.
    pub failed: Vec<FailedKey>,
    /// Repeated keys skipped (see [`Dedup`](super::Dedup)).
    pub duplicates: u64,
    /// Requests sent (each may have been attempted several times by the
    /// client's retry policy).
    pub requests: u64,
    /// Answers whose `successful_key_count` or `unsuccessful_keys` disagreed
    /// with the keys sent.
    pub count_mismatches: Vec<CountMismatch>,
    /// Whether the run read its whole input or was interrupted.
    pub end: RunEnd,
    /// The error that ended the input early, for
    /// [`BulkDelete::run_listing`](super::BulkDelete::run_listing): the keys
    /// the listing had not reached are in no field of the report.
    pub input_error: Option<Arc<Error>>,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RunEnd {
    /// The input was read to its end: every key of it is in the report.
    #[default]
    InputEnded,
    /// [`Interrupt::stop`](super::Interrupt::stop) ended the run: the
    /// requests in flight finished, and the input was not read further (it
    /// may have been read to its end already).
    Stopped,
    /// [`Interrupt::abort`](super::Interrupt::abort) ended the run: the
    /// requests in flight were dropped, and the input was not read further
    /// (it may have been read to its end already).
    Aborted,
}

impl BulkDeleteReport {
    /// Keys asked for once each: [`requested`](Self::requested) less
    /// [`duplicates`](Self::duplicates). Equals `deleted + failed.len()`.
    pub fn distinct(&self) -> u64 {
        self.requested - self.duplicates
    }

    /// Whether every key of the input was deleted: none failed, the run
    /// was not interrupted, and the input did not fail.
    pub fn is_complete(&self) -> bool {
        self.failed.is_empty() && !self.interrupted() && self.input_error.is_none()
    }

    /// Whether an [`Interrupt`](super::Interrupt) ended the run before its
    /// input did. Keys the input had not yielded by then are in no field of
    /// the report: the caller, who owns the input, accounts for them.
    pub fn interrupted(&self) -> bool {
        self.end != RunEnd::InputEnded
    }

    /// Counts the input keys of a batch read from the input, settles its
    /// invalid keys and repeats, and returns the keys to send.
    pub(super) fn read(&mut self, batch: Batch) -> Vec<String> {
        self.requested += batch.read;
        self.duplicates += batch.duplicates;
        self.failed.extend(batch.invalid);
        batch.keys
    }

    pub(super) fn fail_all(&mut self, keys: Vec<String>, error: KeyError) {
        self.failed.extend(
            keys.into_iter()
                .map(|key| FailedKey::new(key, error.clone())),
        );
    }

    pub(super) fn progress(&self, total: Option<u64>) -> Progress {
        Progress {
            done: self.deleted + self.failed.len() as u64 + self.duplicates,
            total,
            deleted: self.deleted,
            failed: self.failed.len() as u64,
        }
    }
}

/// Running totals passed to the progress callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Input keys settled so far: deleted, failed or skipped as repeats.
    pub done: u64,
    /// Input keys in all, when known.
    pub total: Option<u64>,
    /// Keys confirmed deleted so far.
    pub deleted: u64,
    /// Keys failed so far.
    pub failed: u64,
}

/// A key that was not deleted.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FailedKey {
    /// The key, as given.
    pub key: String,
    /// Why, the last error met.
    pub error: KeyError,
}

impl FailedKey {
    pub(super) fn new(key: String, error: KeyError) -> Self {
        FailedKey { key, error }
    }
}

/// Why a key was not deleted. The request errors are shared by every key of
/// the request, so a failed chunk of 10,000 keys holds one error.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key breaks a Workers KV constraint, so it was never sent.
    #[error("invalid input `keys[{position}]`: {reason}")]
    Invalid {
        /// Its position among the input keys, from 0.
        position: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// Its request failed, after the client's retries.
    #[error(transparent)]
    Request(Arc<Error>),
    /// Every answer listed it in `unsuccessful_keys`, until the re-sends ran
    /// out.
    #[error("listed in `unsuccessful_keys` by all {attempts} answers")]
    Unsuccessful {
        /// How many requests carried it.
        attempts: u32,
    },
    /// It was not sent because the run stopped first; when an answer had
    /// listed it in `unsuccessful_keys`, it was not sent again. Either way
    /// the server did not delete it on this run's behalf.
    #[error("not sent: {reason}")]
    NotAttempted {
        /// Why the run stopped.
        reason: StopReason,
    },
    /// Its request was in flight when the run was aborted, so no answer
    /// says whether it was deleted. Sending it again is safe: deleting a
    /// key that is gone succeeds.
    #[error("sent, but the run was aborted before the answer: it may or may not be deleted")]
    Unconfirmed,
}

/// Why a run stopped sending before its keys were all sent.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum StopReason {
    /// An [`Interrupt`](super::Interrupt) stopped it.
    #[error("the run was interrupted")]
    Interrupted,
    /// A request failed with an error every later request would meet
    /// (refused credentials, a missing namespace, invalid ids, or a server
    /// asking to wait longer than the client's retry policy accepts:
    /// [`Error::WaitTooLong`]).
    #[error("the run stopped after a request failed: {0}")]
    Error(Arc<Error>),
}

impl KeyError {
    /// The class of the error, as [`Error::kind`] gives it; keys still
    /// unsuccessful count as [`ErrorKind::Api`]. `None` for keys left
    /// behind by an [`Interrupt`](super::Interrupt), which met no error.
    pub fn kind(&self) -> Option<ErrorKind> {
        match self {
            KeyError::Invalid { .. } => Some(ErrorKind::InvalidInput),
            KeyError::Unsuccessful { .. } => Some(ErrorKind::Api),
            KeyError::Unconfirmed => None,
            _ => self.request_error().map(Error::kind),
        }
    }

    /// The request error behind this one, if any.
    pub fn request_error(&self) -> Option<&Error> {
        match self {
            KeyError::Request(error)
            | KeyError::NotAttempted {
                reason: StopReason::Error(error),
            } => Some(error),
            _ => None,
        }
    }
}

/// An answer whose counts disagree with the keys sent.
///
/// Which keys count as deleted follows `unsuccessful_keys`, the only part of
/// the answer that names keys; this record keeps the disagreement visible.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CountMismatch {
    /// Keys in the request.
    pub sent: usize,
    /// Keys of the request the answer listed as unsuccessful.
    pub unsuccessful: usize,
    /// The answer's `successful_key_count`, when it had one.
    pub successful_key_count: Option<u64>,
    /// Names in `unsuccessful_keys` that were not in the request.
    pub unknown_unsuccessful: usize,
}

/// What a run would send, from [`BulkDelete::plan`](super::BulkDelete::plan).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Plan {
    /// Keys read from the input, repeats and invalid keys included.
    pub requested: u64,
    /// The number of keys in each request, in order.
    pub chunks: Vec<usize>,
    /// Keys that would not be sent because they are invalid.
    pub invalid: Vec<FailedKey>,
    /// Repeated keys that would be skipped.
    pub duplicates: u64,
}

impl Plan {
    /// Keys that would be sent.
    pub fn to_send(&self) -> u64 {
        self.chunks.iter().map(|&n| n as u64).sum()
    }

    pub(super) fn with(mut self, batch: Batch) -> Self {
        self.requested += batch.read;
        self.duplicates += batch.duplicates;
        if !batch.keys.is_empty() {
            self.chunks.push(batch.keys.len());
        }
        self.invalid.extend(batch.invalid);
        self
    }
}
