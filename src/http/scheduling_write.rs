//! PUT and DELETE of events in calendars as implicit scheduling (RFC 6638 3.2) makes them:
//! whose calendar it is, whether the object is the organizer's or an attendee's copy,
//! the write under the client's conditions (If-Schedule-Tag-Match among them) with the
//! Schedule-Tag, and then the deliveries `scheduling` works out. Objects that are no
//! scheduling objects take the ordinary path of `object`.

use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};

use super::error::DavError;
use super::object::{
    check_new_member_name, has_client_condition, may_write, put_member, write_condition,
    MemberTarget, WRITE_ATTEMPTS,
};
use super::AppState;
use crate::access::DavUser;
use crate::caldav::write::stored_row;
use crate::caldav::CalendarCollection;
use crate::content::ical::CalendarObject;
use crate::dav::headers::{if_match, if_none_match, if_schedule_tag_match};
use crate::dav::member::quoted_etag;
use crate::dav::{Precondition, Refusal};
use crate::http::paths::encode_segment;
use crate::scheduling::deliver::{find_copy, new_schedule_tag, parse_stored};
use crate::scheduling::lines::{self, Component};
use crate::scheduling::sent_by::set_sent_by;
use crate::scheduling::target::is_address_of;
use crate::scheduling::{attendee, itip, organizer, SchedulingError};
use crate::store::{FolderType, StoreError, StoredObject, User, WriteCondition, WriteObject};

pub(super) static SCHEDULE_TAG: HeaderName = HeaderName::from_static("schedule-tag");

impl From<SchedulingError> for DavError {
    fn from(error: SchedulingError) -> Self {
        match error {
            SchedulingError::Refused(refusal) => refusal.into(),
            SchedulingError::Store(store) => store.into(),
        }
    }
}

/// Whose scheduling a write in `collection` is: the owner of a private calendar, the
/// writer in a public one.
async fn calendar_user(
    state: &AppState,
    me: &DavUser,
    collection: &CalendarCollection,
) -> Result<User, DavError> {
    match (collection.folder.folder_type, collection.folder.owner_id) {
        (FolderType::Private, Some(owner)) if owner != me.user.id => {
            match state.store.user(me.user.context_id, owner).await {
                Ok(user) => Ok(user),
                // A calendar whose owner is gone schedules for nobody but the writer.
                Err(StoreError::NotFound) => Ok(me.user.clone()),
                Err(other) => Err(other.into()),
            }
        }
        _ => Ok(me.user.clone()),
    }
}

/// The part the calendar user plays in an object.
enum Role {
    Organizer(String),
    Attendee(String),
    None,
}

async fn role_in(
    state: &AppState,
    user: &User,
    cal: &Component,
    previous: Option<&Component>,
) -> Result<Role, DavError> {
    let Some(view) = itip::view(cal) else {
        return Ok(Role::None);
    };
    if view.component != "VEVENT" {
        return Ok(Role::None);
    }
    if view.organizers_differ() {
        return Err(Refusal::new(
            Precondition::SameOrganizerInAllComponents,
            "the components name different organizers",
        )
        .into());
    }
    let scheduling = view.is_scheduling();
    let source = match (scheduling, previous.and_then(itip::view)) {
        (true, _) => view,
        // An organizer who drops every attendee cancels the event for them.
        (false, Some(before)) if before.is_scheduling() => before,
        _ => return Ok(Role::None),
    };
    let Some(organizer) = source.organizer() else {
        return Ok(Role::None);
    };
    if is_address_of(state, user, organizer).await? {
        return Ok(Role::Organizer(organizer.to_owned()));
    }
    // Her own scheduling object cannot be handed to another organizer (RFC 6638 3.2.1).
    if let Some(before) = previous.and_then(itip::view) {
        if let Some(was) = before.organizer().filter(|_| before.is_scheduling()) {
            if !itip::same_address(was, organizer) && is_address_of(state, user, was).await? {
                return Err(Refusal::new(
                    Precondition::AllowedOrganizerSchedulingObjectChange,
                    "the organizer of a scheduled event cannot be changed",
                )
                .into());
            }
        }
    }
    if !scheduling {
        return Ok(Role::None);
    }
    for address in source.attendee_addresses() {
        if is_address_of(state, user, &address).await? {
            return Ok(Role::Attendee(address));
        }
    }
    Ok(Role::None)
}

