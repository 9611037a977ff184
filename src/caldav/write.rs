//! What a PUT of a calendar object must satisfy before it is stored (RFC 4791 5.3.2):
//! the data parses and is one object resource of the collection's component type, fits
//! the size limit and, when the window is strict, the synchronised time range.

use crate::caldav::collection::{CalendarCollection, MAX_CALENDAR_RESOURCE_SIZE};
use crate::caldav::window::SyncWindow;
use crate::content::ical::{CalendarError, CalendarObject};
use crate::dav::Precondition;
use crate::store::{UserId, WriteObject};

/// How far the stored span is widened on each side: floating times and dates are indexed
/// as UTC, but a query may evaluate them in the client's zone (UTC-12 to UTC+14), and the
/// span only serves to skip objects that cannot match.
const FLOATING_SLACK: i64 = 14 * 3600;

/// Checks `data` for `collection` and gives the row to store under `resource_name`.
pub fn prepare(
    collection: &CalendarCollection,
    resource_name: &str,
    data: &[u8],
    content_type: Option<&str>,
    strict_window: Option<&SyncWindow>,
    author: UserId,
) -> Result<WriteObject, Precondition> {
    if let Some(content_type) = content_type {
        let media = content_type.split(';').next().unwrap_or("").trim();
        if !media.eq_ignore_ascii_case("text/calendar") {
            return Err(Precondition::SupportedCalendarData);
        }
    }
    if data.len() > MAX_CALENDAR_RESOURCE_SIZE {
        return Err(Precondition::CalendarMaxResourceSize);
    }
    let object = CalendarObject::parse(data).map_err(|e| match e {
        CalendarError::InvalidData(_) => Precondition::ValidCalendarData,
        CalendarError::InvalidObjectResource(_) => Precondition::ValidCalendarObjectResource,
    })?;
    let index = object.index();
    if index.component.as_str() != collection.kind.component() {
        return Err(Precondition::SupportedCalendarComponent);
    }
    if let Some(window) = strict_window {
        if let (Some(start), Some(last_end)) = (window.start, index.last_end) {
            if last_end <= start {
                return Err(Precondition::MinDateTime);
            }
        }
        if let (Some(end), Some(first_start)) = (window.end, index.first_start) {
            if first_start >= end {
                return Err(Precondition::MaxDateTime);
            }
        }
    }
    Ok(stored_row(resource_name, &object, Some(author)))
}

/// The row a calendar object is stored as: its bytes and the index columns, the span
/// widened for floating times. Every writer of calendar objects builds it here.
pub fn stored_row(
    resource_name: &str,
    object: &CalendarObject,
    author: Option<UserId>,
) -> WriteObject {
    let index = object.index();
    WriteObject {
        resource_name: resource_name.to_owned(),
        uid: index.uid.clone(),
        component: index.component.as_str().to_owned(),
        data: object.data().to_vec(),
        start_at: index.first_start.map(|t| t - FLOATING_SLACK),
        end_at: index.last_end.map(|t| t + FLOATING_SLACK),
        display_name: index.summary.clone(),
        user_id: author,
    }
}
