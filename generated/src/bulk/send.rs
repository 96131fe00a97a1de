//! Send stage: deletes one chunk through the generated endpoint and re-sends
//! the keys its answers list as unsuccessful, until none are left or the
//! re-send budget runs out.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use cfgen_runtime::{Error, ErrorKind, Timer};

use super::Client;
use super::answer::Answer;
use super::input::Batch;
use super::report::{CountMismatch, FailedKey, KeyError};

/// Where chunks go, shared by every chunk of a run. Owned (cheap clones of
/// `Arc`s) rather than borrowed, so that each chunk's future is free of
/// borrowed lifetimes: futures that borrow through a stream combinator's
/// closure trip a compiler limitation and stop being `Send`.
#[derive(Clone)]
pub(super) struct Target {
    pub(super) client: Client,
    pub(super) account_id: Arc<str>,
    pub(super) namespace_id: Arc<str>,
    pub(super) resends: u32,
    pub(super) timer: Arc<dyn Timer>,
    /// Set by the first request that fails in a way every later request
    /// would too; chunks not yet sent are then skipped.
    pub(super) stop: Arc<OnceLock<Arc<Error>>>,
}

/// What became of one batch's input keys.
#[derive(Debug, Default)]
pub(super) struct Outcome {
    pub(super) read: u64,
    pub(super) duplicates: u64,
    pub(super) deleted: u64,
    pub(super) failed: Vec<FailedKey>,
    pub(super) requests: u64,
    pub(super) mismatches: Vec<CountMismatch>,
}

/// Deletes the keys of `batch`; every input key of the batch ends up in the
/// outcome exactly once.
pub(super) async fn settle(target: Target, batch: Batch) -> Outcome {
    let mut outcome = Outcome {
        read: batch.read,
        duplicates: batch.duplicates,
        failed: batch.invalid,
        ..Outcome::default()
    };
    let mut pending = batch.keys;
    let mut sends = 0;
    while !pending.is_empty() {
        if let Some(cause) = target.stop.get() {
            outcome.fail_all(pending, KeyError::Skipped(Arc::clone(cause)));
            break;
        }
        if sends > target.resends {
            outcome.fail_all(pending, KeyError::Unsuccessful { attempts: sends });
            break;
        }
        if sends > 0 {
            target.timer.sleep(target.resend_delay(sends)).await;
        }
        sends += 1;
        outcome.requests += 1;
        let sent = target
            .client
            .namespace_delete_multiple_key_value_pairs(
                &target.account_id,
                &target.namespace_id,
                &pending,
            )
            .await;
        pending = match sent {
            Ok(result) => outcome.confirm(pending, &Answer::read(result.as_ref())),
            Err(error) => {
                let error = Arc::new(error);
                if stops_the_run(&error) {
                    let _ = target.stop.set(Arc::clone(&error));
                }
                outcome.fail_all(pending, KeyError::Request(error));
                break;
            }
        };
    }
    outcome
}

impl Target {
    /// The wait before re-send number `round` (from 1): the client's retry
    /// base delay, doubled each round, capped at its maximum delay. Keys
    /// left unsuccessful are usually a passing state of the store, so
    /// hammering at once would mostly fail again.
    fn resend_delay(&self, round: u32) -> Duration {
        let policy = self.client.as_runtime().retry_policy();
        let factor = 1u32 << (round - 1).min(16);
        policy
            .base_delay()
            .saturating_mul(factor)
            .min(policy.max_delay())
    }
}

impl Outcome {
    /// Counts the keys `answer` confirms and returns the ones to re-send.
    fn confirm(&mut self, sent: Vec<String>, answer: &Answer) -> Vec<String> {
        let listed: HashSet<&str> = answer
            .unsuccessful_keys
            .iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let sent_count = sent.len();
        let left: Vec<String> = if listed.is_empty() {
            Vec::new()
        } else {
            sent.into_iter()
                .filter(|key| listed.contains(key.as_str()))
                .collect()
        };
        let confirmed = sent_count - left.len();
        self.deleted += confirmed as u64;
        let unknown_unsuccessful = listed.len() - left.len();
        let count_disagrees = answer
            .successful_key_count
            .is_some_and(|count| count != confirmed as u64);
        if count_disagrees || unknown_unsuccessful > 0 {
            self.mismatches.push(CountMismatch {
                sent: sent_count,
                unsuccessful: left.len(),
                successful_key_count: answer.successful_key_count,
                unknown_unsuccessful,
            });
        }
        left
    }

    fn fail_all(&mut self, keys: Vec<String>, error: KeyError) {
        self.failed.extend(
            keys.into_iter()
                .map(|key| FailedKey::new(key, error.clone())),
        );
    }
}

/// Whether every later request of the run would fail the same way: refused
/// credentials, a namespace that does not exist, or ids the endpoint refuses
/// before sending. Sending the remaining chunks would only spend the rate
/// limit, so the run stops sending and reports those keys as skipped.
fn stops_the_run(error: &Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::Auth | ErrorKind::NotFound | ErrorKind::Config | ErrorKind::InvalidInput
    )
}
