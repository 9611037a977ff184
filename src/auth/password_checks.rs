//! Where argon2 verifications run, and how many there were: each one costs 19 MiB and
//! tens of milliseconds of a core.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use super::password::verify_blocking;

/// Runs password verifications and counts them.
#[derive(Default)]
pub struct PasswordChecks {
    counters: Arc<Counters>,
}

#[derive(Default)]
struct Counters {
    running: AtomicUsize,
    peak: AtomicUsize,
    done: AtomicU64,
}

/// Why a verification did not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CheckRefused {
    #[error("too many password checks are waiting")]
    Busy,
}

impl PasswordChecks {
    /// Whether `password` matches the PHC string `hash`.
    pub async fn verify(&self, password: &str, hash: &str) -> Result<bool, CheckRefused> {
        let (password, hash) = (password.to_string(), hash.to_string());
        let counters = self.counters.clone();
        Ok(tokio::task::spawn_blocking(move || {
            let now = counters.running.fetch_add(1, Ordering::SeqCst) + 1;
            counters.peak.fetch_max(now, Ordering::SeqCst);
            let ok = verify_blocking(&password, &hash);
            counters.running.fetch_sub(1, Ordering::SeqCst);
            counters.done.fetch_add(1, Ordering::SeqCst);
            ok
        })
        .await
        .unwrap_or(false))
    }

    /// The most verifications that ever ran at the same time.
    pub fn peak_running(&self) -> usize {
        self.counters.peak.load(Ordering::SeqCst)
    }

    /// Verifications run so far (each one a full argon2 computation).
    pub fn completed(&self) -> u64 {
        self.counters.done.load(Ordering::SeqCst)
    }
}
