//! The scheduling inbox (RFC 6638 2.2): the folder of module `schedule-inbox` each user
//! receives iTIP messages in, made on first delivery. Its path segment in the calendar
//! home is `schedule-inbox`, a name no client may give a calendar.

use crate::store::{
    ContextId, DynStore, Folder, FolderModule, FolderType, NewFolder, Permission, Role, StoreError,
    StoreResult, UserId, WriteCondition, WriteObject, PRIVATE_ROOT,
};

/// The inbox's path segment below the calendar home, and its folder's `dav_name`.
pub const INBOX_SEGMENT: &str = "schedule-inbox";
/// The outbox's path segment below the calendar home.
pub const OUTBOX_SEGMENT: &str = "schedule-outbox";

/// The user's inbox folder, made when there is none yet (two concurrent first
/// deliveries make one folder: the name is unique per owner).
pub async fn inbox_folder(
    store: &DynStore,
    context: ContextId,
    user: UserId,
) -> StoreResult<Folder> {
    for _ in 0..2 {
        if let Some(id) = store
            .folder_by_dav_name(context, user, INBOX_SEGMENT)
            .await?
        {
            let folder = store.folder(context, id).await?;
            if folder.module != FolderModule::ScheduleInbox {
                return Err(StoreError::Invalid(format!(
                    "folder {id} of user {user} holds the inbox's name but is no inbox"
                )));
            }
            return Ok(folder);
        }
        let new = NewFolder {
            parent_id: PRIVATE_ROOT,
            module: FolderModule::ScheduleInbox,
            folder_type: FolderType::Private,
            owner_id: Some(user),
            name: "Inbox".into(),
            color: None,
            description: None,
            sort_order: None,
            dav_name: Some(INBOX_SEGMENT.into()),
            permissions: vec![Permission::for_role(user, false, Role::Administrator)],
        };
        match store.create_folder(context, new).await {
            Ok(folder) => return Ok(folder),
            Err(StoreError::AlreadyExists(_)) => continue,
            Err(other) => return Err(other),
        }
    }
    Err(StoreError::Contention(
        "the scheduling inbox was made and removed concurrently".into(),
    ))
}

/// Stores the iTIP message `message` (a VCALENDAR with METHOD, of `component` VEVENT or
/// VTODO) in the inbox of `recipient`; gives its resource name. An inbox holds several
/// messages about one event, so the stored UID column is the message's own token, not
/// the event's UID (which the message carries).
pub async fn deliver(
    store: &DynStore,
    context: ContextId,
    recipient: UserId,
    component: &str,
    summary: Option<&str>,
    message: &[u8],
) -> StoreResult<String> {
    let folder = inbox_folder(store, context, recipient).await?;
    let token = hex::encode(rand::random::<[u8; 16]>());
    let resource_name = format!("{token}.ics");
    let object = WriteObject {
        resource_name: resource_name.clone(),
        uid: token,
        component: component.to_owned(),
        data: message.to_vec(),
        start_at: None,
        end_at: None,
        display_name: summary.map(str::to_owned),
        user_id: None,
    };
    store
        .put_object(context, folder.id, &object, WriteCondition::MustNotExist)
        .await?;
    Ok(resource_name)
}
