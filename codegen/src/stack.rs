//! Runs the stages that recurse over a document on a thread whose stack size is known.
//!
//! Resolving, rendering and formatting recurse once per level of schema nesting, which
//! [`MAX_DEPTH`](crate::resolve::MAX_DEPTH) and the parsers' nesting limits bound. The
//! stack that bound needs is not the caller's to guess: a test thread has 2 MiB, a
//! Windows main thread 1 MiB, and unoptimised builds (build scripts are unoptimised by
//! default) use several times the stack of release builds. At the limits, the deepest
//! document needs about 3 MiB unoptimised; the thread gets ten times that, which costs
//! address space only, as pages are committed when touched.

use std::sync::{Mutex, PoisonError};

/// The stack size of the thread [`run`] uses.
const STACK_SIZE: usize = 32 << 20;

/// Runs `work` on a fresh thread with a [`STACK_SIZE`] stack and returns its result; a
/// panic in `work` resumes in the caller. Where no thread can be spawned, `work` runs on
/// the caller's thread.
pub(crate) fn run<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    // The work sits outside the thread's closure so that it is still here when no
    // thread could be spawned.
    let slot = Mutex::new(Some(work));
    let take = || {
        slot.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .expect("the work runs once")
    };
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("cfgen".into())
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, || take()());
        match spawned {
            Ok(thread) => thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => take()(),
        }
    })
}