fn href_of(object: &StoredObject, folder: &crate::store::Folder) -> String {
    let segment = folder
        .dav_name
        .clone()
        .unwrap_or_else(|| folder.id.to_string());
    format!(
        "/caldav/{}/{}",
        encode_segment(&segment),
        encode_segment(&object.resource_name)
    )
}

fn with_schedule_tag(mut response: Response, tag: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(&quoted_etag(tag)) {
        response.headers_mut().insert(SCHEDULE_TAG.clone(), value);
    }
    response
}

/// PUT of an event into `collection`: scheduled when it is a scheduling object of the
/// calendar user's, otherwise written as any member.
pub(super) async fn put(
    state: &AppState,
    me: &DavUser,
    collection: &CalendarCollection,
    target: &MemberTarget<'_>,
    headers: &HeaderMap,
    body: &[u8],
    build: impl FnOnce() -> Result<WriteObject, DavError>,
) -> Result<Response, DavError> {
    let context = me.user.context_id;
    let quota = super::object::quota_of(state, me, target).await?;
    let user = calendar_user(state, me, collection).await?;
    let mut built: Option<WriteObject> = None;
    let mut build = Some(build);
    for _ in 0..WRITE_ATTEMPTS {
        let current = state
            .store
            .object(context, target.folder, target.name)
            .await?;
        may_write(me, target, current.as_ref())?;
        if current.is_none() {
            check_new_member_name(state, target.name)?;
        }
        let condition = write_condition(me, target, headers, current.as_ref())?;
        let object = match &mut built {
            Some(object) => object,
            None => built.insert((build.take().expect("built once"))()?),
        };
        let parsed = std::str::from_utf8(&object.data)
            .ok()
            .and_then(|text| lines::parse(text).ok());
        let previous = current.as_ref().and_then(|o| parse_stored(o).ok());
        let role = match &parsed {
            Some(cal) => role_in(state, &user, cal, previous.as_ref()).await?,
            None => Role::None,
        };
        let (Some(mut new), false) = (parsed, matches!(role, Role::None)) else {
            let object = built.take().expect("built");
            return put_member(
                state,
                me,
                target,
                headers,
                move || Ok(object),
                |other| {
                    Precondition::CalendarNoUidConflict(
                        state.paths.external(&collection.member_sub_path(other)),
                    )
                },
            )
            .await;
        };
        if current.is_none() {
            let found = find_copy(state, context, user.id, &object.uid).await?;
            // One in this calendar is the store's `no-uid-conflict`.
            if let Some(other) = found.filter(|o| o.folder_id != target.folder) {
                // The other calendar is named only to a writer who may see it.
                let href = match state
                    .store
                    .visible_folder(context, me.user.id, other.folder_id)
                    .await?
                {
                    Some(folder) => state.paths.external(&href_of(&other, &folder)),
                    None => target.href.clone(),
                };
                return Err(Refusal::new(
                    Precondition::UniqueSchedulingObjectResource(href),
                    "another calendar holds this event",
                )
                .into());
            }
        }
        mark_delegate(me, &user, &role, &mut new);
        let kept_tag = current.as_ref().and_then(|o| o.schedule_tag.clone());
        let (stored, tag, after) = match &role {
            Role::Organizer(address) => {
                let plan =
                    organizer::prepare(state, context, &user, address, previous, new).await?;
                (
                    plan.stored.clone(),
                    new_schedule_tag(),
                    After::Organizer(plan),
                )
            }
            Role::Attendee(address) => match &previous {
                Some(previous) if itip::view(previous).is_some_and(|v| v.is_scheduling()) => {
                    let (stored, changes) = attendee::prepare(previous, new, address)?;
                    let tag = kept_tag.unwrap_or_else(new_schedule_tag);
                    (stored, tag, After::Reply(address.clone(), changes))
                }
                _ => (new, new_schedule_tag(), After::Nothing),
            },
            Role::None => unreachable!("handled above"),
        };
        let data = stored.render().into_bytes();
        let parsed = CalendarObject::parse(&data, &state.limits.content)
            .map_err(|e| Refusal::new(Precondition::ValidCalendarData, e.to_string()))?;
        let author = current.as_ref().map_or(object.user_id, |o| o.user_id);
        let row = stored_row(target.name, &parsed, author);
        // A client that conditions its write on the Schedule-Tag alone accepts changes
        // that keep the tag (other attendees' answers written into the copy): a write
        // that lost to one reads the copy again and checks the tag again.
        let tag_only = current.is_some()
            && if_schedule_tag_match(headers)?.is_some()
            && if_match(headers)?.is_none()
            && if_none_match(headers)?.is_none();
        let retry = matches!(condition, WriteCondition::AuthoredBy(_))
            || tag_only
            || (current.is_none() && !has_client_condition(headers)?);
        match state
            .store
            .put_object_within(context, target.folder, &row, condition, Some(&tag), &quota)
            .await
        {
            Ok(outcome) => {
                match after {
                    After::Organizer(plan) => {
                        organizer::deliver(state, context, &user, Some(target.folder), plan).await
                    }
                    After::Reply(address, changes) => {
                        attendee::reply(state, context, &user, &address, &stored, &changes).await
                    }
                    After::Nothing => {}
                }
                let status = if outcome.created {
                    StatusCode::CREATED
                } else {
                    StatusCode::NO_CONTENT
                };
                let mut response = status.into_response();
                // Stored as sent: the client's copy is current (RFC 4791 5.3.4).
                if row.data == body {
                    response.headers_mut().insert(
                        header::ETAG,
                        HeaderValue::from_str(&quoted_etag(&outcome.etag))
                            .map_err(|e| DavError::BadRequest(e.to_string()))?,
                    );
                }
                return Ok(with_schedule_tag(response, &tag));
            }
            Err(StoreError::PreconditionFailed) if retry => continue,
            Err(StoreError::UidConflict { resource_name }) => {
                return Err(Precondition::CalendarNoUidConflict(
                    state
                        .paths
                        .external(&collection.member_sub_path(&resource_name)),
                )
                .into())
            }
            Err(other) => return Err(other.into()),
        }
    }
    Err(StoreError::Contention(format!("{} kept changing", target.href)).into())
}

