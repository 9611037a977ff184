//! PostgreSQL's generation of what the login cache keeps (`Store::cache_generation`):
//! migration 0019's statement triggers on every table the cache reads send a
//! notification on [`CHANNEL`] when a transaction that wrote one of them commits,
//! whoever wrote it. A listener on a connection of its own counts them; the count is the
//! generation, moved as well whenever the listener connects again (what was sent while
//! it was away is lost).
//!
//! A listener can be deaf without knowing it (a connection that died silently, a pooler
//! that does not pass notifications on), so every read of the generation also sends a
//! heartbeat on the channel through the pool, and the generation counts as unknown (an
//! error: the cache's entries live briefly) while no heartbeat has come back within
//! [`HEARTBEAT_BOUND`].

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgListener, PgNotification, PgPool, PgPoolOptions};

use super::{StoreError, StoreResult};

/// The channel migration 0019's triggers notify on.
pub(crate) const CHANNEL: &str = "davgate_login_cache";
/// The payload of a heartbeat; a change's notification carries none.
const HEARTBEAT: &str = "heartbeat";
/// How long the last heartbeat heard may be old before the listener counts as deaf.
const HEARTBEAT_BOUND: Duration = Duration::from_secs(3);
/// How long after a lost listener a new one is tried.
const RETRY: Duration = Duration::from_secs(1);

/// What the listener has heard.
struct Heard {
    generation: AtomicI64,
    listening: AtomicBool,
    last_heartbeat: Mutex<Option<Instant>>,
}

/// The store's side of the watch: the listener is started by the first read.
#[derive(Default)]
pub(crate) struct PgCacheWatch {
    heard: OnceLock<Arc<Heard>>,
}

impl PgCacheWatch {
    /// The generation, or an error while the listener is not known to hear.
    pub(crate) async fn generation(&self, pool: &PgPool) -> StoreResult<i64> {
        let heard = self.heard.get_or_init(|| {
            let heard = Arc::new(Heard {
                generation: AtomicI64::new(0),
                listening: AtomicBool::new(false),
                last_heartbeat: Mutex::new(None),
            });
            tokio::spawn(listen(pool.connect_options(), Arc::downgrade(&heard)));
            heard
        });
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(HEARTBEAT)
            .execute(pool)
            .await?;
        let recent = heard
            .last_heartbeat
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some_and(|at| at.elapsed() < HEARTBEAT_BOUND);
        if heard.listening.load(Ordering::SeqCst) && recent {
            Ok(heard.generation.load(Ordering::SeqCst))
        } else {
            Err(StoreError::Unavailable(sqlx::Error::Protocol(
                "no notifications of changes to logins are heard".into(),
            )))
        }
    }
}

/// Listens for as long as `heard` is wanted, connecting again after a loss. Holds the
/// request pool's connect options only, not the pool.
async fn listen(options: Arc<PgConnectOptions>, heard: Weak<Heard>) {
    loop {
        // A connection of its own, outside the request pool, which it would take one
        // of for good.
        let listener = async {
            let own = PgPoolOptions::new()
                .max_connections(1)
                .max_lifetime(None)
                .idle_timeout(None)
                .connect_with((*options).clone())
                .await?;
            let mut listener = PgListener::connect_with(&own).await?;
            listener.listen(CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        }
        .await;
        if let Ok(mut listener) = listener {
            {
                let Some(heard) = heard.upgrade() else { return };
                // What was sent while no listener heard is lost: a change in itself.
                heard.generation.fetch_add(1, Ordering::SeqCst);
                heard.listening.store(true, Ordering::SeqCst);
            }
            while let Some(notification) = next(&mut listener, &heard).await {
                let Some(heard) = heard.upgrade() else { return };
                if notification.payload() == HEARTBEAT {
                    *heard
                        .last_heartbeat
                        .lock()
                        .unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
                } else {
                    heard.generation.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
        match heard.upgrade() {
            Some(heard) => heard.listening.store(false, Ordering::SeqCst),
            None => return,
        }
        tokio::time::sleep(RETRY).await;
    }
}

/// The next notification; None when the connection is lost, or when nobody wants the
/// count any more (looked at every [`RETRY`] while waiting, so that the listener and its
/// connection go with the store). The wait is given up only then, with the listener.
async fn next(listener: &mut PgListener, heard: &Weak<Heard>) -> Option<PgNotification> {
    let received = listener.try_recv();
    tokio::pin!(received);
    loop {
        tokio::select! {
            received = &mut received => return received.ok().flatten(),
            _ = tokio::time::sleep(RETRY) => {
                if heard.strong_count() == 0 {
                    return None;
                }
            }
        }
    }
}
