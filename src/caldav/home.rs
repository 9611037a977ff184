//! Which calendar and task collections a user has: every visible calendar or task folder
//! (own, public, shared) the user's modules, the folder's sync flags and the cascade allow.

use std::collections::HashMap;

use crate::access::DavUser;
use crate::caldav::collection::{CalendarCollection, CalendarKind};
use crate::config::props;
use crate::store::{DynStore, Folder, FolderId, StoreError, StoreResult, UserId};

/// The calendar collections of the user's calendar home, ordered by folder id.
pub async fn calendars(store: &DynStore, me: &DavUser) -> StoreResult<Vec<CalendarCollection>> {
    let folders = store
        .visible_folders(me.user.context_id, me.user.id)
        .await?;
    let mut owner_names: HashMap<UserId, String> = HashMap::new();
    let mut collections = Vec::new();
    for folder in folders.into_iter().filter(|f| listed(f, me)) {
        let owner_name = owner_name(store, me, &folder, &mut owner_names).await?;
        if let Some(collection) = project(me, folder, owner_name.as_deref()) {
            collections.push(collection);
        }
    }
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
    let mut owner_names = HashMap::new();
    let owner_name = owner_name(store, me, &folder, &mut owner_names).await?;
    Ok(project(me, folder, owner_name.as_deref()))
}

/// A calendar or task folder that is subscribed and used for sync, whose module the user has.
fn listed(folder: &Folder, me: &DavUser) -> bool {
    let Some(kind) = CalendarKind::of(folder.module) else {
        return false;
    };
    folder.subscribed && folder.used_for_sync && me.user.has_module(kind.module_permission())
}

fn project(me: &DavUser, folder: Folder, owner_name: Option<&str>) -> Option<CalendarCollection> {
    let template = me.config.get::<props::SharedFolderDisplayName>();
    CalendarCollection::project(folder, &me.user, &me.groups, owner_name, &template)
}

async fn owner_name(
    store: &DynStore,
    me: &DavUser,
    folder: &Folder,
    cache: &mut HashMap<UserId, String>,
) -> StoreResult<Option<String>> {
    let Some(owner) = folder.owner_id.filter(|owner| *owner != me.user.id) else {
        return Ok(None);
    };
    if let Some(name) = cache.get(&owner) {
        return Ok(Some(name.clone()));
    }
    let name = match store.user(me.user.context_id, owner).await {
        Ok(user) => user.display_name,
        Err(StoreError::NotFound) => return Ok(None),
        Err(other) => return Err(other),
    };
    cache.insert(owner, name.clone());
    Ok(Some(name))
}
