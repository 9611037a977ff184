//! Rooms and equipment as calendar users: each keeps its bookings in a public calendar
//! folder of its own, made on first booking and readable by every user of the context.

use crate::store::{
    ContextId, DynStore, Folder, FolderModule, FolderType, NewFolder, Permission, Resource, Role,
    StoreResult, ALL_USERS_GROUP, PUBLIC_ROOT,
};

/// The calendar folder holding `resource`'s bookings, made when it has none yet; two
/// concurrent first bookings end up with the same folder.
pub async fn booking_calendar(
    store: &DynStore,
    context: ContextId,
    resource: &Resource,
) -> StoreResult<Folder> {
    if let Some(id) = resource.calendar_folder {
        match store.folder(context, id).await {
            Ok(folder) => return Ok(folder),
            Err(crate::store::StoreError::NotFound) => {}
            Err(other) => return Err(other),
        }
    }
    let made = store
        .create_folder(
            context,
            NewFolder {
                parent_id: PUBLIC_ROOT,
                module: FolderModule::Calendar,
                folder_type: FolderType::Public,
                owner_id: None,
                name: resource.display_name.clone(),
                color: None,
                description: Some(format!("Bookings of {}", resource.display_name)),
                sort_order: None,
                dav_name: None,
                permissions: vec![Permission::for_role(ALL_USERS_GROUP, true, Role::Viewer)],
            },
        )
        .await?;
    let recorded = store
        .set_resource_calendar(context, resource.id, made.id)
        .await?;
    if recorded == made.id {
        return Ok(made);
    }
    store.delete_folder(context, made.id).await?;
    store.folder(context, recorded).await
}
