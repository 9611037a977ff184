//! RFC 8607's actions, POSTed to a calendar object: `?action=attachment-add` (with `rid`
//! for instances), `attachment-update` and `attachment-remove` (with `managed-id`). The
//! file is streamed into the store (`attachment_upload`), then the object is rewritten
//! with its ATTACH property through the PUT path (validation, implicit scheduling,
//! quotas), under the version that was read, so no concurrent change is lost.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};

use super::attachment_get::ATTACHMENTS_SUFFIX;
use super::attachment_upload::{self, Described};
use super::error::DavError;
use super::object::{self, may_write, read_member, MemberTarget, WRITE_ATTEMPTS};
use super::AppState;
use crate::access::DavUser;
use crate::caldav::{CalendarCollection, CALENDAR_CONTENT_TYPE};
use crate::content::ical::attach::{self, AttachEditError, ManagedAttach, Rid};
use crate::dav::headers::if_match;
use crate::dav::member::quoted_etag;
use crate::dav::{Precondition, Refusal};
use crate::store::{StoreError, StoredObject};

/// What the POST asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Action {
    Add {
        rids: Option<Vec<Rid>>,
    },
    Update {
        managed_id: String,
    },
    Remove {
        managed_id: String,
        rids: Option<Vec<Rid>>,
    },
}

/// Whether the request uploads an attachment (its body is then streamed, and held to
/// `maxAttachmentBytes` rather than `maxRequestBodyBytes`).
pub(super) fn is_upload(method: &Method, uri: &Uri) -> bool {
    method == Method::POST
        && query_of(uri).is_some_and(|q| {
            matches!(
                q.get("action").map(String::as_str),
                Some("attachment-add" | "attachment-update")
            )
        })
}

fn query_of(uri: &Uri) -> Option<HashMap<String, String>> {
    uri.query()?;
    Query::<HashMap<String, String>>::try_from_uri(uri)
        .ok()
        .map(|q| q.0)
}

fn action_of(uri: &Uri) -> Result<Action, DavError> {
    let query = query_of(uri).unwrap_or_default();
    let rids = match query.get("rid") {
        None => None,
        Some(value) => Some(attach::parse_rids(value).ok_or_else(|| {
            Refusal::new(
                Precondition::ValidRidParameter,
                format!("{value:?} is no list of recurrence ids (M, or UTC date-times or dates)"),
            )
        })?),
    };
    let managed_id = || {
        query
            .get("managed-id")
            .filter(|id| !id.is_empty())
            .cloned()
            .ok_or_else(|| {
                DavError::from(Refusal::new(
                    Precondition::ValidManagedIdParameter,
                    "the action needs the managed-id of an attachment",
                ))
            })
    };
    match query.get("action").map(String::as_str) {
        Some("attachment-add") => Ok(Action::Add { rids }),
        Some("attachment-update") if rids.is_some() => Err(DavError::BadRequest(
            "attachment-update takes no rid: it replaces the attachment wherever it is".into(),
        )),
        Some("attachment-update") => Ok(Action::Update {
            managed_id: managed_id()?,
        }),
        Some("attachment-remove") => Ok(Action::Remove {
            managed_id: managed_id()?,
            rids,
        }),
        Some(other) => Err(DavError::BadRequest(format!(
            "unknown action {other:?}: a calendar object takes attachment-add, \
             attachment-update and attachment-remove"
        ))),
        None => Err(DavError::BadRequest(
            "POST to a calendar object needs ?action=attachment-add, attachment-update \
             or attachment-remove"
                .into(),
        )),
    }
}

