//! `davgate folder`: folders of every module and their permissions (shares), created,
//! listed, shared and deleted the way an OX administrator does.

use anyhow::{anyhow, bail, Context as _};
use clap::{Args, Subcommand};

use super::admin::{find_context, find_group, find_user, ContextArg};
use super::serve::open_store;
use crate::config::ServerConfig;
use crate::store::*;

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
            // Scheduling inboxes are made for their users on first use.
            if matches!(module, FolderModule::System | FolderModule::ScheduleInbox) {
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
