//! How a room or piece of equipment that accepts by itself answers an invitation: ACCEPTED
//! when no other booking in its calendar overlaps any instance of the event, DECLINED
//! when one does (or when the event has more instances than may be checked).

use futures::TryStreamExt;

use super::lines::Component;
use crate::content::ical::CalendarObject;
use crate::content::query::TimeRange;
use crate::http::AppState;
use crate::store::{ContextId, FolderId, MemberFilter, StoreResult};

/// How far past its first start a recurring event is checked against other bookings.
const HORIZON_SECONDS: i64 = 366 * 24 * 3600;

/// The PARTSTAT the resource whose bookings `folder` holds answers `cal` (event `uid`)
/// with; bookings of the same UID do not count.
pub async fn answer(
    state: &AppState,
    context: ContextId,
    folder: FolderId,
    cal: &Component,
    uid: &str,
) -> StoreResult<&'static str> {
    let data = cal.render();
    let Ok(event) = CalendarObject::parse(data.as_bytes(), &state.limits.content) else {
        return Ok("DECLINED");
    };
    let index = event.index();
    let Some(start) = index.first_start else {
        return Ok("ACCEPTED");
    };
    let end = index
        .last_end
        .map_or(start + HORIZON_SECONDS, |end| {
            end.min(start + HORIZON_SECONDS)
        })
        .max(start + 1);
    let range = TimeRange {
        start: Some(start),
        end: Some(end),
    };
    let Ok(wanted) = event.busy_periods(&range) else {
        return Ok("DECLINED");
    };
    if wanted.is_empty() {
        return Ok("ACCEPTED");
    }
    let mut others = state.store.object_stream(
        context,
        folder,
        MemberFilter {
            window: Some((start, end)),
            component: Some("VEVENT".into()),
        },
    );
    while let Some(other) = others.try_next().await? {
        if other.uid == uid {
            continue;
        }
        let Ok(booked) = CalendarObject::parse(&other.data, &state.limits.content) else {
            continue;
        };
        let Ok(busy) = booked.busy_periods(&range) else {
            return Ok("DECLINED");
        };
        let overlaps = busy
            .iter()
            .any(|b| wanted.iter().any(|w| b.start < w.end && w.start < b.end));
        if overlaps {
            return Ok("DECLINED");
        }
    }
    Ok("ACCEPTED")
}
