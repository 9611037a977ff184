//! Where scheduling writes: the calendar copies of attendees, resources and organizers
//! (found by UID in the calendar user's own calendars, one query per calendar), rewritten
//! read-modify-write under the version read so that concurrent replies all land; the
//! Schedule-Tag each write keeps or renews; messages into inboxes and out by mail.

use std::time::Duration;

use super::imip::{ImipMessage, MailError};
use super::lines::{self, Component};
use crate::caldav::write::stored_row;
use crate::content::ical::CalendarObject;
use crate::http::AppState;
use crate::store::{
    ContextId, Folder, FolderId, FolderModule, FolderType, StoreError, StoreResult, StoredObject,
    User, UserId, WriteCondition,
};

/// How often a copy is read and written again when another writer changed it between.
/// Concurrent replies to one event each rewrite the organizer's copy; every round one of
/// them wins, so this bounds how many can race at once before one gives up with 503.
const REWRITE_ATTEMPTS: usize = 200;

/// A new Schedule-Tag: opaque, unique per change.
pub fn new_schedule_tag() -> String {
    format!("st-{}", hex::encode(rand::random::<[u8; 12]>()))
}

/// The resource name a delivered copy gets: derived from the UID, so that two
/// deliveries racing to make the first copy pick the same name and one of them waits.
fn copy_name(uid: &str) -> String {
    use sha2::Digest;
    let digest = hex::encode(sha2::Sha256::digest(uid.as_bytes()));
    format!("{}.ics", &digest[..32])
}

/// The calendar folders `user` owns (where her copies of events live).
pub async fn own_calendars(
    state: &AppState,
    context: ContextId,
    user: UserId,
) -> StoreResult<Vec<Folder>> {
    Ok(state
        .store
        .visible_folders(context, user)
        .await?
        .into_iter()
        .filter(|f| {
            f.module == FolderModule::Calendar
                && f.folder_type == FolderType::Private
                && f.owner_id == Some(user)
        })
        .collect())
}