/// The answer to a POST on the member `name` of `collection`; `upload` is the streamed
/// body of an add or update.
pub(super) async fn post(
    state: &AppState,
    me: &DavUser,
    collection: &CalendarCollection,
    name: &str,
    uri: &Uri,
    headers: &HeaderMap,
    upload: Option<Body>,
) -> Result<Response, DavError> {
    // Who may change the member is settled before the request is looked at, so that a
    // malformed request tells nothing about a member the user may not change.
    let target = MemberTarget::calendar(state, collection, name);
    let object = read_member(state, me, &target).await?;
    may_write(me, &target, Some(&object))?;
    let action = action_of(uri)?;
    let client_etag = check_client_condition(headers, &object)?;
    let limits = state.limits.attachments;

    // Refusals that need no upload come first: the client is told before it sends the file.
    let stored = match &action {
        Action::Add { rids } => {
            if attach::managed_ids(&object.data).len() >= limits.max_per_resource {
                return Err(Refusal::new(
                    Precondition::MaxAttachmentsPerResource,
                    format!(
                        "a calendar object may have at most {} attachments \
                         (davgate.limits.maxAttachmentsPerResource)",
                        limits.max_per_resource
                    ),
                )
                .into());
            }
            edit(&object.data, &action, &placeholder(), rids.as_deref())?;
            Some(upload_body(state, me, collection, headers, upload, None).await?)
        }
        Action::Update { managed_id } => {
            if !attach::managed_ids(&object.data).contains(managed_id) {
                return Err(no_such_attachment(managed_id));
            }
            let old_name = state
                .store
                .attachment(me.user.context_id, managed_id)
                .await?
                .map(|a| a.filename);
            Some(upload_body(state, me, collection, headers, upload, old_name).await?)
        }
        Action::Remove { .. } => None,
    };

    let attach_href = stored.as_ref().map(|(stored, _, _)| {
        let path = format!(
            "{}{ATTACHMENTS_SUFFIX}/{}",
            collection.member_sub_path(name),
            stored.managed_id
        );
        state.paths.external(&path)
    });
    let attach_line = match (&stored, &attach_href) {
        (Some((stored, described, filename)), Some(href)) => ManagedAttach {
            managed_id: stored.managed_id.clone(),
            filename: filename.clone(),
            fmttype: described.fmttype.clone(),
            size: stored.size,
            url: format!("{}{href}", crate::ui::page::origin(headers)),
        },
        _ => placeholder(),
    };

    let mut current = object;
    let mut answer = None;
    for _ in 0..WRITE_ATTEMPTS {
        let rids = match &action {
            Action::Add { rids } | Action::Remove { rids, .. } => rids.as_deref(),
            Action::Update { .. } => None,
        };
        let data = edit(&current.data, &action, &attach_line, rids)?;
        let mut write_headers = HeaderMap::new();
        write_headers.insert(header::IF_MATCH, etag_value(&current.etag)?);
        write_headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(CALENDAR_CONTENT_TYPE),
        );
        match object::put(state, me, collection, name, &write_headers, &data).await {
            Ok(response) => {
                answer = Some(response);
                break;
            }
            Err(
                DavError::PreconditionFailed(_) | DavError::Store(StoreError::PreconditionFailed),
            ) if client_etag.is_none() => {
                // Changed by another writer since it was read: edit the new version.
                current = read_member(state, me, &target).await?;
                may_write(me, &target, Some(&current))?;
            }
            Err(other) => return Err(other),
        }
    }
    let Some(written) = answer else {
        return Err(StoreError::Contention(format!(
            "{} was changed by other writers on every attempt",
            target.href
        ))
        .into());
    };
    let etag = written.headers().get(header::ETAG).cloned();
    if let Some((stored, _, _)) = stored {
        let managed_id = stored.managed_id.clone();
        stored.finish(state).await?;
        let status = match action {
            Action::Add { .. } => StatusCode::CREATED,
            _ => StatusCode::NO_CONTENT,
        };
        let mut response = representation(state, me, &target, headers, status).await?;
        let out = response.headers_mut();
        out.insert(
            "cal-managed-id",
            HeaderValue::from_str(&managed_id).expect("hex"),
        );
        if let Some(href) = attach_href.filter(|_| status == StatusCode::CREATED) {
            if let Ok(location) = HeaderValue::from_str(&href) {
                out.insert(header::LOCATION, location);
            }
        }
        if let Some(etag) = etag {
            out.insert(header::ETAG, etag);
        }
        return Ok(response);
    }
    let mut response = representation(state, me, &target, headers, StatusCode::NO_CONTENT).await?;
    if let Some(etag) = etag {
        response.headers_mut().insert(header::ETAG, etag);
    }
    Ok(response)
}

/// The client's own `If-Match`, which must name the version read (412 otherwise); the
/// rewrite is then made under it and never retried.
fn check_client_condition(
    headers: &HeaderMap,
    object: &StoredObject,
) -> Result<Option<String>, DavError> {
    match if_match(headers)? {
        Some(condition) if !condition.if_match_passes(Some(&object.etag)) => Err(
            DavError::PreconditionFailed("the calendar object has another ETag".into()),
        ),
        Some(_) => Ok(Some(object.etag.clone())),
        None => Ok(None),
    }
}

fn etag_value(etag: &str) -> Result<HeaderValue, DavError> {
    HeaderValue::from_str(&quoted_etag(etag))
        .map_err(|_| DavError::BadRequest("the stored ETag is no header value".into()))
}

/// Streams the request's file into the store for `collection`'s owner (the writer for a
/// folder without owner), held to the owner's byte quota. The file keeps `old_name`
/// when the request names none.
async fn upload_body(
    state: &AppState,
    me: &DavUser,
    collection: &CalendarCollection,
    headers: &HeaderMap,
    upload: Option<Body>,
    old_name: Option<String>,
) -> Result<(attachment_upload::Stored, Described, String), DavError> {
    let max_bytes = state.limits.attachments.max_bytes;
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|length| length > max_bytes) {
        return Err(attachment_upload::too_large(max_bytes));
    }
    let described = Described::from_headers(headers);
    let filename = described
        .filename
        .clone()
        .or(old_name)
        .unwrap_or_else(|| "attachment".to_owned());
    let folder = &collection.folder;
    let owner = folder.owner_id.unwrap_or(me.user.id);
    let quota = crate::quota::limits_for(state, me, folder).await?;
    let body = upload.unwrap_or_else(Body::empty);
    let stored = attachment_upload::store_body(
        state,
        me.user.context_id,
        owner,
        quota.bytes,
        &described,
        &filename,
        body,
    )
    .await?;
    Ok((stored, described, filename))
}

