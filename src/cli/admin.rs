//! Provisioning commands, the way an OX administrator manages contexts, users, groups
//! and resources, and the lookups the other commands share (`folders`, `config_attributes`,
//! `app_passwords`); each works on either store.

use anyhow::{anyhow, bail};
use clap::{Args, Subcommand};

use super::serve::open_store;
use crate::auth::hash_password;
use crate::config::ServerConfig;
use crate::provision::{self, UserSpec};
use crate::shared_state::{announce_change, Scope};
use crate::store::*;

/// Tells running servers (through Redis, when configured) to forget what they cached
/// about `scope`; without Redis they keep it only briefly anyway.
pub(super) async fn announce(config: &ServerConfig, scope: Scope) {
    if announce_change(config, scope).await.is_err() {
        eprintln!(
            "warning: Redis did not answer: servers may use what they cached before this change until it expires (davgate.loginCache.ttlSeconds)"
        );
    }
}

#[derive(Debug, Args)]
pub struct ContextArg {
    /// The context, by name or numeric id.
    #[arg(long = "context", short = 'c')]
    pub context: String,
}

#[derive(Debug, Subcommand)]
pub enum ContextCommand {
    /// Create a context with its system folders and global address list.
    Create {
        #[arg(long)]
        name: String,
        /// Numeric id; the next free one when omitted.
        #[arg(long)]
        id: Option<i64>,
        /// Login mapping (domain); repeat for several. Defaults to the name.
        #[arg(long = "mapping")]
        mappings: Vec<String>,
        /// Tags for contextSets (`taxonomy/types`), comma-separated.
        #[arg(long, value_delimiter = ',')]
        tags: Vec<String>,
    },
    List,
    Delete {
        context: String,
    },
    AddMapping {
        context: String,
        mapping: String,
    },
    RemoveMapping {
        context: String,
        mapping: String,
    },
    /// Replace the context's tags (`taxonomy/types`).
    SetTags {
        context: String,
        #[arg(value_delimiter = ',')]
        tags: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user with default calendar, task and contact folders and an entry in the
    /// global address list.
    Create {
        #[command(flatten)]
        context: ContextArg,
        #[arg(long)]
        login: String,
        #[arg(long)]
        mail: String,
        /// Mail alias; repeat for several.
        #[arg(long = "alias")]
        aliases: Vec<String>,
        #[arg(long)]
        display_name: String,
        #[arg(long, env = "DAVGATE_NEW_PASSWORD", hide_env_values = true)]
        password: String,
        /// Module permissions, comma-separated (default: calendar,contacts,tasks,infostore,caldav,carddav,webdav).
        #[arg(long, value_delimiter = ',')]
        modules: Vec<String>,
    },
    List {
        #[command(flatten)]
        context: ContextArg,
    },
    Update {
        #[command(flatten)]
        context: ContextArg,
        login: String,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long)]
        mail: Option<String>,
        #[arg(long)]
        password: Option<String>,
        /// Replaces all aliases; comma-separated, empty string for none.
        #[arg(long)]
        aliases: Option<String>,
        /// Replaces all module permissions; comma-separated.
        #[arg(long)]
        modules: Option<String>,
    },
    Delete {
        #[command(flatten)]
        context: ContextArg,
        login: String,
    },
    /// App-specific passwords of a user: create, list, revoke.
    #[command(subcommand)]
    AppPassword(super::app_passwords::AppPasswordCommand),
}

#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    Create {
        #[command(flatten)]
        context: ContextArg,
        #[arg(long)]
        name: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Member login; repeat for several.
        #[arg(long = "member")]
        members: Vec<String>,
    },
    SetMembers {
        #[command(flatten)]
        context: ContextArg,
        name: String,
        #[arg(long = "member")]
        members: Vec<String>,
    },
    List {
        #[command(flatten)]
        context: ContextArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum ResourceCommand {
    Create {
        #[command(flatten)]
        context: ContextArg,
        #[arg(long)]
        name: String,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long)]
        mail: String,
        /// room or equipment.
        #[arg(long, default_value = "room")]
        kind: String,
    },
    List {
        #[command(flatten)]
        context: ContextArg,
    },
}

