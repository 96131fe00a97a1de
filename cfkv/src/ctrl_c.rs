//! Ctrl-C during a deletion: the first press stops the run (no new request,
//! the requests in flight finish), the second aborts the requests in flight.
//! The run then writes every key not confirmed deleted, the rest of the input
//! included, before it exits, so nothing is lost; a press while the rest of
//! the input is read (a slow pipe) stops that reading.
//!
//! SIGTERM (a service manager stopping the command, a CI job cancelled, `kill`)
//! acts as both presses at once: whoever sent it will not wait long, so the
//! requests in flight are aborted and their keys written out with the rest.
//!
//! The handler is installed only once the deletion is confirmed: before
//! that, Ctrl-C ends the command at once, as usual, since nothing was sent.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::ProgressBar;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use cloudflare_kv::bulk::Interrupt;

/// Whether SIGTERM stopped the run; process-wide, like the signal.
static TERMINATED: AtomicBool = AtomicBool::new(false);

/// The exit code of a stopped run, as shells report a signal: 130
/// (128 + SIGINT) after Ctrl-C, 143 (128 + SIGTERM) after SIGTERM.
pub fn exit_code() -> u8 {
    if TERMINATED.load(Ordering::SeqCst) {
        143
    } else {
        130
    }
}

/// What stopped the run, for the summary: `Ctrl-C` or `SIGTERM`.
pub fn cause() -> &'static str {
    if TERMINATED.load(Ordering::SeqCst) {
        "SIGTERM"
    } else {
        "Ctrl-C"
    }
}

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
            while let Some(signal) = signals.recv().await {
                pressed = match signal {
                    Signal::Interrupt => pressed + 1,
                    Signal::Terminate => {
                        TERMINATED.store(true, Ordering::SeqCst);
                        interrupt.stop();
                        pressed.max(1) + 1
                    }
                };
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
            if TERMINATED.load(Ordering::SeqCst) {
                say("terminated (SIGTERM): no new request will be sent");
            }
            say("aborting the requests in flight; their keys are kept as not confirmed deleted");
        }
        _ => {}
    }
}

/// A signal that stops the run.
enum Signal {
    /// Ctrl-C: SIGINT, or Ctrl-C and Ctrl-Break on Windows.
    Interrupt,
    /// SIGTERM (Unix only).
    #[cfg_attr(not(unix), allow(dead_code))]
    Terminate,
}

/// SIGINT and SIGTERM on Unix, Ctrl-C and Ctrl-Break on Windows. On Unix one
/// listener per signal serves every press: a new listener per press could
/// miss a press that comes between two.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    #[cfg(unix)]
    fn new() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    #[cfg(not(unix))]
    fn new() -> std::io::Result<Self> {
        Ok(Signals {})
    }

    /// Waits for the next signal; `None` when no more can come.
    #[cfg(unix)]
    async fn recv(&mut self) -> Option<Signal> {
        tokio::select! {
            Some(()) = self.interrupt.recv() => Some(Signal::Interrupt),
            Some(()) = self.terminate.recv() => Some(Signal::Terminate),
            else => None,
        }
    }

    #[cfg(not(unix))]
    async fn recv(&mut self) -> Option<Signal> {
        tokio::signal::ctrl_c()
            .await
            .ok()
            .map(|()| Signal::Interrupt)
    }
}
