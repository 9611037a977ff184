//! `davgate user app-password create|list|revoke`: a user's app-specific passwords. The
//! password is printed once, at creation; only its hash is stored.

use anyhow::bail;
use clap::{Subcommand, ValueEnum};

use super::admin::{find_context, find_user, ContextArg};
use crate::auth::app_passwords;
use crate::auth::{LoginScope, Protocols};
use crate::config::{props, ServerConfig};
use crate::store::{DynStore, StoreError};

#[derive(Debug, Subcommand)]
pub enum AppPasswordCommand {
    /// Create an app password and print it (once).
    Create {
        #[command(flatten)]
        context: ContextArg,
        /// The user's login.
        login: String,
        /// What the password is for, shown by `list` (a device or program).
        #[arg(long)]
        label: String,
        /// Where it may be used: all, caldav (calendars), carddav (address books), or
        /// read-only (all, reading only).
        #[arg(long, value_enum, default_value = "all")]
        scope: ScopeArg,
        /// Reading only (GET, HEAD, OPTIONS, PROPFIND, REPORT), with any scope.
        #[arg(long)]
        read_only: bool,
    },
    /// List a user's app passwords: id, label, scope, created, last used.
    List {
        #[command(flatten)]
        context: ContextArg,
        login: String,
    },
    /// Revoke an app password by its id: it stops working at once.
    Revoke {
        #[command(flatten)]
        context: ContextArg,
        login: String,
        id: i64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScopeArg {
    All,
    Caldav,
    Carddav,
    ReadOnly,
}

impl ScopeArg {
    fn scope(self, read_only: bool) -> LoginScope {
        let protocols = match self {
            ScopeArg::All | ScopeArg::ReadOnly => Protocols::All,
            ScopeArg::Caldav => Protocols::CalDav,
            ScopeArg::Carddav => Protocols::CardDav,
        };
        LoginScope {
            protocols,
            read_only: read_only || self == ScopeArg::ReadOnly,
        }
    }
}

pub async fn run(
    config: &ServerConfig,
    store: &DynStore,
    cmd: AppPasswordCommand,
) -> anyhow::Result<()> {
    match cmd {
        AppPasswordCommand::Create {
            context,
            login,
            label,
            scope,
            read_only,
        } => {
            let c = find_context(store, &context.context).await?;
            let user = find_user(store, &c, &login).await?;
            let max = config.get::<props::MaxAppPasswordsPerUser>();
            let scope = scope.scope(read_only);
            let (created, password) =
                match app_passwords::create(store, &user, &label, scope, max).await {
                    Ok(created) => created,
                    Err(StoreError::OverLimit(_)) => bail!(
                        "{login} has {max} app passwords already (davgate.limits.maxAppPasswordsPerUser): revoke one first"
                    ),
                    Err(StoreError::Invalid(reason)) => bail!("{reason}"),
                    Err(other) => return Err(other.into()),
                };
            println!(
                "app password {} created for {} ({}), scope {scope}:",
                created.id, user.login, created.label
            );
            println!("{password}");
            println!("It is shown only now; store it in the client.");
        }
        AppPasswordCommand::List { context, login } => {
            let c = find_context(store, &context.context).await?;
            let user = find_user(store, &c, &login).await?;
            println!("id\tlabel\tscope\tcreated\tlast used");
            for stored in store.app_passwords(c.id, user.id).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    stored.id,
                    stored.label,
                    app_passwords::scope_of(&stored),
                    timestamp(stored.created_at),
                    stored
                        .last_used_at
                        .map_or_else(|| "never".to_owned(), timestamp)
                );
            }
        }
        AppPasswordCommand::Revoke { context, login, id } => {
            let c = find_context(store, &context.context).await?;
            let user = find_user(store, &c, &login).await?;
            match store.revoke_app_password(c.id, user.id, id).await {
                Ok(()) => println!("app password {id} of {} revoked", user.login),
                Err(StoreError::NotFound) => bail!("{login} has no app password {id}"),
                Err(other) => return Err(other.into()),
            }
        }
    }
    Ok(())
}

/// Epoch seconds as an RFC 3339 UTC time.
fn timestamp(epoch: i64) -> String {
    chrono::DateTime::from_timestamp(epoch, 0).map_or_else(
        || epoch.to_string(),
        |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    )
}