/// Whom a share names.
pub(super) async fn find_context(store: &DynStore, text: &str) -> anyhow::Result<Context> {
    let found = match text.parse::<i64>() {
        Ok(id) => store.context(id).await,
        Err(_) => store.context_by_name(text).await,
    };
    match found {
        Ok(context) => Ok(context),
        Err(StoreError::NotFound) => bail!("no context {text:?}"),
        Err(other) => Err(other.into()),
    }
}

pub(super) async fn find_user(
    store: &DynStore,
    context: &Context,
    login: &str,
) -> anyhow::Result<User> {
    store
        .user_by_login(context.id, login)
        .await?
        .ok_or_else(|| anyhow!("no user {login:?} in context {}", context.name))
}

/// The user named by an optional `--user` flag: a user's attributes, else the context's.
pub(super) async fn optional_user(
    store: &DynStore,
    context: &Context,
    login: Option<&str>,
) -> anyhow::Result<Option<UserId>> {
    match login {
        Some(login) => Ok(Some(find_user(store, context, login).await?.id)),
        None => Ok(None),
    }
}

pub(super) async fn find_group(
    store: &DynStore,
    context: &Context,
    name: &str,
) -> anyhow::Result<Group> {
    store
        .group_by_name(context.id, name)
        .await?
        .ok_or_else(|| anyhow!("no group {name:?} in context {}", context.name))
}

async fn user_ids(
    store: &DynStore,
    context: &Context,
    logins: &[String],
) -> anyhow::Result<Vec<UserId>> {
    let mut ids = Vec::with_capacity(logins.len());
    for login in logins {
        ids.push(find_user(store, context, login).await?.id);
    }
    Ok(ids)
}

fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

pub async fn context(config: &ServerConfig, cmd: ContextCommand) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    match cmd {
        ContextCommand::Create {
            name,
            id,
            mappings,
            tags,
        } => {
            let created = provision::create_context(&store, id, &name, &mappings, &tags).await?;
            announce(config, Scope::All).await;
            println!(
                "context {} created: {} (mappings: {})",
                created.id,
                created.name,
                created.login_mappings.join(", ")
            );
        }
        ContextCommand::List => {
            for c in store.contexts().await? {
                let tags = store
                    .attributes(c.id, None)
                    .await?
                    .into_iter()
                    .find(|a| a.name == provision::TAGS_ATTRIBUTE)
                    .map(|a| a.value)
                    .unwrap_or_default();
                println!(
                    "{}\t{}\tmappings={}\ttags={}",
                    c.id,
                    c.name,
                    c.login_mappings.join(","),
                    tags
                );
            }
        }
        ContextCommand::Delete { context } => {
            let c = find_context(&store, &context).await?;
            store.delete_context(c.id).await?;
            announce(config, Scope::Context(c.id)).await;
            println!("context {} deleted", c.id);
        }
        ContextCommand::AddMapping { context, mapping } => {
            let c = find_context(&store, &context).await?;
            store
                .add_login_mapping(c.id, &mapping.to_lowercase())
                .await?;
            announce(config, Scope::All).await;
            println!("mapping {mapping} added to context {}", c.id);
        }
        ContextCommand::RemoveMapping { context, mapping } => {
            let c = find_context(&store, &context).await?;
            store
                .remove_login_mapping(c.id, &mapping.to_lowercase())
                .await?;
            announce(config, Scope::All).await;
            println!("mapping {mapping} removed from context {}", c.id);
        }
        ContextCommand::SetTags { context, tags } => {
            let c = find_context(&store, &context).await?;
            provision::set_context_tags(&store, c.id, &tags).await?;
            announce(config, Scope::Context(c.id)).await;
            println!("context {} tags: {}", c.id, tags.join(","));
        }
    }
    Ok(())
}

