//! CPU-bound work (canonicalisation, signing, verification) off the async runtime, on a
//! pool of one thread per core (rayon's global pool).
//!
//! `spawn_blocking` gave every request in flight a thread of its own, all runnable at
//! once; the few threads doing I/O (the async workers, the database connections) then
//! waited behind them for a time slice, and every database round trip took milliseconds
//! under load. A pool as wide as the machine keeps the run queue short.

use std::panic::AssertUnwindSafe;

use tokio::runtime::Handle;

/// Why CPU work produced no result.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CpuError(&'static str);

/// Runs `f` on the CPU pool and waits for it without blocking the async runtime. `f`
/// gets the runtime's handle for the odd database call (`handle.block_on(…)`). A panic
/// in `f` is caught and becomes an error.
pub async fn run<T, F>(f: F) -> Result<T, CpuError>
where
    F: FnOnce(&Handle) -> T + Send + 'static,
    T: Send + 'static,
{
    let handle = Handle::current();
    let (tx, rx) = tokio::sync::oneshot::channel();
    rayon::spawn(move || {
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| f(&handle)));
        let _ = tx.send(result);
    });
    match rx.await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(_)) => Err(CpuError("the task panicked")),
        Err(_) => Err(CpuError("the task was dropped")),
    }
}
