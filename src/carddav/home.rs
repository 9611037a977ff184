//! Which address books a user has: one per visible contact folder, the aggregated
//! `Contacts` collection, or both, as `exposedCollections`,
//! `userAgentForAggregatedCollection`, `aggregatedCollectionFolders` and `ignoreFolders`
//! say for this user (all read through the cascade, per request).

use std::collections::HashMap;

use crate::access::{project_named, project_seen, DavUser, FolderRights};
use crate::carddav::collection::{AddressBook, Aggregated, ContactFolder, AGGREGATED_SEGMENT};
use crate::config::values::{AggregatedCollectionFolders, ExposedCollections};
use crate::config::{props, Scope};
use crate::store::{
    DynStore, Folder, FolderId, FolderModule, StoreError, StoreResult, GLOBAL_ADDRESS_BOOK,
};

/// The address books the home lists for a client sending `user_agent`.
pub async fn address_books(
    store: &DynStore,
    me: &DavUser,
    user_agent: Option<&str>,
) -> StoreResult<Vec<AddressBook>> {
    let folders = contact_folders(store, me).await?;
    let mut books = Vec::new();
    let (per_folder, aggregated) = listed_kinds(me, user_agent);
    if aggregated {
        books.push(AddressBook::Aggregated(aggregate(&folders, me)));
    }
    if per_folder {
        books.extend(folders.into_iter().filter(synced).map(AddressBook::Folder));
    }
    Ok(books)
}

/// The address book `/carddav/<segment>/` names, if the user has it. Which kinds are
/// reachable depends on `exposedCollections` only, not on the user agent, so that an
/// href a client once received keeps working whichever of its processes asks. A folder's
/// address book reads that one folder; the aggregated one lists the folders but not
/// their owners' names, as it shows no folder's name.
pub async fn address_book(
    store: &DynStore,
    me: &DavUser,
    segment: &str,
) -> StoreResult<Option<AddressBook>> {
    let exposed = me.config.get::<props::ExposedCollections>();
    if segment == AGGREGATED_SEGMENT {
        if exposed == ExposedCollections::FoldersOnly {
            return Ok(None);
        }
        let folders = project_named(
            me,
            visible_contact_folders(store, me).await?,
            &HashMap::new(),
            ContactFolder::project,
        );
        return Ok(Some(AddressBook::Aggregated(aggregate(&folders, me))));
    }
    if exposed == ExposedCollections::AggregatedOnly {
        return Ok(None);
    }
    // First one of the user's own names (what extended MKCOL stored), then a folder id,
    // each only if the home lists the folder under this very segment.
    let named = store
        .folder_by_dav_name(me.user.context_id, me.user.id, segment)
        .await?;
    for id in named.into_iter().chain(segment.parse::<FolderId>().ok()) {
        if let Some(folder) = contact_folder(store, me, id).await?.filter(synced) {
            if folder.path_segment() == segment {
                return Ok(Some(AddressBook::Folder(folder)));
            }
        }
    }
    Ok(None)
}

/// Every address book `/carddav/<segment>/` reaches for the user, by segment: what
/// `address_book` answers one segment at a time, in a few queries however many segments
/// a request names.
pub async fn reachable_address_books(
    store: &DynStore,
    me: &DavUser,
) -> StoreResult<HashMap<String, AddressBook>> {
    let mut books = HashMap::new();
    if me.config.get::<props::ExposedCollections>() != ExposedCollections::AggregatedOnly {
        for folder in contact_folders(store, me).await?.into_iter().filter(synced) {
            books.insert(
                folder.path_segment().to_owned(),
                AddressBook::Folder(folder),
            );
        }
    }
    if let Some(aggregated) = address_book(store, me, AGGREGATED_SEGMENT).await? {
        books.insert(AGGREGATED_SEGMENT.to_owned(), aggregated);
    }
    Ok(books)
}

/// Whether the home lists one collection per folder, the aggregated one, or both.
fn listed_kinds(me: &DavUser, user_agent: Option<&str>) -> (bool, bool) {
    match me.config.get::<props::ExposedCollections>() {
        ExposedCollections::FoldersOnly => (true, false),
        ExposedCollections::AggregatedOnly => (false, true),
        ExposedCollections::Auto => {
            let pattern = me.config.get::<props::UserAgentForAggregatedCollection>();
            let aggregated = user_agent.is_some_and(|agent| pattern.is_match(agent));
            (!aggregated, aggregated)
        }
    }
}

/// Every contact folder the user may see and has not hidden with `ignoreFolders`,
/// ordered by id; nothing when the user lacks the contacts module. Two queries: the
/// folders and the names of the other users owning some of them.
pub async fn contact_folders(store: &DynStore, me: &DavUser) -> StoreResult<Vec<ContactFolder>> {
    let folders = visible_contact_folders(store, me).await?;
    project_seen(store, me, folders, ContactFolder::project).await
}