pub async fn user(config: &ServerConfig, cmd: UserCommand) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    match cmd {
        UserCommand::AppPassword(cmd) => {
            return super::app_passwords::run(config, &store, cmd).await;
        }
        UserCommand::Create {
            context,
            login,
            mail,
            aliases,
            display_name,
            password,
            modules,
        } => {
            let c = find_context(&store, &context.context).await?;
            let spec = UserSpec {
                login,
                mail,
                aliases,
                display_name,
                password,
                modules,
            };
            let user = provision::create_user(&store, c.id, spec).await?;
            // A new user may change what other logins (a shared mail address) resolve to.
            announce(config, Scope::All).await;
            println!(
                "user {} created in context {}: {} <{}>",
                user.id, c.id, user.login, user.mail
            );
        }
        UserCommand::List { context } => {
            let c = find_context(&store, &context.context).await?;
            for u in store.users(c.id).await? {
                println!(
                    "{}\t{}\t{}\t{}\taliases={}\tmodules={}",
                    u.id,
                    u.login,
                    u.mail,
                    u.display_name,
                    u.aliases.join(","),
                    u.permissions.join(",")
                );
            }
        }
        UserCommand::Update {
            context,
            login,
            display_name,
            mail,
            password,
            aliases,
            modules,
        } => {
            let c = find_context(&store, &context.context).await?;
            let u = find_user(&store, &c, &login).await?;
            let password_hash = password.map(|p| hash_password(&p));
            // A new mail address or alias may change what other logins resolve to.
            let scope = if mail.is_some() || aliases.is_some() {
                Scope::All
            } else {
                Scope::User(c.id, u.id)
            };
            let update = UserUpdate {
                display_name,
                mail,
                password_hash,
                aliases: aliases.as_deref().map(split_list),
                permissions: modules.as_deref().map(split_list),
                enabled: None,
            };
            let updated = store.update_user(c.id, u.id, update).await?;
            announce(config, scope).await;
            println!(
                "user {} updated: {} <{}>",
                updated.id, updated.login, updated.mail
            );
        }
        UserCommand::Delete { context, login } => {
            let c = find_context(&store, &context.context).await?;
            let u = find_user(&store, &c, &login).await?;
            store.delete_user(c.id, u.id).await?;
            announce(config, Scope::User(c.id, u.id)).await;
            println!("user {} deleted", u.id);
        }
    }
    Ok(())
}

pub async fn group(config: &ServerConfig, cmd: GroupCommand) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    match cmd {
        GroupCommand::Create {
            context,
            name,
            display_name,
            members,
        } => {
            let c = find_context(&store, &context.context).await?;
            let ids = user_ids(&store, &c, &members).await?;
            let g = store
                .create_group(c.id, &name, display_name.as_deref().unwrap_or(&name), &ids)
                .await?;
            announce(config, Scope::Context(c.id)).await;
            println!("group {} created: {}", g.id, g.name);
        }
        GroupCommand::SetMembers {
            context,
            name,
            members,
        } => {
            let c = find_context(&store, &context.context).await?;
            let g = find_group(&store, &c, &name).await?;
            let ids = user_ids(&store, &c, &members).await?;
            store.set_group_members(c.id, g.id, &ids).await?;
            announce(config, Scope::Context(c.id)).await;
            println!("group {} has {} members", g.name, ids.len());
        }
        GroupCommand::List { context } => {
            let c = find_context(&store, &context.context).await?;
            for g in store.groups(c.id).await? {
                let members: Vec<String> = g.members.iter().map(|m| m.to_string()).collect();
                println!(
                    "{}\t{}\t{}\tmembers={}",
                    g.id,
                    g.name,
                    g.display_name,
                    members.join(",")
                );
            }
        }
    }
    Ok(())
}

pub async fn resource(config: &ServerConfig, cmd: ResourceCommand) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    match cmd {
        ResourceCommand::Create {
            context,
            name,
            display_name,
            mail,
            kind,
        } => {
            let c = find_context(&store, &context.context).await?;
            let kind: ResourceKind = kind.parse().map_err(|e: String| anyhow!(e))?;
            let r = store
                .create_resource(
                    c.id,
                    &name,
                    display_name.as_deref().unwrap_or(&name),
                    &mail,
                    kind,
                )
                .await?;
            println!("resource {} created: {} ({})", r.id, r.name, r.kind);
        }
        ResourceCommand::List { context } => {
            let c = find_context(&store, &context.context).await?;
            for r in store.resources(c.id).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    r.id, r.name, r.display_name, r.mail, r.kind
                );
            }
        }
    }
    Ok(())
}
