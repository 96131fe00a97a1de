//! Ctrl-C during a deletion: the first press stops the run (no new request,
//! the requests in flight finish), the second aborts the requests in flight.
//! The run then writes every key not confirmed deleted, the rest of the input
//! included, before it exits, so nothing is lost; a press while the rest of
//! the input is read (a slow pipe) stops that reading.
//!
//! The handler is installed only once the deletion is confirmed: before
//! that, Ctrl-C ends the command at once, as usual, since nothing was sent.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::ProgressBar;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use cloudflare_kv::bulk::Interrupt;

/// Exit code of a run ended by Ctrl-C: 128 + SIGINT, as shells report it.
pub const EXIT_INTERRUPTED: u8 = 130;

/// Watches for Ctrl-C until dropped.
pub struct CtrlC {
    presses: watch::Receiver<u32>,
    draining: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

impl CtrlC {
    /// Installs the handler; presses act on `interrupt` and are reported
    /// above `bar`.
    pub fn install(interrupt: Interrupt, bar: ProgressBar) -> std::io::Result<Self> {
        let mut signals = Signals::new()?;
        let (count, presses) = watch::channel(0);
        let draining = Arc::new(AtomicBool::new(false));
        let draining_seen = Arc::clone(&draining);
        let task = tokio::spawn(async move {
            let mut pressed = 0;
            while signals.recv().await {
                pressed += 1;
                if draining_seen.load(Ordering::SeqCst) {
                    bar.suspend(|| eprintln!("stopping: the rest of the keys file is not read"));
                } else {
                    react(pressed, &interrupt, &bar);
                }
                count.send_replace(pressed);
            }
        });
        Ok(CtrlC {
            presses,
            draining,
            task,
        })
    }

    /// Marks the start of reading the rest of the input, which the next
    /// press stops; presses before now are not counted by
    /// [`CtrlC::next_press`].
    pub fn draining(&mut self) {
        self.draining.store(true, Ordering::SeqCst);
        self.presses.borrow_and_update();
    }

    /// Completes at the next press not yet seen.
    pub async fn next_press(&mut self) {
        // An error means the watcher has ended: no press will come.
        if self.presses.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

impl Drop for CtrlC {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn react(pressed: u32, interrupt: &Interrupt, bar: &ProgressBar) {
    let say = |message: &str| bar.suspend(|| eprintln!("{message}"));
    match pressed {
        1 => {
            interrupt.stop();
            bar.set_message("stopping: waiting for the requests in flight");
            say(
                "interrupted: no new request will be sent; waiting for the requests in flight \
                 to finish (press Ctrl-C again to stop waiting)",
            );
        }
        2 => {
            interrupt.abort();
            bar.set_message("stopping");
            say("aborting the requests in flight; their keys are kept as not confirmed deleted");
        }
        _ => {}
    }
}

/// SIGINT on Unix, Ctrl-C and Ctrl-Break on Windows. On Unix one listener
/// serves every press: a new listener per press could miss a press that
/// comes between two.
struct Signals {
    #[cfg(unix)]
    inner: tokio::signal::unix::Signal,
}

impl Signals {
    #[cfg(unix)]
    fn new() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            inner: signal(SignalKind::interrupt())?,
        })
    }

    #[cfg(not(unix))]
    fn new() -> std::io::Result<Self> {
        Ok(Signals {})
    }

    /// Waits for a press; `false` when no more can come.
    #[cfg(unix)]
    async fn recv(&mut self) -> bool {
        self.inner.recv().await.is_some()
    }

    #[cfg(not(unix))]
    async fn recv(&mut self) -> bool {
        tokio::signal::ctrl_c().await.is_ok()
    }
}
