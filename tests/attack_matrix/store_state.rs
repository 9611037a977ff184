//! What the store holds, as far as DAV requests can change it (folders with their
//! permissions and dead properties, their members), read back after writes;
//! and bringing it back to what was planted when a request changed it, so that no cell
//! depends on another.

use std::collections::BTreeMap;

use davgate::store::{
    ContextId, DeadProperty, Folder, FolderId, FolderUpdate, NewFolder, StoredObject,
    WriteCondition, WriteObject,
};
use futures::StreamExt;

use crate::world::World;

/// A folder as stored, without its id (a remade folder has another).
#[derive(Debug, Clone, PartialEq)]
struct FolderState {
    folder: Folder,
    dead: Vec<DeadProperty>,
    /// Each member as stored, without when it was written.
    members: BTreeMap<String, StoredObject>,
}

/// Both contexts' folders, keyed by their place in the world or `<context>/<id>`.
#[derive(Debug, Clone)]
pub struct Snapshot {
    folders: BTreeMap<String, ((ContextId, FolderId), FolderState)>,
}

impl Snapshot {
    pub async fn take(world: &World) -> Snapshot {
        let store = &world.site.store;
        let mut folders = BTreeMap::new();
        for context in [world.home, world.other] {
            let all = store.folders(context).await.unwrap();
            let ids: Vec<FolderId> = all.iter().map(|f| f.id).collect();
            let mut dead = store
                .collections_dead_properties(context, &ids)
                .await
                .unwrap();
            for mut folder in all {
                let id = folder.id;
                let key = match world.place_at(context, id) {
                    Some(place) => place.name(),
                    None => format!("{context}/{id}"),
                };
                folder.id = 0;
                folder.permissions.sort_by_key(|p| (p.is_group, p.entity));
                let mut members = BTreeMap::new();
                let mut objects = store.object_stream(context, id, Default::default());
                while let Some(object) = objects.next().await {
                    let mut object = object.unwrap();
                    object.modified_at = 0;
                    object.folder_id = 0;
                    members.insert(object.resource_name.clone(), object);
                }
                let state = FolderState {
                    folder,
                    dead: dead.remove(&id).unwrap_or_default(),
                    members,
                };
                folders.insert(key, ((context, id), state));
            }
        }
        Snapshot { folders }
    }

    /// What differs from `planted`, one line per folder or member; empty when nothing.
    pub fn differences(&self, planted: &Snapshot) -> Vec<String> {
        let mut out = Vec::new();
        for (key, (_, state)) in &self.folders {
            match planted.folders.get(key) {
                None => out.push(format!("folder {key} ({:?}) appeared", state.folder.name)),
                Some((_, before)) => {
                    if before.folder != state.folder {
                        out.push(format!("folder {key} changed: {:?}", state.folder));
                    }
                    if before.dead != state.dead {
                        out.push(format!("dead properties of {key}: {:?}", state.dead));
                    }
                    for (name, member) in &state.members {
                        match before.members.get(name) {
                            None => out.push(format!("member {key}/{name} appeared")),
                            Some(old) if old != member => {
                                out.push(format!("member {key}/{name} changed"))
                            }
                            Some(_) => {}
                        }
                    }
                    for name in before.members.keys() {
                        if !state.members.contains_key(name) {
                            out.push(format!("member {key}/{name} disappeared"));
                        }
                    }
                }
            }
        }
        for key in planted.folders.keys() {
            if !self.folders.contains_key(key) {
                out.push(format!("folder {key} disappeared"));
            }
        }
        out
    }
}

/// Watches the store for changes between cells: cheaply through the contexts' change
/// sequences (every write of a folder, permission, member or collection property moves
/// them), or by reading everything back.
pub struct StoreWatch {
    planted: Snapshot,
    seqs: (i64, i64),
}

impl StoreWatch {
    pub async fn new(world: &World) -> StoreWatch {
        StoreWatch {
            planted: Snapshot::take(world).await,
            seqs: seqs(world).await,
        }
    }

    /// What changed since the last look, restoring the planted state if anything did.
    /// Unless `read_all`, the change sequences are asked first and nothing more is read
    /// when they have not moved.
    pub async fn check(&mut self, world: &mut World, read_all: bool) -> Vec<String> {
        if !read_all && seqs(world).await == self.seqs {
            return Vec::new();
        }
        let differences = Snapshot::take(world).await.differences(&self.planted);
        if !differences.is_empty() {
            restore(world, &self.planted).await;
            let left = Snapshot::take(world).await.differences(&self.planted);
            assert!(left.is_empty(), "the restore left {left:?}");
        }
        self.seqs = seqs(world).await;
        differences
    }
}

