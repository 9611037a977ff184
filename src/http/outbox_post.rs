//! POST to the scheduling outbox (RFC 6638 5): a free/busy request (iTIP REQUEST with a
//! VFREEBUSY, RFC 5546 3.3.2) answered at once with the busy time of each attendee of
//! the context, as a `CALDAV:schedule-response`; an attendee's REPLY to an event goes to
//! `outbox_reply`, and what implicit scheduling sends on PUT and DELETE is refused.

use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, StatusCode};

use super::error::DavError;
use super::offload;
use super::outbox_reply;
use super::AppState;
use crate::access::DavUser;
use crate::config::props;
use crate::content::ical::{FreeBusyHeader, FreeBusyRequest, FreeBusyRequestError};
use crate::content::query::TimeRange;
use crate::dav::schedule_response::{schedule_response, RecipientAnswer};
use crate::dav::{Precondition, Refusal};
use crate::scheduling::addresses::{mail_of, resolve, CalendarUser};
use crate::scheduling::freebusy::{busy_time, resource_calendars, user_calendars, BusyError};
use crate::scheduling::posted_reply::Posted;

const SUCCESS: &str = "2.0;Success";
const INVALID_USER: &str = "3.7;Invalid calendar user";
const NO_AUTHORITY: &str = "3.8;No authority";

const DAY: i64 = 86_400;

pub(super) async fn post(
    state: &AppState,
    me: &DavUser,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, DavError> {
    if !me.config.get::<props::CaldavEnabled>() {
        return Err(DavError::Forbidden(
            "CalDAV is not enabled for this user".into(),
        ));
    }
    if !is_calendar(headers) {
        return Err(Refusal::new(
            Precondition::SupportedCalendarData,
            "a scheduling message is text/calendar",
        )
        .into());
    }
    let large = body.len() >= offload::LARGE_OBJECT_BYTES;
    match offload::run(large, || {
        outbox_reply::read_posted(body, &state.limits.content)
    }) {
        Some((Posted::Reply, cal)) => return outbox_reply::post(state, me, &cal).await,
        Some((Posted::NotByPost(reason), _)) => return Err(DavError::Forbidden(reason)),
        Some((Posted::Malformed(reason), _)) => {
            return Err(Refusal::new(Precondition::ValidSchedulingMessage, reason).into())
        }
        Some((Posted::FreeBusy, _)) | None => {}
    }
    let request = offload::run(large, || {
        FreeBusyRequest::parse(body, &state.limits.content)
    })
    .map_err(|error| match error {
        FreeBusyRequestError::InvalidData(reason) => {
            Refusal::new(Precondition::ValidCalendarData, reason)
        }
        FreeBusyRequestError::NotARequest(reason) => {
            Refusal::new(Precondition::ValidSchedulingMessage, reason)
        }
    })?;
    let context = me.user.context_id;
    let organizer = resolve(&state.store, &state.paths, context, &request.organizer).await?;
    if !matches!(&organizer, Some(CalendarUser::User(user)) if user.id == me.user.id) {
        return Err(Refusal::new(
            Precondition::OrganizerAllowed,
            "the ORGANIZER must be one of your own calendar user addresses",
        )
        .into());
    }
    let limits = &state.limits.freebusy;
    if request.attendees.len() > limits.max_recipients {
        return Err(Refusal::new(
            Precondition::CalendarMaxAttendeesPerInstance,
            format!(
                "a free/busy request may ask about at most {} attendees \
                 (davgate.limits.maxFreeBusyRecipients)",
                limits.max_recipients
            ),
        )
        .into());
    }
    let max_range = i64::try_from(limits.max_range_days)
        .unwrap_or(i64::MAX / DAY)
        .saturating_mul(DAY);
    if request.end - request.start > max_range {
        return Err(DavError::Forbidden(format!(
            "a free/busy request may span at most {} days (davgate.limits.maxFreeBusyRangeDays)",
            limits.max_range_days
        )));
    }
    let range = TimeRange {
        start: Some(request.start),
        end: Some(request.end),
    };
    // One budget of FREEBUSY lines for all attendees together.
    let mut budget = state.limits.max_report_calendar_data_bytes;
    let mut answers = Vec::with_capacity(request.attendees.len());
    for attendee in &request.attendees {
        let folders = match resolve(&state.store, &state.paths, context, attendee).await? {
            Some(CalendarUser::User(user)) => user_calendars(&state.store, &user).await?,
            Some(CalendarUser::Resource(resource)) => resource_calendars(&resource),
            Some(CalendarUser::Group(_)) => {
                answers.push(status_only(attendee, INVALID_USER));
                continue;
            }
            None => {
                let status = if is_disabled_user(state, context, attendee).await? {
                    NO_AUTHORITY
                } else {
                    INVALID_USER
                };
                answers.push(status_only(attendee, status));
                continue;
            }
        };
        let mut busy = busy_time(
            &state.store,
            &state.limits.content,
            context,
            &folders,
            &range,
            budget,
        )
        .await
        .map_err(|error| too_much(error, state.limits.max_report_calendar_data_bytes))?;
        budget -= busy.listed_bytes();
        let header = FreeBusyHeader {
            method: Some("REPLY"),
            organizer: Some(&request.organizer),
            attendee: Some(attendee),
            uid: request.uid.as_deref(),
        };
        let data = busy.into_message(&header, &range);
        answers.push(RecipientAnswer {
            recipient: attendee.clone(),
            request_status: SUCCESS.into(),
            calendar_data: Some(String::from_utf8_lossy(&data).into_owned()),
        });
    }
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        schedule_response(&answers),
    )
        .into_response())
}

fn status_only(attendee: &str, status: &str) -> RecipientAnswer {
    RecipientAnswer {
        recipient: attendee.to_owned(),
        request_status: status.into(),
        calendar_data: None,
    }
}

/// Whether `address` is the mail address of a disabled user of the context.
async fn is_disabled_user(
    state: &AppState,
    context: crate::store::ContextId,
    address: &str,
) -> Result<bool, DavError> {
    let Some(mail) = mail_of(address) else {
        return Ok(false);
    };
    Ok(state
        .store
        .users_by_mail(mail)
        .await?
        .iter()
        .any(|user| user.context_id == context && !user.enabled))
}

/// The answer when busy time cannot be had: the store's error, or 507 for what the
/// limits do not allow (`max`: the bytes of FREEBUSY lines one answer may list).
pub(super) fn too_much(error: BusyError, max: usize) -> DavError {
    match error {
        BusyError::Store(error) => DavError::Store(error),
        BusyError::TooManyInstances(error) => Refusal::new(
            Precondition::NumberOfMatchesWithinLimits,
            format!("{error}; ask for a shorter range"),
        )
        .into(),
        BusyError::TooMuch(_) => Refusal::new(
            Precondition::NumberOfMatchesWithinLimits,
            format!(
                "the busy time would list more than {max} bytes \
                 (davgate.limits.maxReportCalendarDataBytes); ask for a shorter range"
            ),
        )
        .into(),
    }
}

/// Whether the body is declared as iCalendar (`text/calendar`, any parameters).
fn is_calendar(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("text/calendar"))
}
