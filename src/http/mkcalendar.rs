//! MKCALENDAR (RFC 4791 5.3.1) and extended MKCOL (RFC 5689) in the calendar home: a new
//! private calendar or task folder owned by the user, with the properties the body sets.

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, StatusCode};

use super::body_parsing::refused;
use super::error::DavError;
use super::new_collection::{create_owned, set_or_undo};
use super::proppatch::{not_xml, Target};
use super::AppState;
use crate::access::DavUser;
use crate::caldav::collection::is_id_shaped;
use crate::caldav::CalendarKind;
use crate::dav::{check_new_name, ElementName, KnownProp, Namespace, Precondition, Refusal};
use crate::dav::{parse_mkcalendar_within, parse_mkcol_within, refusal_body};
use crate::store::FolderModule;

/// Whether a new calendar may be called `segment`. A segment of digits only addresses a
/// folder by id, whether or not that folder exists or the user may see it, so it is
/// refused alike in every case: a client-chosen name never shadows a folder id, and the
/// answer tells nothing about other users' folders.
fn check_calendar_name(state: &AppState, segment: &str) -> Result<(), DavError> {
    let refuse = |reason: String| -> DavError {
        Refusal::new(Precondition::CalendarCollectionLocationOk, reason).into()
    };
    if is_id_shaped(segment) {
        return Err(refuse(
            "a calendar's name may not consist of digits only: such paths address folders by id"
                .into(),
        ));
    }
    check_new_name(segment, state.limits.names.max_resource_name_bytes)
        .map_err(|e| refuse(e.to_string()))
}

/// Whether the user may own one more calendar or task list
/// (`davgate.limits.maxCalendarsPerUser`): 507 with the reason when not. Concurrent
/// requests of one user may pass together, so the bound can be passed by as many.
async fn may_own_another(state: &AppState, me: &DavUser) -> Result<(), DavError> {
    let max = state.limits.collections.max_calendars_per_user;
    let owned = state
        .store
        .visible_folders(me.user.context_id, me.user.id)
        .await?
        .into_iter()
        .filter(|f| f.owner_id == Some(me.user.id) && CalendarKind::of(f.module).is_some())
        .count();
    if owned >= max {
        return Err(DavError::Status(
            StatusCode::INSUFFICIENT_STORAGE,
            format!("a user may own at most {max} calendars and task lists; delete one first"),
        ));
    }
    Ok(())
}

/// What a `supported-calendar-component-set` asks for, if davgate can make it whole: a
/// calendar folder takes events only, a task folder tasks only (VTIMEZONE goes with
/// either and is not counted).
fn kind_of(components: &[String]) -> Option<CalendarKind> {
    let mut wanted: Vec<&str> = components
        .iter()
        .map(String::as_str)
        .filter(|c| *c != "VTIMEZONE")
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    match wanted.as_slice() {
        ["VEVENT"] => Some(CalendarKind::Events),
        ["VTODO"] => Some(CalendarKind::Tasks),
        _ => None,
    }
}

/// RFC 4918 9.3: a MKCOL (and so a MKCALENDAR) body of a type davgate does not take gets
/// 415: a `Content-Type` that is not XML, or a body that does not start as XML does.
pub(super) fn check_body_type(headers: &HeaderMap, body: &[u8]) -> Result<(), DavError> {
    let text = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let Some(first) = text.iter().find(|b| !b.is_ascii_whitespace()) else {
        return Ok(());
    };
    let declared = headers
        .get(header::CONTENT_TYPE)
        .map(|value| {
            let essence = value.to_str().unwrap_or("").split(';').next().unwrap_or("");
            let essence = essence.trim().to_ascii_lowercase();
            essence == "application/xml" || essence == "text/xml" || essence.ends_with("+xml")
        })
        .unwrap_or(true);
    if !declared || *first != b'<' {
        return Err(DavError::Status(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the request body must be an XML document (application/xml)".into(),
        ));
    }
    Ok(())
}

pub(super) async fn mkcalendar(
    state: &AppState,
    me: &DavUser,
    segment: &str,
    headers: &HeaderMap,
    body: &Bytes,
    extended_mkcol: bool,
) -> Result<Response, DavError> {
    check_body_type(headers, body)?;
    let parse = if extended_mkcol {
        parse_mkcol_within
    } else {
        parse_mkcalendar_within
    };
    let request = state
        .body_parsers
        .parse(body, parse)
        .await
        .map_err(|e| refused("request body", &e, e.exceeded()))?;
    for (name, value) in &request.props {
        not_xml(name, Some(value))
            .map_err(|e| DavError::BadRequest(format!("request body: {e}")))?;
    }
    check_calendar_name(state, segment)?;
    if extended_mkcol {
        let calendar = request
            .resource_types
            .iter()
            .any(|t| *t == ElementName::new(Namespace::CalDav, "calendar"));
        if !calendar {
            return Err(DavError::Forbidden(
                "only calendar collections can be created in the calendar home".into(),
            ));
        }
    }
    let kind = match request.supported_components() {
        None => CalendarKind::Events,
        Some(components) => kind_of(&components).ok_or_else(|| {
            let requested: Vec<_> = request.props.iter().map(|(name, _)| name.clone()).collect();
            DavError::Xml(
                StatusCode::FORBIDDEN,
                refusal_body(
                    extended_mkcol,
                    &KnownProp::SupportedCalendarComponentSet.name(),
                    StatusCode::FORBIDDEN,
                    &requested,
                    &format!(
                        "a calendar takes either VEVENT or VTODO, not {}; nothing was created",
                        if components.is_empty() {
                            "an empty set".to_owned()
                        } else {
                            components.join(", ")
                        }
                    ),
                ),
            )
        })?,
    };
    if !me.user.has_module(kind.module_permission()) {
        return Err(DavError::Forbidden(format!(
            "the account may not use the {} module",
            kind.module_permission()
        )));
    }
    let display_name = request
        .props
        .iter()
        .find(|(name, _)| KnownProp::from_name(name) == Some(KnownProp::DisplayName))
        .map(|(_, value)| value.text().trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| segment.to_owned());
    let max_value = state.limits.properties.max_value_bytes;
    if display_name.len() > max_value {
        return Err(DavError::Status(
            StatusCode::INSUFFICIENT_STORAGE,
            format!("a display name may hold at most {max_value} bytes"),
        ));
    }
    may_own_another(state, me).await?;
    let module = match kind {
        CalendarKind::Events => FolderModule::Calendar,
        CalendarKind::Tasks => FolderModule::Tasks,
    };
    let folder = create_owned(state, me, module, display_name, segment).await?;
    let settable: Vec<_> = request
        .props
        .into_iter()
        .filter(|(name, _)| {
            !matches!(
                KnownProp::from_name(name),
                Some(KnownProp::DisplayName)
                    | Some(KnownProp::SupportedCalendarComponentSet)
                    | Some(KnownProp::ResourceType)
            )
        })
        .collect();
    set_or_undo(state, me, &folder, Target::Calendar, &settable).await?;
    let location = state.paths.external(&format!(
        "/caldav/{}/",
        super::paths::encode_segment(segment)
    ));
    Ok((StatusCode::CREATED, [(header::LOCATION, location)]).into_response())
}
