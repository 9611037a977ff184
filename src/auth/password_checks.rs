//! The bound on argon2 work: each verification holds 19 MiB and a core for tens of
//! milliseconds, so at most `workers` run at once, on threads of their own that keep
//! that memory from one verification to the next, and at most `queue` more wait for
//! them; a login beyond that is refused at once instead of piling up memory and latency
//! for everybody.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};

use super::password::{verify_with, Scratch};

/// Runs password verifications within the bound and counts them.
pub struct PasswordChecks {
    /// One permit per verification running or waiting: admission without a race.
    slots: Arc<Semaphore>,
    jobs: mpsc::Sender<Job>,
    counters: Arc<Counters>,
}

struct Job {
    password: String,
    hash: String,
    reply: oneshot::Sender<bool>,
    _slot: OwnedSemaphorePermit,
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
    /// `workers` threads (at least one) verify; `queue` more verifications may wait.
    pub fn new(workers: usize, queue: usize) -> Self {
        let workers = workers.max(1);
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let counters = Arc::new(Counters::default());
        for n in 0..workers {
            let receiver = receiver.clone();
            let counters = counters.clone();
            std::thread::Builder::new()
                .name(format!("password-check-{n}"))
                .spawn(move || work(&receiver, &counters))
                .expect("a thread for password checks");
        }
        PasswordChecks {
            slots: Arc::new(Semaphore::new(workers + queue)),
            jobs: sender,
            counters,
        }
    }

    /// Whether `password` matches the PHC string `hash`; `Busy` when the bound and its
    /// queue are full.
    pub async fn verify(&self, password: &str, hash: &str) -> Result<bool, CheckRefused> {
        let slot = self
            .slots
            .clone()
            .try_acquire_owned()
            .map_err(|_| CheckRefused::Busy)?;
        let (reply, answer) = oneshot::channel();
        let job = Job {
            password: password.to_owned(),
            hash: hash.to_owned(),
            reply,
            _slot: slot,
        };
        self.jobs.send(job).map_err(|_| CheckRefused::Busy)?;
        answer.await.map_err(|_| CheckRefused::Busy)
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

/// A worker thread: verifies jobs in memory of its own until the `PasswordChecks` is
/// dropped.
fn work(receiver: &Mutex<mpsc::Receiver<Job>>, counters: &Counters) {
    yield_to_requests();
    let mut scratch = Scratch::default();
    loop {
        let job = match receiver.lock().unwrap_or_else(|e| e.into_inner()).recv() {
            Ok(job) => job,
            Err(_) => return,
        };
        // The client left while the job waited: nobody would read the answer.
        if job.reply.is_closed() {
            continue;
        }
        let now = counters.running.fetch_add(1, Ordering::SeqCst) + 1;
        counters.peak.fetch_max(now, Ordering::SeqCst);
        let ok = verify_with(&mut scratch, &job.password, &job.hash);
        counters.running.fetch_sub(1, Ordering::SeqCst);
        counters.done.fetch_add(1, Ordering::SeqCst);
        let _ = job.reply.send(ok);
    }
}

/// Lowers the calling thread's priority (nice 10), so that while verifications keep the
/// cores busy, requests of users who need none are still served first.
fn yield_to_requests() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: plain system calls on the calling thread, with no memory passed.
        let rc = unsafe {
            let thread = libc::gettid() as libc::id_t;
            libc::setpriority(libc::PRIO_PROCESS, thread, 10)
        };
        if rc != 0 {
            tracing::debug!(error = %std::io::Error::last_os_error(), "password checks keep their priority");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::hash_password;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_most_workers_run_and_the_queue_is_bounded() {
        let checks = Arc::new(PasswordChecks::new(2, 3));
        let hash = hash_password("secret");
        let tries: Vec<_> = (0..20)
            .map(|i| {
                let (checks, hash) = (checks.clone(), hash.clone());
                tokio::spawn(async move {
                    let password = if i == 0 { "secret" } else { "guess" };
                    checks.verify(password, &hash).await
                })
            })
            .collect();
        let mut answers = Vec::new();
        for t in tries {
            answers.push(t.await.unwrap());
        }
        let busy = answers.iter().filter(|a| a.is_err()).count() as u64;
        assert!(busy >= 1, "20 at once exceed 2 running and 3 waiting");
        assert!(checks.peak_running() <= 2, "peak {}", checks.peak_running());
        assert_eq!(checks.completed() + busy, 20);
        // Once the rush is over, checks run again.
        assert_eq!(checks.verify("secret", &hash).await, Ok(true));
        assert_eq!(checks.verify("nope", &hash).await, Ok(false));
    }

    #[tokio::test]
    async fn a_check_nobody_waits_for_is_skipped() {
        let checks = PasswordChecks::new(1, 4);
        let hash = hash_password("secret");
        // Each future queues its job and is dropped, as when a client disconnects.
        for _ in 0..4 {
            use futures::FutureExt;
            assert!(checks.verify("guess", &hash).now_or_never().is_none());
        }
        assert_eq!(checks.verify("secret", &hash).await, Ok(true));
        assert!(checks.completed() < 5, "{} ran", checks.completed());
    }
}
