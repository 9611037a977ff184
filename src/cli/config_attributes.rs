//! `davgate config`: config attributes of contexts and users (`config/<property>`), and
//! what the cascade makes of them for a user.

use anyhow::{anyhow, Context as _};
use clap::Subcommand;

use super::admin::{announce, find_context, optional_user, ContextArg};
use super::serve::open_store;
use crate::auth::resolve_login;
use crate::config::{lookup, subject_for, ServerConfig};
use crate::shared_state::Scope;
use crate::store::*;

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Set `config/<property>` on a context, or on a user with --user.
    Set {
        property: String,
        value: String,
        #[command(flatten)]
        context: ContextArg,
        #[arg(long)]
        user: Option<String>,
        /// Users of the context cannot override a final context value.
        #[arg(long = "final")]
        is_final: bool,
    },
    Unset {
        property: String,
        #[command(flatten)]
        context: ContextArg,
        #[arg(long)]
        user: Option<String>,
    },
    /// List the config attributes of a context or user.
    List {
        #[command(flatten)]
        context: ContextArg,
        #[arg(long)]
        user: Option<String>,
    },
    /// Print the value a property resolves to and the scope it comes from.
    Explain {
        property: String,
        /// The user to resolve for (login, login@domain or mail); server scope without it.
        #[arg(long)]
        user: Option<String>,
    },
}

pub async fn config(config: &ServerConfig, cmd: ConfigCommand) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    match cmd {
        ConfigCommand::Set {
            property,
            value,
            context,
            user,
            is_final,
        } => {
            match lookup(&property) {
                Some(def) => def
                    .check(&value)
                    .map_err(|e| anyhow!("{property} = {value:?} is not valid: {}", e.0))?,
                None => {
                    eprintln!("note: {property} is not a property davgate knows; storing it anyway")
                }
            }
            let c = find_context(&store, &context.context).await?;
            let user_id = optional_user(&store, &c, user.as_deref()).await?;
            let attribute = Attribute {
                name: format!("config/{property}"),
                value,
                is_final,
            };
            store.set_attribute(c.id, user_id, &attribute).await?;
            announce(config, attribute_scope(c.id, user_id)).await;
            println!(
                "config/{property} set on {}{}",
                user.map(|u| format!("user {u} of ")).unwrap_or_default(),
                format_args!("context {}", c.name)
            );
        }
        ConfigCommand::Unset {
            property,
            context,
            user,
        } => {
            let c = find_context(&store, &context.context).await?;
            let user_id = optional_user(&store, &c, user.as_deref()).await?;
            store
                .remove_attribute(c.id, user_id, &format!("config/{property}"))
                .await
                .with_context(|| format!("config/{property} is not set there"))?;
            announce(config, attribute_scope(c.id, user_id)).await;
            println!("config/{property} removed");
        }
        ConfigCommand::List { context, user } => {
            let c = find_context(&store, &context.context).await?;
            let user_id = optional_user(&store, &c, user.as_deref()).await?;
            for a in store.attributes(c.id, user_id).await? {
                println!(
                    "{} = {}{}",
                    a.name,
                    a.value,
                    if a.is_final { " (final)" } else { "" }
                );
            }
        }
        ConfigCommand::Explain { property, user } => {
            let resolved = match user {
                Some(login) => {
                    let u = resolve_login(&store, &login)
                        .await?
                        .ok_or_else(|| anyhow!("no user for login {login:?}"))?;
                    let subject = subject_for(&store, &u).await?;
                    config.view(&subject).explain(&property)?
                }
                None => config.explain(&property)?,
            };
            println!("{resolved}");
        }
    }
    Ok(())
}

/// What an attribute of a context (no user) or of a user touches.
fn attribute_scope(context: ContextId, user: Option<UserId>) -> Scope {
    match user {
        Some(user) => Scope::User(context, user),
        None => Scope::Context(context),
    }
}
