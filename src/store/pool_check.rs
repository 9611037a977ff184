//! When a pooled connection is checked before a query gets it: only after it sat idle.
//! sqlx's own check pings every connection on every acquire, a round trip to PostgreSQL
//! (or a hop to SQLite's worker thread) before each query of a request.

use std::time::Duration;

use futures::future::BoxFuture;
use sqlx::pool::PoolConnectionMetadata;
use sqlx::Connection;

/// A connection used this recently is handed out as it is: it was answering a moment
/// ago. One idle longer is pinged first, and replaced when the ping fails (a database
/// restarted, a connection a firewall dropped). A query on a connection lost within this
/// window fails like any query the database does not answer.
pub(crate) const TRUSTED_IDLE: Duration = Duration::from_secs(1);

/// sqlx's `before_acquire` hook: Ok(true) hands the connection out, an error closes it
/// and another is tried.
pub(crate) fn ping_when_idle<C: Connection>(
    connection: &mut C,
    meta: PoolConnectionMetadata,
) -> BoxFuture<'_, Result<bool, sqlx::Error>> {
    Box::pin(async move {
        if meta.idle_for >= TRUSTED_IDLE {
            connection.ping().await?;
        }
        Ok(true)
    })
}