/// `user`'s copy of the event `uid`: the calendar holding it and the stored member.
pub async fn find_copy(
    state: &AppState,
    context: ContextId,
    user: UserId,
    uid: &str,
) -> StoreResult<Option<StoredObject>> {
    for folder in own_calendars(state, context, user).await? {
        if let Some(found) = state.store.object_by_uid(context, folder.id, uid).await? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// Where `user`'s copy of `uid` is or goes: the calendar holding it, else her default
/// calendar. None when she has neither.
pub async fn copy_folder(
    state: &AppState,
    context: ContextId,
    user: &User,
    uid: &str,
) -> StoreResult<Option<FolderId>> {
    if let Some(found) = find_copy(state, context, user.id, uid).await? {
        return Ok(Some(found.folder_id));
    }
    Ok(state
        .store
        .default_folder(context, user.id, FolderModule::Calendar)
        .await?
        .map(|f| f.id))
}

/// Parses a stored calendar object for editing.
pub fn parse_stored(object: &StoredObject) -> StoreResult<Component> {
    let text = std::str::from_utf8(&object.data)
        .map_err(|_| StoreError::Invalid(format!("{} is not UTF-8", object.resource_name)))?;
    lines::parse(text).map_err(StoreError::Invalid)
}

/// What a rewrite does with the copy it read.
pub enum Rewrite {
    /// Leave it as it is.
    Nothing,
    /// Store this; `renew_tag`: a new Schedule-Tag (else the copy keeps its own).
    Store { cal: Component, renew_tag: bool },
    /// Remove the copy.
    Remove,
}

/// How many locks rewrites of copies are spread over.
const REWRITE_STRIPES: usize = 256;

/// The lock a rewrite of the copy `uid` in `folder` takes: one of a fixed set, by hash, so
/// that memory stays fixed; two copies sharing one merely wait for each other.
fn rewrite_turn(
    context: ContextId,
    folder: FolderId,
    uid: &str,
) -> &'static tokio::sync::Mutex<()> {
    use std::hash::{Hash, Hasher};
    static STRIPES: std::sync::LazyLock<Vec<tokio::sync::Mutex<()>>> =
        std::sync::LazyLock::new(|| (0..REWRITE_STRIPES).map(|_| Default::default()).collect());
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (context, folder, uid).hash(&mut hasher);
    &STRIPES[(hasher.finish() as usize) % REWRITE_STRIPES]
}

/// Reads the member of `folder` with `uid` (None when there is none), lets `change`
/// decide, and writes under the version read, again from the read when another writer
/// came between. True when something was written or removed.
pub async fn rewrite(
    state: &AppState,
    context: ContextId,
    folder: FolderId,
    uid: &str,
    mut change: impl FnMut(Option<Component>) -> Rewrite,
) -> StoreResult<bool> {
    // Rewrites of one copy in this process take turns, so that many answers arriving at
    // once (every attendee of a meeting accepting) do not all read the same version and
    // retry; other processes' writers are still caught by the condition below.
    let _turn = rewrite_turn(context, folder, uid).lock().await;
    // The copy is held to its owner's quotas, read once when something is to be stored.
    let mut quota = None;
    for attempt in 0..REWRITE_ATTEMPTS {
        if attempt > 0 {
            let pause = rand::random::<u64>() % (2 + attempt.min(20) as u64 * 2);
            tokio::time::sleep(Duration::from_millis(pause)).await;
        }
        let current = state.store.object_by_uid(context, folder, uid).await?;
        let parsed = current.as_ref().map(parse_stored).transpose()?;
        let condition = match &current {
            Some(object) => WriteCondition::IfMatch(object.etag.clone()),
            None => WriteCondition::MustNotExist,
        };
        let outcome = match change(parsed) {
            Rewrite::Nothing => return Ok(false),
            Rewrite::Remove => match &current {
                None => return Ok(false),
                Some(object) => {
                    state
                        .store
                        .delete_object(context, folder, &object.resource_name, condition)
                        .await
                }
            },
            Rewrite::Store { cal, renew_tag } => {
                let tag = match (&current, renew_tag) {
                    (
                        Some(StoredObject {
                            schedule_tag: Some(tag),
                            ..
                        }),
                        false,
                    ) => tag.clone(),
                    _ => new_schedule_tag(),
                };
                let name = current
                    .as_ref()
                    .map_or_else(|| copy_name(uid), |o| o.resource_name.clone());
                let author = current.as_ref().and_then(|o| o.user_id);
                let data = cal.render().into_bytes();
                let object = CalendarObject::parse(&data, &state.limits.content)
                    .map_err(|e| StoreError::Invalid(format!("a scheduled copy: {e}")))?;
                let row = stored_row(&name, &object, author);
                let quota = match quota {
                    Some(quota) => quota,
                    None => {
                        *quota.insert(crate::quota::limits_of_folder(state, context, folder).await?)
                    }
                };
                state
                    .store
                    .put_object_within(context, folder, &row, condition, Some(&tag), &quota)
                    .await
                    .map(|_| ())
            }
        };
        match outcome {
            Ok(()) => return Ok(true),
            Err(StoreError::PreconditionFailed) | Err(StoreError::NotFound) => continue,
            Err(other) => return Err(other),
        }
    }
    Err(StoreError::Contention(format!(
        "the copy of {uid} kept changing under scheduling"
    )))
}

/// Puts `message` (an iTIP VCALENDAR) into `user`'s inbox.
pub async fn to_inbox(
    state: &AppState,
    context: ContextId,
    user: UserId,
    message: &Component,
) -> StoreResult<()> {
    let summary = super::itip::summary(message);
    let component = super::itip::components(message)
        .next()
        .map_or("VEVENT".to_owned(), |c| c.name.clone());
    super::inbox::deliver_within(
        &state.store,
        context,
        user,
        &component,
        summary.as_deref(),
        message.render().as_bytes(),
        state.limits.collections.max_inbox_messages,
    )
    .await
    .map(|_| ())
}

/// Sends `message` by mail from `from` to `to` (mail addresses); the SCHEDULE-STATUS
/// that results (RFC 6638 3.2.9): 1.1 handed to the relay, 5.2 no relay to send with,
/// 5.3 refused by it, 5.1 it could not be reached.
pub async fn by_mail(
    state: &AppState,
    from: &str,
    from_name: Option<&str>,
    to: &str,
    message: &Component,
) -> &'static str {
    let Some(relay) = &state.mail else {
        return status::NO_DELIVERY_METHOD;
    };
    let method = message.value("METHOD").unwrap_or("REQUEST").to_owned();
    let mail = ImipMessage {
        method,
        from: from.to_owned(),
        from_name: from_name.map(str::to_owned),
        recipients: vec![to.to_owned()],
        summary: super::itip::summary(message),
        ical: message.render().into_bytes(),
    };
    match relay.send(&mail).await {
        Ok(()) => status::SENT,
        Err(MailError::NotConfigured) => status::NO_DELIVERY_METHOD,
        Err(MailError::Refused(reason)) => {
            tracing::warn!(%reason, "the mail relay refused an iTIP message");
            status::REJECTED
        }
        Err(MailError::Unreachable(reason)) => {
            tracing::warn!(%reason, "the mail relay could not be reached");
            status::DELIVERY_FAILED
        }
    }
}

/// SCHEDULE-STATUS values (RFC 6638 3.2.9).
pub mod status {
    /// The message was handed on; whether it arrived is unknown.
    pub const SENT: &str = "1.1";
    /// The message was delivered.
    pub const DELIVERED: &str = "1.2";
    /// The address names no calendar user.
    pub const INVALID_USER: &str = "3.7";
    /// Delivery failed for a temporary reason.
    pub const DELIVERY_FAILED: &str = "5.1";
    /// No way to deliver to this calendar user.
    pub const NO_DELIVERY_METHOD: &str = "5.2";
    /// The message was refused.
    pub const REJECTED: &str = "5.3";
}
