//! Send stage: one bulk-delete request through the generated endpoint, raced
//! against an abort, with the keys handed back for accounting whatever
//! happened.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;

use cfgen_runtime::Error;
use futures::future::{self, Either};

use super::Client;
use super::answer::Answer;

/// Where requests go, shared by every request of a run. Owned (cheap clones
/// of `Arc`s) rather than borrowed, so that each request's future is free of
/// borrowed lifetimes and can be boxed as `'static`.
#[derive(Clone)]
pub(super) struct Target {
    pub(super) client: Client,
    pub(super) account_id: Arc<str>,
    pub(super) namespace_id: Arc<str>,
}

/// The keys of one request, each with the number of earlier requests that
/// carried it (0 for a key sent for the first time).
#[derive(Debug, Default)]
pub(super) struct Request {
    pub(super) keys: Vec<String>,
    pub(super) sends: Vec<u32>,
}

/// A request that has ended, with its keys.
pub(super) struct Sent {
    pub(super) request: Request,
    /// What the server said; `None` when the run was aborted first.
    pub(super) answer: Option<Result<Answer, Error>>,
}

impl Request {
    /// Keys sent for the first time.
    pub(super) fn fresh(keys: Vec<String>) -> Self {
        let sends = vec![0; keys.len()];
        Request { keys, sends }
    }

    pub(super) fn len(&self) -> usize {
        self.keys.len()
    }

    pub(super) fn push(&mut self, key: String, sends: u32) {
        self.keys.push(key);
        self.sends.push(sends);
    }
}

/// Sends `request` unless `aborted` completes first, in which case the
/// request is dropped (the client stops waiting for its answer).
pub(super) async fn send(
    target: Target,
    request: Request,
    aborted: impl Future<Output = ()> + Unpin,
) -> Sent {
    let answer = {
        let call = pin!(target.client.namespace_delete_multiple_key_value_pairs(
            &target.account_id,
            &target.namespace_id,
            &request.keys,
        ));
        match future::select(call, aborted).await {
            Either::Left((sent, _)) => Some(sent.map(|result| Answer::read(result.as_ref()))),
            Either::Right(_) => None,
        }
    };
    Sent { request, answer }
}
