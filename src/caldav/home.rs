//! Which calendar and task collections a user has: every visible calendar or task folder
//! (own, public, shared) the user's modules, the folder's sync flags and the cascade allow.

use std::collections::HashSet;

use crate::access::{project_seen, DavUser};
use crate::caldav::collection::{CalendarCollection, CalendarKind};
use crate::store::{DynStore, Folder, FolderId, StoreResult};

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
    Ok(unshadowed(collections))
}

/// The collections minus those whose id segment one of the user's own names holds (a
/// digits-only name stored before such names were refused): a path names one
/// collection, and the user's name wins, as it did when the client chose it.
fn unshadowed(collections: Vec<CalendarCollection>) -> Vec<CalendarCollection> {
    let names: HashSet<String> = collections
        .iter()
        .filter(|c| c.is_named())
        .map(|c| c.path_segment().to_owned())
        .collect();
    collections
        .into_iter()
        .filter(|c| c.is_named() || !names.contains(c.path_segment()))
        .collect()
}

/// The collection of one folder, if the user's home lists it. A folder the user may not
/// see and one that does not exist cost the same single query.
pub async fn calendar(
    store: &DynStore,
    me: &DavUser,
    id: FolderId,
) -> StoreResult<Option<CalendarCollection>> {
    match store
        .visible_folder(me.user.context_id, me.user.id, id)
        .await?
    {
        Some(folder) => listed_collection(store, me, folder).await,
        None => Ok(None),
    }
}

/// The collection of `folder`, read with its permissions as one the user may see
/// (`visible_folder` and its kin), if the user's home lists it.
pub async fn listed_collection(
    store: &DynStore,
    me: &DavUser,
    folder: Folder,
) -> StoreResult<Option<CalendarCollection>> {
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
