//! The lock that lets one davgate process at a time run periodic maintenance (pruning the
//! change log) against a database several replicas share. On PostgreSQL it is a
//! session-level advisory lock taken with `pg_try_advisory_lock` on a connection of its
//! own, outside the pool, held for the run: released when the lock is, and also when the
//! process dies or the connection breaks, since the session ends. SQLite is one process's
//! file: there the lock is always had.

use sqlx::Connection;

/// The advisory lock key of change-log maintenance ("davgate:prune" in ASCII).
pub(crate) const MAINTENANCE_LOCK_KEY: i64 = 0x6461_7667_3a70_726e;

/// Held while this process runs maintenance; `release` (or dropping it) lets another run.
#[must_use = "the lock is released when dropped"]
pub struct MaintenanceLock {
    session: Option<sqlx::PgConnection>,
}

impl MaintenanceLock {
    /// The lock of a database only this process uses.
    pub(crate) fn unshared() -> MaintenanceLock {
        MaintenanceLock { session: None }
    }

    /// Tries the advisory lock on `session`, a connection of its own; None when another
    /// session holds it.
    pub(crate) async fn try_advisory(
        mut session: sqlx::PgConnection,
    ) -> Result<Option<MaintenanceLock>, sqlx::Error> {
        let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(MAINTENANCE_LOCK_KEY)
            .fetch_one(&mut session)
            .await?;
        if !locked {
            let _ = session.close().await;
            return Ok(None);
        }
        Ok(Some(MaintenanceLock {
            session: Some(session),
        }))
    }

    /// Unlocks and closes the lock's own connection.
    pub async fn release(self) {
        if let Some(mut session) = self.session {
            let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(MAINTENANCE_LOCK_KEY)
                .execute(&mut session)
                .await;
            let _ = session.close().await;
        }
    }
}
