//! Interrupt handle: lets another task (a Ctrl-C handler) stop a running
//! bulk delete without losing track of a single key.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use futures::FutureExt;
use futures::channel::oneshot;
use futures::future::Shared;

/// Stops a running [`BulkDelete`](super::BulkDelete) from elsewhere, such as
/// a Ctrl-C handler; attach it with
/// [`BulkDelete::interrupt`](super::BulkDelete::interrupt).
///
/// Clones share one state, so keep a clone and hand one to the run. One
/// handle may be attached to several runs: each of them obeys it.
///
/// - [`stop`](Self::stop): no new request starts and the input is not read
///   further. Requests in flight finish and their answers count as usual.
/// - [`abort`](Self::abort): as `stop`, and the requests in flight are
///   dropped at once; their keys are reported as
///   [`KeyError::Unconfirmed`](super::KeyError::Unconfirmed).
///
/// Either way the run returns its report, with
/// [`BulkDeleteReport::end`](super::BulkDeleteReport::end) saying so; see
/// the [module docs](super#interrupting-a-run).
///
/// ```
/// use cloudflare_kv::bulk::Interrupt;
///
/// let interrupt = Interrupt::new();
/// let for_the_handler = interrupt.clone();
/// for_the_handler.stop();
/// assert!(interrupt.is_stopped() && !interrupt.is_aborted());
/// ```
#[derive(Clone, Default)]
pub struct Interrupt {
    signals: Arc<Signals>,
}

#[derive(Default)]
struct Signals {
    stop: Signal,
    abort: Signal,
}

/// A flag that can also be awaited. Raising it drops the sender, which
/// completes every clone of the shared receiver, however many runs wait.
struct Signal {
    raised: AtomicBool,
    sender: Mutex<Option<oneshot::Sender<()>>>,
    receiver: Shared<oneshot::Receiver<()>>,
}

impl Interrupt {
    /// A handle that has not been triggered.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stops taking new work: no new request starts, the input is not read
    /// further, and the requests in flight finish normally.
    pub fn stop(&self) {
        self.signals.stop.raise();
    }

    /// Stops, and drops the requests in flight without waiting for their
    /// answers.
    pub fn abort(&self) {
        self.signals.stop.raise();
        self.signals.abort.raise();
    }

    /// Whether [`stop`](Self::stop) or [`abort`](Self::abort) was called.
    pub fn is_stopped(&self) -> bool {
        self.signals.stop.is_raised()
    }

    /// Whether [`abort`](Self::abort) was called.
    pub fn is_aborted(&self) -> bool {
        self.signals.abort.is_raised()
    }

    /// Completes once the run is asked to stop (or abort).
    pub(super) fn stopped(&self) -> impl Future<Output = ()> + Send + Unpin + 'static {
        self.signals.stop.raised()
    }

    /// Completes once the run is asked to abort.
    pub(super) fn aborted(&self) -> impl Future<Output = ()> + Send + Unpin + 'static {
        self.signals.abort.raised()
    }
}

impl fmt::Debug for Interrupt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interrupt")
            .field("stopped", &self.is_stopped())
            .field("aborted", &self.is_aborted())
            .finish()
    }
}

impl Default for Signal {
    fn default() -> Self {
        let (sender, receiver) = oneshot::channel();
        Signal {
            raised: AtomicBool::new(false),
            sender: Mutex::new(Some(sender)),
            receiver: receiver.shared(),
        }
    }
}

impl Signal {
    fn raise(&self) {
        // The flag first: whoever is woken by the channel must see it set.
        self.raised.store(true, Ordering::SeqCst);
        let sender = self
            .sender
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        drop(sender);
    }

    fn is_raised(&self) -> bool {
        self.raised.load(Ordering::SeqCst)
    }

    fn raised(&self) -> impl Future<Output = ()> + Send + Unpin + 'static {
        // The receiver ends with `Canceled` when the sender is dropped: that
        // is the signal, so the result itself carries nothing.
        self.receiver.clone().map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abort_implies_stop_and_clones_share_the_state() {
        let interrupt = Interrupt::new();
        let clone = interrupt.clone();
        assert!(!interrupt.is_stopped());
        clone.abort();
        assert!(interrupt.is_stopped() && interrupt.is_aborted());
        assert_eq!(
            format!("{interrupt:?}"),
            "Interrupt { stopped: true, aborted: true }"
        );
    }

    #[tokio::test]
    async fn every_waiter_wakes_and_raising_twice_is_harmless() {
        let interrupt = Interrupt::new();
        let (first, second) = (interrupt.stopped(), interrupt.stopped());
        interrupt.stop();
        interrupt.stop();
        first.await;
        second.await;
        interrupt.stopped().await;
        assert!(!interrupt.is_aborted());
    }
}
