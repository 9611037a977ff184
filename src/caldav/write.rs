//! What a PUT of a calendar object must satisfy before it is stored (RFC 4791 5.3.2):
//! the data parses and is one object resource of the collection's component type, fits
//! the size limit and, when the window is strict, the synchronised time range.

use crate::caldav::collection::{CalendarCollection, MAX_CALENDAR_RESOURCE_SIZE};
use crate::caldav::window::SyncWindow;
use crate::content::ical::{CalendarError, CalendarObject};
use crate::content::limits::ContentLimits;
use crate::dav::{Precondition, Refusal};
use crate::store::{UserId, WriteObject};

/// How far the stored span is widened on each side: floating times and dates are indexed
/// as UTC, but a query may evaluate them in the client's zone (UTC-12 to UTC+14), and the
/// span only serves to skip objects that cannot match.
const FLOATING_SLACK: i64 = 14 * 3600;

/// What a calendar object must satisfy to be stored in `collection`.
pub struct Requirements<'a> {
    /// The window a strict `interval.strict` imposes.
    pub strict_window: Option<&'a SyncWindow>,
    pub limits: &'a ContentLimits,
}

/// Checks `data` for `collection` and gives the row to store under `resource_name`, or
/// the precondition it breaks with a reason the client may show.
pub fn prepare(
    collection: &CalendarCollection,
    resource_name: &str,
    data: &[u8],
    content_type: Option<&str>,
    requirements: Requirements<'_>,
    author: UserId,
) -> Result<WriteObject, Refusal> {
    if let Some(content_type) = content_type {
        let media = content_type.split(';').next().unwrap_or("").trim();
        if !media.eq_ignore_ascii_case("text/calendar") {
            return Err(Refusal::new(
                Precondition::SupportedCalendarData,
                format!("{media} is not text/calendar"),
            ));
        }
    }
    if data.len() > MAX_CALENDAR_RESOURCE_SIZE {
        return Err(Refusal::new(
            Precondition::CalendarMaxResourceSize,
            format!(
                "{} bytes is more than the {MAX_CALENDAR_RESOURCE_SIZE} a calendar takes",
                data.len()
            ),
        ));
    }
    let object =
        CalendarObject::parse_submitted(data, requirements.limits).map_err(
            |error| match error {
                CalendarError::InvalidData(reason) => {
                    Refusal::new(Precondition::ValidCalendarData, reason)
                }
                CalendarError::InvalidObjectResource(reason) => {
                    Refusal::new(Precondition::ValidCalendarObjectResource, reason)
                }
                CalendarError::TooManyAttendees(reason) => {
                    Refusal::new(Precondition::CalendarMaxAttendeesPerInstance, reason)
                }
            },
        )?;
    let index = object.index();
    if index.component.as_str() != collection.kind.component() {
        return Err(Refusal::new(
            Precondition::SupportedCalendarComponent,
            format!(
                "a {} in a collection of {}",
                index.component.as_str(),
                collection.kind.component()
            ),
        ));
    }
    if let Some(window) = requirements.strict_window {
        if let (Some(start), Some(last_end)) = (window.start, index.last_end) {
            if last_end <= start {
                return Err(Refusal::new(
                    Precondition::MinDateTime,
                    "the object ends before the calendar's min-date-time",
                ));
            }
        }
        if let (Some(end), Some(first_start)) = (window.end, index.first_start) {
            if first_start >= end {
                return Err(Refusal::new(
                    Precondition::MaxDateTime,
                    "the object starts after the calendar's max-date-time",
                ));
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
