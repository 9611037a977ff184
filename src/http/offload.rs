//! CPU-bound work inside a request (parsing, expanding or rendering a large or recurring
//! calendar object) run with `tokio::task::block_in_place`: the worker thread hands its
//! other tasks to another thread first, so that other clients' requests do not wait
//! behind it. Cheap work stays inline, as the hand-over costs a thread wake-up.

use tokio::runtime::{Handle, RuntimeFlavor};

/// Objects at least this large are parsed and rendered off the async workers.
pub(crate) const LARGE_OBJECT_BYTES: usize = 128 * 1024;

/// Runs `work`, off the async worker when `heavy`. A runtime with one thread (the
/// tests') has no other worker to hand tasks to, and runs it inline.
pub(crate) fn run<R>(heavy: bool, work: impl FnOnce() -> R) -> R {
    let handed_over = heavy
        && Handle::try_current()
            .is_ok_and(|runtime| runtime.runtime_flavor() == RuntimeFlavor::MultiThread);
    if handed_over {
        tokio::task::block_in_place(work)
    } else {
        work()
    }
}
