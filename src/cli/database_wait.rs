//! `davgate serve` started before its database: the store is opened again and again, with
//! a growing pause (0.5 s doubling up to 30 s), for as long as the database cannot be
//! reached, each failure logged with its real cause (nothing listens, the credentials are
//! rejected, the database does not exist, the server is starting up). A configuration
//! that waiting cannot fix (a malformed or unsupported URL, an embedded store whose
//! directory cannot be created) ends the process at once.

use std::time::Duration;

use anyhow::Context as _;

use super::serve::cannot_open;
use crate::config::{props, ServerConfig};
use crate::limits::Limits;
use crate::store::{self, DynStore, StoreError};

/// The pause after the first failed attempt.
const FIRST_PAUSE: Duration = Duration::from_millis(500);
/// The longest pause between two attempts.
const LONGEST_PAUSE: Duration = Duration::from_secs(30);

/// The pause after `pause`: twice as long, at most `LONGEST_PAUSE`.
fn next_pause(pause: Duration) -> Duration {
    (pause * 2).min(LONGEST_PAUSE)
}

/// `serve::open_store`, waiting for a database that cannot be reached yet.
pub(super) async fn open_store_waiting(config: &ServerConfig) -> anyhow::Result<DynStore> {
    let url = config.get::<props::DatabaseUrl>();
    let data_dir = config.get::<props::DataDir>();
    let pool = Limits::from_config(config).database.pool();
    let mut pause = FIRST_PAUSE;
    let mut attempt = 1u32;
    let store = loop {
        match store::open_with(url.as_deref(), &data_dir, &pool).await {
            Ok(store) => break store,
            // Only a database server can come: an SQLite file that cannot be opened
            // (permissions, a read-only disk) stays so, and is reported at once.
            Err(StoreError::Unavailable(err)) if is_server(url.as_deref()) => {
                tracing::warn!(
                    attempt,
                    retry_in = ?pause,
                    cause = %unreachable_cause(&err),
                    error = %err,
                    "the database cannot be reached yet; trying again"
                );
                tokio::time::sleep(pause).await;
                pause = next_pause(pause);
                attempt += 1;
            }
            Err(err) => return Err(err).with_context(|| cannot_open(config)),
        }
    };
    if attempt > 1 {
        tracing::info!(attempts = attempt, "the database answers");
    }
    store.migrate().await.context("applying migrations")?;
    Ok(store)
}

/// Whether `url` names a database server (PostgreSQL), not an SQLite file.
fn is_server(url: Option<&str>) -> bool {
    url.is_some_and(|url| url.starts_with("postgres:") || url.starts_with("postgresql:"))
}

/// What an operator has to look at, in a few words, for a failure to reach the database.
pub(super) fn unreachable_cause(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => {
                "connection refused: nothing listens at the database address".to_string()
            }
            std::io::ErrorKind::TimedOut => "the database server does not answer".to_string(),
            std::io::ErrorKind::NotFound => {
                "no such host or socket for the database server".to_string()
            }
            _ => format!("network error reaching the database server: {io}"),
        },
        sqlx::Error::Tls(tls) => format!("TLS with the database server failed: {tls}"),
        sqlx::Error::PoolTimedOut => "no connection within the acquire timeout".to_string(),
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            let what = match code.as_str() {
                "28P01" | "28000" => "authentication failed",
                "3D000" => "the database does not exist",
                "57P03" => "the database server is starting up",
                "57P01" | "57P02" => "the database server is shutting down",
                "53300" => "the database server has no connection slots left",
                "55000" => "the database does not allow connections",
                _ => "the database server refused the connection",
            };
            format!("{what} ({code}): {}", db.message())
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_up_to_thirty_seconds() {
        let mut pause = FIRST_PAUSE;
        let mut seen = vec![pause];
        for _ in 0..8 {
            pause = next_pause(pause);
            seen.push(pause);
        }
        assert_eq!(seen[1], Duration::from_secs(1));
        assert_eq!(
            seen[6],
            Duration::from_secs(30),
            "0.5 s * 2^6 = 32 s, capped"
        );
        assert_eq!(seen[8], LONGEST_PAUSE);
    }

    #[test]
    fn a_refused_connection_says_so() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(unreachable_cause(&sqlx::Error::Io(refused)).starts_with("connection refused"));
    }
}
