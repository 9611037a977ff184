//! Which calendar and task collections a user has: every visible calendar or task folder
//! (own, public, shared) the user's modules, the folder's sync flags and the cascade allow.

use crate::access::{other_owner, owner_names, DavUser};
use crate::caldav::collection::{CalendarCollection, CalendarKind};
use crate::config::props;
use crate::store::{DynStore, Folder, FolderId, StoreError, StoreResult};

/// The calendar collections of the user's calendar home, ordered by folder id: one
/// query for the folders, one for the names of the other users who own some of them.
pub async fn calendars(store: &DynStore, me: &DavUser) -> StoreResult<Vec<CalendarCollection>> {
    let folders: Vec<Folder> = store
        .visible_folders(me.user.context_id, me.user.id)
        .await?
        .into_iter()
        .filter(|f| listed(f, me))
        .collect();
    let names = owner_names(store, me.user.context_id, me.user.id, &folders).await?;
    let template = me.config.get::<props::SharedFolderDisplayName>();
    let mut collections: Vec<CalendarCollection> = folders
        .into_iter()
        .filter_map(|folder| {
            let owner_name = other_owner(&folder, me.user.id).and_then(|owner| names.get(&owner));
            let owner_name = owner_name.map(String::as_str);
            CalendarCollection::project(folder, &me.user, &me.groups, owner_name, &template)
        })
        .collect();
    collections.sort_by_key(|c| c.folder.id);
    Ok(collections)
}

/// The collection of one folder, if the user's home lists it.
pub async fn calendar(
    store: &DynStore,
    me: &DavUser,
    id: FolderId,
) -> StoreResult<Option<CalendarCollection>> {
    let folder = match store.folder(me.user.context_id, id).await {
        Ok(folder) => folder,
        Err(StoreError::NotFound) => return Ok(None),
        Err(other) => return Err(other),
    };
    if !listed(&folder, me) {
        return Ok(None);
    }
    let owner = other_owner(&folder, me.user.id);
    let names = store
        .display_names(me.user.context_id, owner.as_slice())
        .await?;
    let owner_name = owner
        .and_then(|owner| names.get(&owner))
        .map(String::as_str);
    let template = me.config.get::<props::SharedFolderDisplayName>();
    Ok(CalendarCollection::project(
        folder, &me.user, &me.groups, owner_name, &template,
    ))
}

/// A calendar or task folder that is subscribed and used for sync, whose module the user has.
fn listed(folder: &Folder, me: &DavUser) -> bool {
    let Some(kind) = CalendarKind::of(folder.module) else {
        return false;
    };
    folder.subscribed && folder.used_for_sync && me.user.has_module(kind.module_permission())
}
