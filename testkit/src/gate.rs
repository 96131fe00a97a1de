//! Gates: hold scripted replies until the test lets them go, so a test can
//! act (send a signal, inspect state) while requests are known to be in
//! flight, without guessing a delay.

use std::fmt;
use std::sync::Arc;

use tokio::sync::watch;

/// A gate that replies wait behind until it is opened; see
/// [`Reply::held_by`](crate::Reply::held_by).
///
/// Clones share one gate. Once opened it stays open: replies held by it go
/// out, and later ones pass at once.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use testkit::{Gate, MockServer, Reply};
///
/// let gate = Gate::new();
/// let server = MockServer::start().await;
/// server.push(Reply::status(204).held_by(&gate));
/// // Start the client under test, wait until `server.request_count()` is 1,
/// // act while its request is held, then:
/// gate.open();
/// # }
/// ```
#[derive(Clone)]
pub struct Gate {
    open: Arc<watch::Sender<bool>>,
}

impl Gate {
    /// A closed gate.
    pub fn new() -> Self {
        Gate {
            open: Arc::new(watch::Sender::new(false)),
        }
    }

    /// Opens the gate: every reply it holds goes out.
    pub fn open(&self) {
        self.open.send_replace(true);
    }

    /// Whether the gate is open.
    pub fn is_open(&self) -> bool {
        *self.open.borrow()
    }

    /// Completes once the gate is open.
    pub(crate) async fn passed(&self) {
        let mut open = self.open.subscribe();
        // The sender lives as long as `self`, so waiting cannot fail.
        let _ = open.wait_for(|open| *open).await;
    }
}

impl Default for Gate {
    fn default() -> Self {
        Gate::new()
    }
}

impl fmt::Debug for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gate")
            .field("open", &self.is_open())
            .finish()
    }
}