/// A delegate acts for the calendar's owner `user`: the owner's ORGANIZER or ATTENDEE
/// line in `cal` names the writer in SENT-BY.
fn mark_delegate(me: &DavUser, user: &User, role: &Role, cal: &mut Component) {
    if user.id == me.user.id {
        return;
    }
    match role {
        Role::Organizer(address) => set_sent_by(cal, "ORGANIZER", address, &me.user.mail),
        Role::Attendee(address) => set_sent_by(cal, "ATTENDEE", address, &me.user.mail),
        Role::None => {}
    }
}

/// What follows a stored scheduling write.
enum After {
    Organizer(organizer::OrganizerPlan),
    Reply(String, attendee::Changes),
    Nothing,
}

/// After the DELETE of `removed` from `collection`: the organizer's removal cancels the
/// event for every attendee; an attendee's declines it.
pub(super) async fn deleted(
    state: &AppState,
    me: &DavUser,
    collection: &CalendarCollection,
    removed: &StoredObject,
) -> Result<(), DavError> {
    if removed.schedule_tag.is_none() {
        return Ok(());
    }
    let Ok(previous) = parse_stored(removed) else {
        return Ok(());
    };
    let context = me.user.context_id;
    let user = calendar_user(state, me, collection).await?;
    let role = role_in(state, &user, &previous, None).await?;
    let mut previous = previous;
    mark_delegate(me, &user, &role, &mut previous);
    match role {
        Role::Organizer(address) => {
            let plan = organizer::prepare_delete(state, context, &user, &address, previous).await?;
            organizer::deliver(state, context, &user, None, plan).await;
        }
        Role::Attendee(address) => {
            let changes = attendee::declined_on_delete(&previous, &address);
            let mut copy = previous;
            for (rid, participation) in &changes {
                crate::scheduling::edit::set_participation(
                    &mut copy,
                    &address,
                    rid.as_deref(),
                    participation,
                );
            }
            attendee::reply(state, context, &user, &address, &copy, &changes).await;
        }
        Role::None => {}
    }
    Ok(())
}

/// The Schedule-Tag header of a GET answer, for a scheduling object.
pub(super) fn tag_header(response: Response, tag: Option<&str>) -> Response {
    match tag {
        Some(tag) => with_schedule_tag(response, tag),
        None => response,
    }
}
