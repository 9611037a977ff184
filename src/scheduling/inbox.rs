//! The scheduling inbox (RFC 6638 2.2): the folder of module `schedule-inbox` each user
//! receives iTIP messages in, made on first delivery (reading an inbox never makes it).
//! Its path segment in the calendar home is `schedule-inbox`, a name no client may give a
//! calendar. An inbox keeps at most `davgate.limits.maxInboxMessages` messages: each
//! delivery removes the oldest beyond it.

use crate::store::{
    ContextId, DynStore, Folder, FolderModule, FolderType, NewFolder, Permission, Role, StoreError,
    StoreResult, UserId, WriteCondition, WriteObject, PRIVATE_ROOT,
};

/// The inbox's path segment below the calendar home, and its folder's `dav_name`.
pub const INBOX_SEGMENT: &str = "schedule-inbox";
/// The outbox's path segment below the calendar home.
pub const OUTBOX_SEGMENT: &str = "schedule-outbox";

/// Messages an inbox keeps when `deliver` is not told otherwise: the default of
/// `davgate.limits.maxInboxMessages`.
pub const DEFAULT_MAX_INBOX_MESSAGES: usize = 1000;

/// Whether `segment` is one of the mailboxes' path segments, which always name the
/// viewer's own mailboxes and never a calendar.
pub fn is_mailbox_segment(segment: &str) -> bool {
    segment == INBOX_SEGMENT || segment == OUTBOX_SEGMENT
}

/// The user's inbox folder if a delivery has made it: two queries, and no write. A
/// calendar holding the inbox's name from before is no inbox.
pub async fn existing_inbox_folder(
    store: &DynStore,
    context: ContextId,
    user: UserId,
) -> StoreResult<Option<Folder>> {
    let Some(id) = store
        .folder_by_dav_name(context, user, INBOX_SEGMENT)
        .await?
    else {
        return Ok(None);
    };
    match store.folder(context, id).await {
        Ok(folder) if folder.module == FolderModule::ScheduleInbox => Ok(Some(folder)),
        Ok(_) | Err(StoreError::NotFound) => Ok(None),
        Err(other) => Err(other),
    }
}

/// The user's inbox folder, made when there is none yet (two concurrent first
/// deliveries make one folder: the name is unique per owner).
pub async fn inbox_folder(
    store: &DynStore,
    context: ContextId,
    user: UserId,
) -> StoreResult<Folder> {
    for _ in 0..3 {
        if let Some(id) = store
            .folder_by_dav_name(context, user, INBOX_SEGMENT)
            .await?
        {
            let folder = store.folder(context, id).await?;
            if folder.module == FolderModule::ScheduleInbox {
                return Ok(folder);
            }
            // A calendar a client named so before the name was the inbox's: it keeps
            // working under its id, and the name goes to the inbox.
            store.clear_dav_name(context, id).await?;
            continue;
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
/// the event's UID (which the message carries). The inbox keeps the newest
/// `DEFAULT_MAX_INBOX_MESSAGES`; `deliver_within` takes the configured number.
pub async fn deliver(
    store: &DynStore,
    context: ContextId,
    recipient: UserId,
    component: &str,
    summary: Option<&str>,
    message: &[u8],
) -> StoreResult<String> {
    deliver_within(
        store,
        context,
        recipient,
        component,
        summary,
        message,
        DEFAULT_MAX_INBOX_MESSAGES,
    )
    .await
}

/// `deliver`, after which the inbox keeps its newest `max_messages` messages (at least
/// the one delivered): `davgate.limits.maxInboxMessages` (`Limits::collections`).
pub async fn deliver_within(
    store: &DynStore,
    context: ContextId,
    recipient: UserId,
    component: &str,
    summary: Option<&str>,
    message: &[u8],
    max_messages: usize,
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
    let keep = u64::try_from(max_messages.max(1)).unwrap_or(u64::MAX);
    store.keep_newest(context, folder.id, keep).await?;
    Ok(resource_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_limit_is_the_settings_default() {
        let limits = crate::limits::Limits::default();
        assert_eq!(
            limits.collections.max_inbox_messages,
            DEFAULT_MAX_INBOX_MESSAGES
        );
    }

    #[test]
    fn only_the_mailboxes_names_are_mailbox_segments() {
        assert!(is_mailbox_segment("schedule-inbox"));
        assert!(is_mailbox_segment("schedule-outbox"));
        assert!(!is_mailbox_segment("Schedule-Inbox"));
        assert!(!is_mailbox_segment("inbox"));
    }
}
