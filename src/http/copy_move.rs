//! COPY and MOVE of calendar objects between calendars the user may write (RFC 4918 9.8,
//! 9.9); a MOVE is one store transaction, so the object is never lost or doubled.

use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode, Uri};

use super::destination::destination_segments;
use super::error::DavError;
use super::object::{
    check_new_member_name, may_write, need_privilege, read_member, unchanged_since,
    write_condition, MemberTarget,
};
use super::resource::DavResource;
use super::AppState;
use crate::access::DavUser;
use crate::caldav::{write, CalendarCollection};
use crate::dav::headers::overwrite;
use crate::dav::Precondition;
use crate::store::StoreError;

pub(super) async fn copy_or_move(
    state: &AppState,
    me: &DavUser,
    source: &CalendarCollection,
    name: &str,
    uri: &Uri,
    headers: &HeaderMap,
    is_move: bool,
) -> Result<Response, DavError> {
    let target_segments = destination_segments(state, uri, headers)?;
    let DavResource::CalendarMember {
        collection: target,
        name: target_name,
    } = DavResource::resolve(&state.store, me, &target_segments).await?
    else {
        return Err(DavError::Status(
            StatusCode::CONFLICT,
            "the Destination must be a member of a calendar collection".into(),
        ));
    };
    if target.id() == source.id() && target_name == name {
        return Err(DavError::Forbidden(
            "source and destination are the same".into(),
        ));
    }
    let context = me.user.context_id;
    // Every permission first, then the conditions: a refusal is the permission's, so no
    // answer tells whether a condition would have held.
    let from = MemberTarget::calendar(state, source, name);
    let object = read_member(state, me, &from).await?;
    // A copy of what the user sees only as busy time would carry what the user never saw.
    if from.is_hidden_from(&object, me) {
        return Err(need_privilege(from.href, "read"));
    }
    if is_move && !source.rights.can_delete(object.user_id, me.user.id) {
        return Err(need_privilege(from.href, "unbind"));
    }
    let existing = state
        .store
        .object(context, target.id(), &target_name)
        .await?;
    may_write(
        me,
        &MemberTarget::calendar(state, &target, &target_name),
        existing.as_ref(),
    )?;
    if existing.is_none() {
        check_new_member_name(state, &target_name)?;
    }
    // If-Match and If-None-Match refer to the source, for COPY as for MOVE (RFC 4918 10.4).
    let source_condition = write_condition(me, &from, headers, Some(&object))?;
    let overwrite = overwrite(headers)?;
    if existing.is_some() && !overwrite {
        return Err(DavError::PreconditionFailed(
            "the Destination exists and Overwrite is F".into(),
        ));
    }
    // The object must suit the target collection (a task cannot land in a calendar).
    let requirements = write::Requirements {
        strict_window: None,
        limits: &state.limits.content,
    };
    let prepared = write::prepare(
        &target,
        &target_name,
        &object.data,
        None,
        requirements,
        me.user.id,
    )?;
    let uid_conflict = |resource_name: String| -> DavError {
        Precondition::CalendarNoUidConflict(
            state
                .paths
                .external(&target.member_sub_path(&resource_name)),
        )
        .into()
    };
    let quota = crate::quota::limits_for(state, me, &target.folder).await?;
    let outcome = if is_move {
        state
            .store
            .move_object_within(
                context,
                source.id(),
                name,
                target.id(),
                &target_name,
                source_condition,
                overwrite,
                &quota,
            )
            .await
    } else {
        let condition = unchanged_since(existing.as_ref());
        let mut prepared = prepared;
        prepared.user_id = Some(me.user.id);
        state
            .store
            .put_object_within(context, target.id(), &prepared, condition, None, &quota)
            .await
    };
    match outcome {
        Ok(outcome) => Ok(if outcome.created {
            StatusCode::CREATED
        } else {
            StatusCode::NO_CONTENT
        }
        .into_response()),
        Err(StoreError::UidConflict { resource_name }) => Err(uid_conflict(resource_name)),
        Err(other) => Err(other.into()),
    }
}
