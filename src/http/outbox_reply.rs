//! An iTIP REPLY (RFC 5546 3.2.3) posted to the scheduling outbox by a client that does
//! not write the attendee's copy: applied as her write of the copy would be (the
//! organizer's copy, her inbox, the other attendees' copies, or mail to an organizer
//! outside; her own copy takes the answer without a new Schedule-Tag), and answered at
//! once with a `CALDAV:schedule-response` naming the organizer.

use axum::response::{IntoResponse, Response};
use http::{header, StatusCode};

use super::error::DavError;
use super::AppState;
use crate::access::DavUser;
use crate::content::limits::ContentLimits;
use crate::content::structure;
use crate::dav::schedule_response::{schedule_response, RecipientAnswer};
use crate::dav::{Precondition, Refusal};
use crate::scheduling::attendee::{self, ReplyOutcome};
use crate::scheduling::deliver::status;
use crate::scheduling::lines::{self, Component};
use crate::scheduling::posted_reply::{self, Posted};
use crate::scheduling::target::is_address_of;

/// The body as a scheduling message: None when it is no readable iCalendar, which the
/// free/busy parser then names.
pub(super) fn read_posted(body: &[u8], limits: &ContentLimits) -> Option<(Posted, Component)> {
    let text = std::str::from_utf8(body).ok()?;
    structure::check(text, limits).ok()?;
    let cal = lines::parse(text.strip_prefix('\u{feff}').unwrap_or(text)).ok()?;
    Some((posted_reply::classify(&cal), cal))
}

/// Processes the REPLY `cal` (METHOD:REPLY, VEVENTs) `me` posted.
pub(super) async fn post(
    state: &AppState,
    me: &DavUser,
    cal: &Component,
) -> Result<Response, DavError> {
    let reply = posted_reply::read(cal)
        .map_err(|reason| Refusal::new(Precondition::ValidSchedulingMessage, reason))?;
    let user = &me.user;
    if !is_address_of(state, user, &reply.attendee).await? {
        return Err(DavError::Forbidden(
            "the ATTENDEE of a REPLY must be one of your own calendar user addresses".into(),
        ));
    }
    if is_address_of(state, user, &reply.organizer).await? {
        return Err(DavError::Forbidden(
            "a REPLY goes to the organizer; you organize this event".into(),
        ));
    }
    let context = user.context_id;
    let outcome =
        attendee::send_reply(state, context, user, &reply.attendee, cal, &reply.changes).await?;
    if matches!(outcome, ReplyOutcome::Delivered | ReplyOutcome::Mailed(_)) {
        attendee::update_own_copy(
            state,
            context,
            user,
            &reply.uid,
            &reply.organizer,
            &reply.attendee,
            &reply.changes,
        )
        .await?;
    }
    let answer = RecipientAnswer {
        recipient: reply.organizer,
        request_status: request_status(outcome).into(),
        calendar_data: None,
    };
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        schedule_response(&[answer]),
    )
        .into_response())
}

/// The iTIP request status (RFC 5546 3.6) of what became of the REPLY.
fn request_status(outcome: ReplyOutcome) -> &'static str {
    match outcome {
        ReplyOutcome::Delivered => "2.0;Success",
        ReplyOutcome::NotInvited | ReplyOutcome::NoOrganizer => "3.7;Invalid calendar user",
        ReplyOutcome::Mailed(status::SENT) => "1.1;Sent",
        ReplyOutcome::Mailed(status::DELIVERY_FAILED) => "5.1;Service unavailable",
        ReplyOutcome::Mailed(status::REJECTED) => "5.3;No scheduling support for user",
        ReplyOutcome::Mailed(_) => "5.2;Invalid calendar service",
    }
}