async fn seqs(world: &World) -> (i64, i64) {
    let store = &world.site.store;
    (
        store.current_seq(world.home).await.unwrap(),
        store.current_seq(world.other).await.unwrap(),
    )
}

/// Brings the store back to `planted`: removes folders and members that appeared, makes
/// again what disappeared, and puts back what changed.
async fn restore(world: &mut World, planted: &Snapshot) {
    let store = world.site.store.clone();
    let now = Snapshot::take(world).await;
    for (key, ((context, id), _)) in &now.folders {
        if !planted.folders.contains_key(key) {
            store.delete_folder(*context, *id).await.unwrap();
        }
    }
    for (key, ((context, _), want)) in &planted.folders {
        let at = match now.folders.get(key) {
            Some((at, _)) => *at,
            None => {
                let place = world
                    .folders
                    .keys()
                    .copied()
                    .find(|p| p.name() == *key)
                    .unwrap_or_else(|| panic!("cannot make folder {key} again"));
                let made = remake_folder(&store, *context, &want.folder).await;
                world.folders.insert(place, (*context, made));
                (*context, made)
            }
        };
        let empty = FolderState {
            folder: want.folder.clone(),
            dead: Vec::new(),
            members: BTreeMap::new(),
        };
        let have = now
            .folders
            .get(key)
            .map(|(_, state)| state)
            .unwrap_or(&empty);
        put_back(&store, at, want, have).await;
    }
}

async fn remake_folder(
    store: &davgate::store::DynStore,
    context: ContextId,
    folder: &Folder,
) -> FolderId {
    store
        .create_folder(
            context,
            NewFolder {
                parent_id: folder.parent_id,
                module: folder.module,
                folder_type: folder.folder_type,
                owner_id: folder.owner_id,
                name: folder.name.clone(),
                color: folder.color.clone(),
                description: folder.description.clone(),
                sort_order: folder.sort_order,
                dav_name: folder.dav_name.clone(),
                permissions: folder.permissions.clone(),
            },
        )
        .await
        .unwrap()
        .id
}

/// Makes the folder at `at` hold what `want` says, given that it holds `have`.
async fn put_back(
    store: &davgate::store::DynStore,
    (context, id): (ContextId, FolderId),
    want: &FolderState,
    have: &FolderState,
) {
    let (w, h) = (&want.folder, &have.folder);
    if w.name != h.name
        || w.color != h.color
        || w.description != h.description
        || w.subscribed != h.subscribed
        || w.used_for_sync != h.used_for_sync
        || w.sort_order != h.sort_order
    {
        let update = FolderUpdate {
            name: Some(w.name.clone()),
            color: Some(w.color.clone()),
            description: Some(w.description.clone()),
            subscribed: Some(w.subscribed),
            used_for_sync: Some(w.used_for_sync),
            sort_order: Some(w.sort_order),
        };
        store.update_folder(context, id, update).await.unwrap();
    }
    if w.permissions != h.permissions {
        let gone: Vec<i64> = h
            .permissions
            .iter()
            .filter(|p| {
                !p.is_group
                    && !w
                        .permissions
                        .iter()
                        .any(|k| !k.is_group && k.entity == p.entity)
            })
            .map(|p| p.entity)
            .collect();
        store
            .change_permissions(context, id, &w.permissions, &gone)
            .await
            .unwrap();
    }
    if want.dead != have.dead {
        let remove: Vec<(String, String)> = have
            .dead
            .iter()
            .map(|p| (p.namespace.clone(), p.name.clone()))
            .collect();
        store
            .update_dead_properties(context, id, "", &want.dead, &remove)
            .await
            .unwrap();
    }
    for name in have.members.keys() {
        if !want.members.contains_key(name) {
            store
                .delete_object(context, id, name, WriteCondition::Unconditional)
                .await
                .unwrap();
        }
    }
    for (name, o) in &want.members {
        if have.members.get(name) != Some(o) {
            let object = WriteObject {
                resource_name: o.resource_name.clone(),
                uid: o.uid.clone(),
                component: o.component.clone(),
                data: o.data.clone(),
                start_at: o.start_at,
                end_at: o.end_at,
                display_name: o.display_name.clone(),
                user_id: o.user_id,
            };
            store
                .put_object(context, id, &object, WriteCondition::Unconditional)
                .await
                .unwrap();
        }
    }
}