/// The folders behind `contact_folders`, ordered by id, not yet projected.
async fn visible_contact_folders(store: &DynStore, me: &DavUser) -> StoreResult<Vec<Folder>> {
    if !me.user.has_module("contacts") {
        return Ok(Vec::new());
    }
    let ignored = me.config.get::<props::IgnoreFolders>();
    let mut folders: Vec<Folder> = store
        .visible_folders(me.user.context_id, me.user.id)
        .await?
        .into_iter()
        .filter(|f| f.module == FolderModule::Contacts && !ignored.contains(&f.id))
        .collect();
    folders.sort_by_key(|f| f.id);
    Ok(folders)
}

/// Folder `id` as `contact_folders` would list it, read on its own.
async fn contact_folder(
    store: &DynStore,
    me: &DavUser,
    id: FolderId,
) -> StoreResult<Option<ContactFolder>> {
    if !me.user.has_module("contacts") || me.config.get::<props::IgnoreFolders>().contains(&id) {
        return Ok(None);
    }
    let folder = match store.folder(me.user.context_id, id).await {
        Ok(folder) => folder,
        Err(StoreError::NotFound) => return Ok(None),
        Err(other) => return Err(other),
    };
    // What `visible_folders` asks of a folder: a permission of at least "see folder" for
    // the user, one of the user's groups or all users. (The projection refuses folders
    // of other modules.)
    if !FolderRights::of(&folder, me.user.id, &me.groups).can_see() {
        return Ok(None);
    }
    Ok(
        project_seen(store, me, vec![folder], ContactFolder::project)
            .await?
            .pop(),
    )
}

/// Those of `ids` (sorted) that are contact folders the user may read now, whether an
/// address book shows them or not (`ignoreFolders`, sync flags,
/// `aggregatedCollectionFolders`); none without the contacts module. One query, and none
/// for no ids.
pub async fn readable_contact_folders(
    store: &DynStore,
    me: &DavUser,
    ids: &[FolderId],
) -> StoreResult<Vec<ContactFolder>> {
    if ids.is_empty() || !me.user.has_module("contacts") {
        return Ok(Vec::new());
    }
    let folders: Vec<Folder> = store
        .visible_folders(me.user.context_id, me.user.id)
        .await?
        .into_iter()
        .filter(|f| f.module == FolderModule::Contacts && ids.binary_search(&f.id).is_ok())
        .collect();
    let mut readable: Vec<ContactFolder> =
        project_named(me, folders, &HashMap::new(), ContactFolder::project)
            .into_iter()
            .filter(|f| f.rights.can_read())
            .collect();
    readable.sort_by_key(ContactFolder::id);
    Ok(readable)
}

/// The aggregated collection over `folders`, as `aggregatedCollectionFolders` (or the
/// legacy `reducedAggregatedCollection`) chooses; only folders the user may read.
pub fn aggregate(folders: &[ContactFolder], me: &DavUser) -> Aggregated {
    let default_folder = folders
        .iter()
        .find(|f| f.folder.is_default && f.folder.owner_id == Some(me.user.id))
        .map(ContactFolder::id);
    let choice = aggregated_choice(me);
    let reduced =
        |f: &ContactFolder| Some(f.id()) == default_folder || f.id() == GLOBAL_ADDRESS_BOOK;
    let chosen = folders
        .iter()
        .filter(|f| f.rights.can_read())
        .filter(|f| match choice {
            AggregatedCollectionFolders::All => true,
            AggregatedCollectionFolders::AllSynced => synced(f),
            AggregatedCollectionFolders::Reduced => reduced(f),
            AggregatedCollectionFolders::ReducedSynced => reduced(f) && synced(f),
            AggregatedCollectionFolders::DefaultOnly => Some(f.id()) == default_folder,
        })
        .cloned()
        .collect();
    Aggregated {
        folders: chosen,
        default_folder,
        owner: me.user.id,
    }
}

/// `aggregatedCollectionFolders`; when it is not configured anywhere, the legacy
/// `reducedAggregatedCollection=true` means `reduced_synced`.
fn aggregated_choice(me: &DavUser) -> AggregatedCollectionFolders {
    let configured = me
        .config
        .explain(<props::AggregatedCollectionFolders as crate::config::Property>::NAME)
        .is_ok_and(|resolved| resolved.scope != Scope::Default);
    if !configured && me.config.get::<props::ReducedAggregatedCollection>() {
        AggregatedCollectionFolders::ReducedSynced
    } else {
        me.config.get::<props::AggregatedCollectionFolders>()
    }
}

/// A folder the user subscribed to and marked for synchronisation.
fn synced(folder: &ContactFolder) -> bool {
    folder.folder.subscribed && folder.folder.used_for_sync
}
