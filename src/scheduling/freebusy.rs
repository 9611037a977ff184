//! Busy time of calendar users, for free/busy lookups through the scheduling outbox
//! (RFC 6638 5), the Internet free/busy URL and the free-busy-query REPORT: which
//! calendars make a user or resource busy, and the merged busy periods of a range read
//! from them a page at a time.

use futures::StreamExt;

use crate::content::ical::{BusyTime, CalendarObject, TooManyInstances};
use crate::content::limits::ContentLimits;
use crate::content::query::TimeRange;
use crate::http::offload;
use crate::store::{
    ContextId, DynStore, FolderId, FolderModule, FolderType, MemberFilter, Resource, StoreError,
    StoreResult, User,
};

/// Why busy time could not be had.
#[derive(Debug, thiserror::Error)]
pub enum BusyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An event has more instances in the range than it may be expanded to.
    #[error(transparent)]
    TooManyInstances(#[from] TooManyInstances),
    /// The periods would take more than this many bytes of FREEBUSY lines.
    #[error("the busy time would list more than {0} bytes")]
    TooMuch(usize),
}

/// The calendars whose events make `user` busy: the private calendar folders the user
/// owns and uses for sync, by id. Shared and public calendars the user sees are not the
/// user's time.
pub async fn user_calendars(store: &DynStore, user: &User) -> StoreResult<Vec<FolderId>> {
    let mut folders: Vec<FolderId> = store
        .visible_folders(user.context_id, user.id)
        .await?
        .into_iter()
        .filter(|f| {
            f.owner_id == Some(user.id)
                && f.module == FolderModule::Calendar
                && f.folder_type == FolderType::Private
                && f.used_for_sync
        })
        .map(|f| f.id)
        .collect();
    folders.sort_unstable();
    Ok(folders)
}

/// The calendar holding a resource's bookings; none before its first booking.
pub fn resource_calendars(resource: &Resource) -> Vec<FolderId> {
    resource.calendar_folder.into_iter().collect()
}

/// The busy time in `range` of the objects in `folders`, read a page at a time (only
/// the members whose recurrence set reaches into the range), merged; an error once the
/// FREEBUSY lines would take more than `max_bytes`.
pub async fn busy_time(
    store: &DynStore,
    limits: &ContentLimits,
    context: ContextId,
    folders: &[FolderId],
    range: &TimeRange,
    max_bytes: usize,
) -> Result<BusyTime, BusyError> {
    let mut busy = BusyTime::default();
    let window = match (range.start, range.end) {
        (Some(start), Some(end)) => Some((start, end)),
        _ => None,
    };
    for &folder in folders {
        let mut objects = store.object_stream(
            context,
            folder,
            MemberFilter {
                window,
                component: None,
            },
        );
        while let Some(object) = objects.next().await {
            let object = object?;
            add_object(&mut busy, &object.data, range, limits)?;
            if busy.lists_more_than(max_bytes) {
                return Err(BusyError::TooMuch(max_bytes));
            }
        }
    }
    Ok(busy)
}

/// Adds the busy time one stored object holds in `range` (its events' instances that are
/// not transparent or cancelled, or its VFREEBUSY periods); an object that no longer
/// parses adds none. Large and recurring objects are evaluated off the async workers.
pub fn add_object(
    busy: &mut BusyTime,
    data: &[u8],
    range: &TimeRange,
    limits: &ContentLimits,
) -> Result<(), TooManyInstances> {
    let large = data.len() >= offload::LARGE_OBJECT_BYTES;
    let periods = offload::run(large, || {
        let parsed = CalendarObject::parse(data, limits).ok()?;
        Some(offload::run(parsed.is_recurring(), || {
            parsed.busy_periods(range)
        }))
    });
    if let Some(periods) = periods {
        busy.add(periods?);
    }
    Ok(())
}
