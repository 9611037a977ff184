//! Provisioning commands, the way an OX administrator manages contexts, users, groups,
//! resources, folders and config attributes; each works on either store.

use anyhow::{anyhow, bail, Context as _};
use clap::{Args, Subcommand};

use super::serve::open_store;
use crate::auth::{hash_password, resolve_login};
use crate::config::{lookup, subject_for, ServerConfig};
use crate::provision::{self, UserSpec};
use crate::shared_state::{announce_change, Scope};
use crate::store::*;

/// Tells running servers (through Redis, when configured) to forget what they cached
/// about `scope`; without Redis they keep it only briefly anyway.
async fn announce(config: &ServerConfig, scope: Scope) {
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
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct Grantee {
    /// A user, by login.
    #[arg(long)]
    user: Option<String>,
    /// A group, by name.
    #[arg(long)]
    group: Option<String>,
    /// All users of the context.
    #[arg(long)]
    all_users: bool,
}

#[derive(Debug, Subcommand)]
pub enum FolderCommand {
    Create {
        #[command(flatten)]
        context: ContextArg,
        /// calendar, tasks or contacts.
        #[arg(long)]
        module: String,
        #[arg(long)]
        name: String,
        /// Owner login (gets the administrator permission). Required for private folders.
        #[arg(long)]
        owner: Option<String>,
        /// A public folder (below "Public folders") instead of a private one.
        #[arg(long)]
        public: bool,
        #[arg(long)]
        parent: Option<i64>,
        #[arg(long)]
        color: Option<String>,
        #[arg(long)]
        description: Option<String>,
    },
    List {
        #[command(flatten)]
        context: ContextArg,
        /// Only folders this user may see.
        #[arg(long)]
        user: Option<String>,
    },
    Rename {
        #[command(flatten)]
        context: ContextArg,
        id: i64,
        name: String,
    },
    /// Grant a permission level: viewer, reviewer, author, administrator, or the OX
    /// numbers folder/read/write/delete[/admin] (e.g. 4/2/2/2).
    Share {
        #[command(flatten)]
        context: ContextArg,
        id: i64,
        #[command(flatten)]
        grantee: Grantee,
        #[arg(long, default_value = "viewer")]
        level: String,
    },
    Unshare {
        #[command(flatten)]
        context: ContextArg,
        id: i64,
        #[command(flatten)]
        grantee: Grantee,
    },
    Delete {
        #[command(flatten)]
        context: ContextArg,
        id: i64,
    },
}

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
async fn optional_user(
    store: &DynStore,
    context: &Context,
    login: Option<&str>,
) -> anyhow::Result<Option<UserId>> {
    match login {
        Some(login) => Ok(Some(find_user(store, context, login).await?.id)),
        None => Ok(None),
    }
}

async fn find_group(store: &DynStore, context: &Context, name: &str) -> anyhow::Result<Group> {
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

async fn grantee(
    store: &DynStore,
    context: &Context,
    who: &Grantee,
) -> anyhow::Result<(i64, bool)> {
    Ok(match (&who.user, &who.group, who.all_users) {
        (Some(login), _, _) => (find_user(store, context, login).await?.id, false),
        (_, Some(name), _) => (find_group(store, context, name).await?.id, true),
        _ => (ALL_USERS_GROUP, true),
    })
}

pub async fn folder(config: &ServerConfig, cmd: FolderCommand) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    match cmd {
        FolderCommand::Create {
            context,
            module,
            name,
            owner,
            public,
            parent,
            color,
            description,
        } => {
            let c = find_context(&store, &context.context).await?;
            let module: FolderModule = module.parse().map_err(|e: String| anyhow!(e))?;
            if module == FolderModule::System {
                bail!("folders hold calendar, tasks or contacts");
            }
            let owner = match owner {
                Some(login) => Some(find_user(&store, &c, &login).await?),
                None if public => None,
                None => bail!("a private folder needs --owner"),
            };
            let mut permissions = Vec::new();
            if let Some(owner) = &owner {
                permissions.push(Permission::for_role(owner.id, false, Role::Administrator));
            }
            let folder = store
                .create_folder(
                    c.id,
                    NewFolder {
                        parent_id: parent.unwrap_or(if public {
                            PUBLIC_ROOT
                        } else {
                            PRIVATE_ROOT
                        }),
                        module,
                        folder_type: if public {
                            FolderType::Public
                        } else {
                            FolderType::Private
                        },
                        owner_id: owner.map(|o| o.id),
                        name,
                        color,
                        description,
                        sort_order: None,
                        dav_name: None,
                        permissions,
                    },
                )
                .await?;
            println!(
                "folder {} created: {} ({}, {})",
                folder.id, folder.name, folder.module, folder.folder_type
            );
        }
        FolderCommand::List { context, user } => {
            let c = find_context(&store, &context.context).await?;
            let folders = match user {
                Some(login) => {
                    let u = find_user(&store, &c, &login).await?;
                    store.visible_folders(c.id, u.id).await?
                }
                None => store.folders(c.id).await?,
            };
            for f in folders {
                let perms: Vec<String> = f
                    .permissions
                    .iter()
                    .map(|p| {
                        format!(
                            "{}{}:{}/{}/{}/{}{}",
                            if p.is_group { "g" } else { "u" },
                            p.entity,
                            p.folder,
                            p.read,
                            p.write,
                            p.delete,
                            if p.admin { "/admin" } else { "" }
                        )
                    })
                    .collect();
                println!(
                    "{}\t{}\t{}\t{}\towner={}\tparent={}\tpermissions={}",
                    f.id,
                    f.name,
                    f.module,
                    f.folder_type,
                    f.owner_id.map(|o| o.to_string()).unwrap_or_default(),
                    f.parent_id,
                    perms.join(" ")
                );
            }
        }
        FolderCommand::Rename { context, id, name } => {
            let c = find_context(&store, &context.context).await?;
            let f = store
                .update_folder(
                    c.id,
                    id,
                    FolderUpdate {
                        name: Some(name),
                        ..Default::default()
                    },
                )
                .await
                .with_context(|| format!("folder {id}"))?;
            println!("folder {} renamed to {}", f.id, f.name);
        }
        FolderCommand::Share {
            context,
            id,
            grantee: who,
            level,
        } => {
            let c = find_context(&store, &context.context).await?;
            store
                .folder(c.id, id)
                .await
                .with_context(|| format!("folder {id}"))?;
            let (entity, is_group) = grantee(&store, &c, &who).await?;
            let permission =
                Permission::parse_level(entity, is_group, &level).map_err(|e| anyhow!(e))?;
            store.set_permission(c.id, id, permission).await?;
            println!(
                "folder {id} shared with {} {entity} as {level}",
                if is_group { "group" } else { "user" }
            );
        }
        FolderCommand::Unshare {
            context,
            id,
            grantee: who,
        } => {
            let c = find_context(&store, &context.context).await?;
            let (entity, is_group) = grantee(&store, &c, &who).await?;
            store
                .remove_permission(c.id, id, entity, is_group)
                .await
                .with_context(|| format!("folder {id} has no permission for that entity"))?;
            println!(
                "folder {id} no longer shared with {} {entity}",
                if is_group { "group" } else { "user" }
            );
        }
        FolderCommand::Delete { context, id } => {
            let c = find_context(&store, &context.context).await?;
            store
                .delete_folder(c.id, id)
                .await
                .with_context(|| format!("folder {id}"))?;
            println!("folder {id} deleted");
        }
    }
    Ok(())
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
