//! Report stage: what happened to every key, added up chunk by chunk.

use std::sync::Arc;

use cfgen_runtime::{Error, ErrorKind};

use super::input::Batch;
use super::send::Outcome;

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
}

impl BulkDeleteReport {
    /// Keys asked for once each: [`requested`](Self::requested) less
    /// [`duplicates`](Self::duplicates). Equals `deleted + failed.len()`.
    pub fn distinct(&self) -> u64 {
        self.requested - self.duplicates
    }

    /// Whether every key was deleted.
    pub fn is_complete(&self) -> bool {
        self.failed.is_empty()
    }

    pub(super) fn absorb(&mut self, outcome: Outcome) {
        self.requested += outcome.read;
        self.deleted += outcome.deleted;
        self.duplicates += outcome.duplicates;
        self.requests += outcome.requests;
        self.failed.extend(outcome.failed);
        self.count_mismatches.extend(outcome.mismatches);
    }

    pub(super) fn progress(&self, total: Option<u64>) -> Progress {
        Progress {
            done: self.requested,
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
    /// It was not sent because an earlier request failed with an error
    /// every request would meet (authentication, a missing namespace, an
    /// invalid account or namespace id).
    #[error("not sent after an earlier request failed: {0}")]
    Skipped(Arc<Error>),
}

impl KeyError {
    /// The class of the error, as [`Error::kind`] gives it; keys still
    /// unsuccessful count as [`ErrorKind::Api`].
    pub fn kind(&self) -> ErrorKind {
        match self {
            KeyError::Invalid { .. } => ErrorKind::InvalidInput,
            KeyError::Request(error) | KeyError::Skipped(error) => error.kind(),
            KeyError::Unsuccessful { .. } => ErrorKind::Api,
        }
    }

    /// The request error behind this one, if any.
    pub fn request_error(&self) -> Option<&Error> {
        match self {
            KeyError::Request(error) | KeyError::Skipped(error) => Some(error),
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
