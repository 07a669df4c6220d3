//! Progress reporting for long hashing work: the library counts bytes, the caller renders.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// Receives progress of a long hashing job; the library itself never prints.
///
/// # Contract
///
/// - `on_progress` is called from the worker threads, possibly concurrently, after each read
///   buffer (about every MiB) and once more at the end of each file.
/// - `bytes_done` counts bytes read so far across all threads; `bytes_total` is the number of
///   bytes the job will read, fixed for the job's duration. Two calls from different threads may
///   arrive out of order, so a renderer should keep the largest `bytes_done` it has seen.
/// - Implementations must be cheap and must not panic: they run on the hashing threads.
///
/// Any `Fn(u64, u64) + Sync` closure is a `Progress`; [`NoProgress`] ignores everything.
pub trait Progress: Sync {
    /// `bytes_done` of `bytes_total` bytes have been read.
    fn on_progress(&self, bytes_done: u64, bytes_total: u64);
}

impl<F> Progress for F
where
    F: Fn(u64, u64) + Sync,
{
    fn on_progress(&self, bytes_done: u64, bytes_total: u64) {
        self(bytes_done, bytes_total);
    }
}

/// A [`Progress`] that ignores all reports.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn on_progress(&self, _bytes_done: u64, _bytes_total: u64) {}
}

/// Shared byte counter of one job, forwarding to the caller's [`Progress`].
pub(crate) struct ProgressCounter<'a> {
    sink: &'a dyn Progress,
    done: AtomicU64,
    total: u64,
}

impl fmt::Debug for ProgressCounter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProgressCounter")
            .field("done", &self.done.load(Ordering::Relaxed))
            .field("total", &self.total)
            .finish()
    }
}

impl<'a> ProgressCounter<'a> {
    pub(crate) fn new(sink: &'a dyn Progress, total: u64) -> Self {
        Self {
            sink,
            done: AtomicU64::new(0),
            total,
        }
    }

    pub(crate) fn add(&self, n_bytes: u64) {
        let done = self.done.fetch_add(n_bytes, Ordering::Relaxed) + n_bytes;
        self.sink.on_progress(done, self.total);
    }
}
