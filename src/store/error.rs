//! What can go wrong in the store, and which database failures mean "unreachable" or
//! "busy with other writers" rather than a fault: callers answer those with 503 and a
//! time to retry, never as an internal error.

/// A store operation's failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A conditional write or delete found another version (or none, or one already there).
    #[error("precondition failed")]
    PreconditionFailed,
    /// Another member of the same folder already has this UID.
    #[error("UID already used by {resource_name}")]
    UidConflict { resource_name: String },
    /// A name that must be unique is taken (login, mail, context name, mapping, ...).
    #[error("already exists: {0}")]
    AlreadyExists(String),
    /// The sync token names a sequence below the pruned change log, or one never handed out.
    #[error("sync token {0} is not valid for this context")]
    InvalidSyncToken(i64),
    #[error("invalid: {0}")]
    Invalid(String),
    /// A write would store more than the bounds it was given allow; nothing was written.
    #[error("over a storage limit: {0}")]
    OverLimit(String),
    /// A write would take its folder's owner or context beyond a quota (`QuotaLimits`);
    /// nothing was written. The text says which quota and how much is left.
    #[error("over quota: {0}")]
    QuotaExceeded(String),
    /// The database cannot be reached: no connection could be made or had in time, or
    /// the connection broke. Nothing was written; the same request may succeed later.
    #[error("database unavailable: {0}")]
    Unavailable(sqlx::Error),
    /// The database gave up on the work because of concurrent writers (a deadlock, a
    /// serialization failure, SQLite's write lock held too long), or they kept changing
    /// what the work depends on, and running it again did not help. Nothing was written.
    #[error("database busy: {0}")]
    Contention(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> StoreError {
        if is_unreachable(&err) {
            StoreError::Unavailable(err)
        } else if is_contention(&err) {
            StoreError::Contention(err.to_string())
        } else {
            StoreError::Database(err)
        }
    }
}

/// PostgreSQL SQLSTATEs that say the server cannot serve this connection: connection
/// exceptions (class 08), too many connections, shutting down or starting up, a database
/// that does not exist or refuses connections (`ALLOW_CONNECTIONS false`), and rejected
/// credentials.
const PG_UNREACHABLE: &[&str] = &[
    "53300", "57P01", "57P02", "57P03", "3D000", "55000", "28000", "28P01",
];

/// SQLite primary result codes for a file that cannot be opened or read (CANTOPEN, IOERR).
const SQLITE_UNREACHABLE: &[i64] = &[14, 10];

/// SQLite's BUSY and LOCKED: another connection holds the lock this one needs.
const SQLITE_BUSY: &[i64] = &[5, 6];

/// Whether `err` says the database could not be reached, rather than that it refused
/// the statement.
fn is_unreachable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => match db.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
            Some(_) => sqlite_primary_code(db.code().as_deref())
                .is_some_and(|c| SQLITE_UNREACHABLE.contains(&c)),
            None => db.code().is_some_and(|code| {
                code.starts_with("08") || PG_UNREACHABLE.contains(&code.as_ref())
            }),
        },
        _ => false,
    }
}

/// Whether `err` is the database giving up because of concurrent writers; the
/// transaction may simply be run again.
fn is_contention(err: &sqlx::Error) -> bool {
    let Some(db) = err.as_database_error() else {
        return false;
    };
    match db.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
        Some(_) => {
            sqlite_primary_code(db.code().as_deref()).is_some_and(|c| SQLITE_BUSY.contains(&c))
        }
        // deadlock_detected, serialization_failure
        None => db
            .code()
            .is_some_and(|code| code == "40P01" || code == "40001"),
    }
}

/// The primary result code of an SQLite (extended) result code: its low byte.
fn sqlite_primary_code(code: Option<&str>) -> Option<i64> {
    code?.parse::<i64>().ok().map(|c| c & 0xff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_sqlite_codes_reduce_to_their_primary_code() {
        // SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_READ, SQLITE_CANTOPEN_ISDIR
        assert_eq!(sqlite_primary_code(Some("517")), Some(5));
        assert_eq!(sqlite_primary_code(Some("266")), Some(10));
        assert_eq!(sqlite_primary_code(Some("526")), Some(14));
        assert_eq!(sqlite_primary_code(None), None);
    }

    #[tokio::test]
    async fn an_sqlite_file_that_cannot_be_opened_is_unreachable() {
        use sqlx::Connection;
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no such directory").join("davgate.sqlite");
        let err = sqlx::SqliteConnection::connect(&format!("sqlite://{}", missing.display()))
            .await
            .unwrap_err();
        assert!(
            matches!(StoreError::from(err), StoreError::Unavailable(_)),
            "SQLITE_CANTOPEN"
        );
    }

    #[test]
    fn lost_and_refused_connections_are_unreachable_not_faults() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(matches!(
            StoreError::from(sqlx::Error::Io(refused)),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            StoreError::from(sqlx::Error::PoolTimedOut),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            StoreError::from(sqlx::Error::RowNotFound),
            StoreError::Database(_)
        ));
    }
}
