//! How another user's folder looks to the user: whether it is shared, and the display
//! name it gets (`sharedFolderDisplayName`), the same for calendars and address books.

use std::collections::HashMap;

use super::{DavUser, FolderRights};
use crate::config::props;
use crate::store::{ContextId, DynStore, Folder, FolderType, StoreResult, User, UserId};

/// How a folder is shared, as Apple's CS:shared / CS:shared-owner resource types say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharing {
    NotShared,
    /// The user's own folder, shared with somebody else.
    SharedByMe,
    /// Another user's private folder the user may see.
    SharedWithMe,
}

impl Sharing {
    pub fn of(folder: &Folder, me: UserId) -> Sharing {
        match (folder.folder_type, folder.owner_id) {
            (FolderType::Private, Some(owner)) if owner != me => Sharing::SharedWithMe,
            (FolderType::Private, Some(_)) => {
                let shared = folder
                    .permissions
                    .iter()
                    .any(|p| p.is_group || p.entity != me);
                if shared {
                    Sharing::SharedByMe
                } else {
                    Sharing::NotShared
                }
            }
            _ => Sharing::NotShared,
        }
    }

    /// The folder's name as the user sees it: folders shared with the user are named by
    /// `template` (`[owner]` and `[foldername]` replaced) when the owner's name is known.
    pub fn display_name(self, folder: &Folder, owner_name: Option<&str>, template: &str) -> String {
        match (self, owner_name) {
            (Sharing::SharedWithMe, Some(owner)) => template
                .replace("[owner]", owner)
                .replace("[foldername]", &folder.name),
            _ => folder.name.clone(),
        }
    }
}

/// The owner of a folder when it is somebody other than `me`.
fn other_owner(folder: &Folder, me: UserId) -> Option<UserId> {
    folder.owner_id.filter(|owner| *owner != me)
}

/// The display names of the other users who own some of `folders`, in one query.
async fn owner_names(
    store: &DynStore,
    context: ContextId,
    me: UserId,
    folders: &[Folder],
) -> StoreResult<HashMap<UserId, String>> {
    let mut owners: Vec<UserId> = folders.iter().filter_map(|f| other_owner(f, me)).collect();
    owners.sort_unstable();
    owners.dedup();
    store.display_names(context, &owners).await
}

/// How `me` (member of `groups`) sees `folder`: rights, sharing state and display name
/// (`owner_name` names the owner of another user's folder); None when the user may not
/// see it.
pub fn seen_by(
    folder: &Folder,
    me: UserId,
    groups: &[i64],
    owner_name: Option<&str>,
    shared_name_template: &str,
) -> Option<(FolderRights, Sharing, String)> {
    let rights = FolderRights::of(folder, me, groups);
    if !rights.can_see() && !rights.owner {
        return None;
    }
    let sharing = Sharing::of(folder, me);
    let display_name = sharing.display_name(folder, owner_name, shared_name_template);
    Some((rights, sharing, display_name))
}

/// `folders` as `me` sees them, each made into a collection by `project` (such as
/// `CalendarCollection::project`) with the display name of its owner when that is
/// somebody else, all those names read in one query; folders `project` refuses are left
/// out.
pub async fn project_seen<T>(
    store: &DynStore,
    me: &DavUser,
    folders: Vec<Folder>,
    project: impl Fn(Folder, &User, &[i64], Option<&str>, &str) -> Option<T>,
) -> StoreResult<Vec<T>> {
    let names = owner_names(store, me.user.context_id, me.user.id, &folders).await?;
    Ok(project_named(me, folders, &names, project))
}

/// `project_seen` with the owners' names at hand: a folder whose owner `names` lacks
/// keeps its own name.
pub fn project_named<T>(
    me: &DavUser,
    folders: Vec<Folder>,
    names: &HashMap<UserId, String>,
    project: impl Fn(Folder, &User, &[i64], Option<&str>, &str) -> Option<T>,
) -> Vec<T> {
    let template = me.config.get::<props::SharedFolderDisplayName>();
    folders
        .into_iter()
        .filter_map(|folder| {
            let owner_name = other_owner(&folder, me.user.id)
                .and_then(|owner| names.get(&owner))
                .map(String::as_str);
            project(folder, &me.user, &me.groups, owner_name, &template)
        })
        .collect()
}
