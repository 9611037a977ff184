//! Which calendar and task collections a user has: every visible calendar or task folder
//! (own, public, shared) the user's modules, the folder's sync flags and the cascade allow.

use crate::access::{project_seen, DavUser};
use crate::caldav::collection::{CalendarCollection, CalendarKind};
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
    let mut collections = project_seen(store, me, folders, CalendarCollection::project).await?;
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
    Ok(
        project_seen(store, me, vec![folder], CalendarCollection::project)
            .await?
            .pop(),
    )
}

/// A calendar or task folder that is subscribed and used for sync, whose module the user has.
fn listed(folder: &Folder, me: &DavUser) -> bool {
    let Some(kind) = CalendarKind::of(folder.module) else {
        return false;
    };
    folder.subscribed && folder.used_for_sync && me.user.has_module(kind.module_permission())
}