/// The object's data with the action applied.
fn edit(
    data: &[u8],
    action: &Action,
    line: &ManagedAttach,
    rids: Option<&[Rid]>,
) -> Result<Vec<u8>, DavError> {
    let edited = match action {
        Action::Add { .. } => attach::add(data, line, rids),
        Action::Update { managed_id } => attach::replace(data, managed_id, line),
        Action::Remove { managed_id, .. } => attach::remove(data, managed_id, rids),
    };
    edited.map_err(|error| match (error, action) {
        (AttachEditError::NoSuchInstance(rid), _) => Refusal::new(
            Precondition::ValidRidParameter,
            format!("{rid} names no component of the calendar object (only the master, M, and overridden instances have one)"),
        )
        .into(),
        (AttachEditError::NoSuchAttachment, Action::Update { managed_id } | Action::Remove { managed_id, .. }) => {
            no_such_attachment(managed_id)
        }
        (AttachEditError::NoSuchAttachment, Action::Add { .. }) => {
            DavError::BadRequest("nothing to add the attachment to".into())
        }
    })
}

fn no_such_attachment(managed_id: &str) -> DavError {
    Refusal::new(
        Precondition::ValidManagedIdParameter,
        format!("no attachment of this calendar object has the managed-id {managed_id:?}"),
    )
    .into()
}

/// Stands in for the ATTACH an upload will make, to check a request before its upload.
fn placeholder() -> ManagedAttach {
    ManagedAttach {
        managed_id: String::new(),
        filename: String::new(),
        fmttype: String::new(),
        size: 0,
        url: String::new(),
    }
}

/// `status` with an empty body, or with the object as written when the client asked for
/// it (`Prefer: return=representation`), then 200 in place of 204.
async fn representation(
    state: &AppState,
    me: &DavUser,
    target: &MemberTarget<'_>,
    headers: &HeaderMap,
    status: StatusCode,
) -> Result<Response, DavError> {
    let wants = headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim().eq_ignore_ascii_case("return=representation"));
    if !wants {
        return Ok(status.into_response());
    }
    let object = read_member(state, me, target).await?;
    let status = if status == StatusCode::NO_CONTENT {
        StatusCode::OK
    } else {
        status
    };
    Ok((
        status,
        [(header::CONTENT_TYPE, CALENDAR_CONTENT_TYPE)],
        object.data,
    )
        .into_response())
}

/// Whether the MANAGED-IDs a client writes in `data` (PUT of `name`) are attachments it
/// may refer to: ones the member already refers to, ones the writer uploaded, and ones
/// other members of the same calendar refer to (an event copied within it). Anything
/// else is refused with CALDAV:valid-managed-id, as are more than
/// `maxAttachmentsPerResource`. A writer who may not write the member at all gets the
/// refusal of its privileges first, as without MANAGED-IDs.
pub(super) async fn check_written_ids(
    state: &AppState,
    me: &DavUser,
    collection: &CalendarCollection,
    name: &str,
    data: &[u8],
) -> Result<(), DavError> {
    let ids = attach::managed_ids(data);
    if ids.is_empty() {
        return Ok(());
    }
    let target = MemberTarget::calendar(state, collection, name);
    let current = state
        .store
        .object(me.user.context_id, target.folder, target.name)
        .await?;
    may_write(me, &target, current.as_ref())?;
    let max = state.limits.attachments.max_per_resource;
    if ids.len() > max {
        return Err(Refusal::new(
            Precondition::MaxAttachmentsPerResource,
            format!("a calendar object may have at most {max} attachments"),
        )
        .into());
    }
    let context = me.user.context_id;
    for id in &ids {
        let refs = state.store.attachment_refs(context, id).await?;
        if refs
            .iter()
            .any(|(folder, member)| *folder == collection.id() && member == name)
        {
            continue;
        }
        let usable = match state.store.attachment(context, id).await? {
            Some(attachment) => {
                attachment.owner_id == me.user.id
                    || refs.iter().any(|(folder, _)| *folder == collection.id())
            }
            None => false,
        };
        if !usable {
            return Err(Refusal::new(
                Precondition::ValidManagedId,
                format!("MANAGED-ID {id:?} names no attachment this object may refer to"),
            )
            .into());
        }
    }
    Ok(())
}
